/**
 * @file decompress.cpp
 * @brief libarchive's raw reader into a file, hashing as it goes; see decompress.hpp.
 */
#include "imagebuilder/oci/decompress.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::oci {

using minirun::sys::Error;

minirun::sys::Result<store::Digest> decompress_to_file(const std::string& blob, const std::string& out) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  if (!reader) return Error("decompress `" + blob + "`: out of memory");
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());
  archive_read_support_format_empty(reader.get());
  if (archive_read_open_filename(reader.get(), blob.c_str(), 1 << 20) != ARCHIVE_OK) {
    return Error("decompress `" + blob + "`: " + archive_error_string(reader.get()));
  }
  minirun::sys::UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("open", out);
  store::Sha256 hash;
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(reader.get(), &entry);
  if (r == ARCHIVE_OK) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((r = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK) {
      hash.update(block, size);
      const char* p = static_cast<const char*>(block);
      for (size_t done = 0; done < size;) {
        ssize_t n = ::write(fd.get(), p + done, size - done);
        if (n < 0) {
          if (errno == EINTR) continue;
          return Error::from_errno("write", out);
        }
        done += static_cast<size_t>(n);
      }
    }
  }
  if (r != ARCHIVE_EOF) return Error("decompress `" + blob + "`: " + archive_error_string(reader.get()));
  return hash.finish();
}

}  // namespace imagebuilder::oci
