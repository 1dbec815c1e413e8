/**
 * @file store_lock.cpp
 * @brief flock(2) on the store's lock file; see store_lock.hpp.
 */
#include "imagebuilder/store/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace imagebuilder::store {

using minirun::sys::Error;

minirun::sys::Result<StoreLock> StoreLock::acquire(const std::string& lock_path) {
  minirun::sys::UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("open", lock_path);
  while (::flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return Error::from_errno("flock", lock_path);
  }
  return StoreLock(std::move(fd));
}

}  // namespace imagebuilder::store
