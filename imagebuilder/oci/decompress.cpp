/**
 * @file decompress.cpp
 * @brief A compressed layer written out plain, hashed as it goes (store/compression.hpp reads it); see decompress.hpp.
 */
#include "imagebuilder/oci/decompress.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "imagebuilder/store/compression.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::oci {

using minirun::sys::Error;

minirun::sys::Result<store::Digest> decompress_to_file(const std::string& blob, const std::string& out) {
  minirun::sys::UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("open", out);
  auto write_all = [&](const void* block, size_t size) -> minirun::sys::Result<void> {
    const char* p = static_cast<const char*>(block);
    for (size_t done = 0; done < size;) {
      ssize_t n = ::write(fd.get(), p + done, size - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Error::from_errno("write", out);
      }
      done += static_cast<size_t>(n);
    }
    return minirun::sys::ok();
  };
  auto info = store::read_uncompressed(blob, write_all);
  if (!info) return std::move(info.error()).context("decompress");
  return info->diff_id;
}

}  // namespace imagebuilder::oci
