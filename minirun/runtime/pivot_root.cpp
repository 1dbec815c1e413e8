/**
 * @file pivot_root.cpp
 * @brief pivot_root(2) with the old root detached (see pivot_root.hpp).
 */
#include "minirun/runtime/pivot_root.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

using sys::Error;

sys::Result<void> pivot_to(const std::string& rootfs) {
  sys::UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root) return Error::from_errno("open", "/");
  sys::UniqueFd new_root(::open(rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!new_root) return Error::from_errno("open", rootfs);
  if (::fchdir(new_root.get()) < 0) return Error::from_errno("chdir", rootfs);

  // After this, the old root is mounted on top of "." and the new root is beneath it.
  if (::syscall(SYS_pivot_root, ".", ".") < 0) return Error::from_errno("pivot_root", rootfs);

  // Make sure unmounting the old root cannot propagate to the host (it may have been
  // a shared mount there), then detach it. MNT_DETACH: processes of the host keep their
  // view; in this namespace the old root is gone.
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
    return Error::from_errno("mount MS_SLAVE on", "old root");
  }
  if (::umount2(".", MNT_DETACH) < 0) return Error::from_errno("umount2", "old root");
  if (::chdir("/") < 0) return Error::from_errno("chdir", "/");
  return sys::ok();
}

}  // namespace minirun::runtime
