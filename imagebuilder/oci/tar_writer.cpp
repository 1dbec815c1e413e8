/**
 * @file tar_writer.cpp
 * @brief libarchive's writer with fixed metadata; see tar_writer.hpp.
 */
#include "imagebuilder/oci/tar_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::oci {

Result<TarWriter> TarWriter::create(const std::string& path, bool gzip) {
  archive* a = archive_write_new();
  if (a == nullptr) return Error("write `" + path + "`: out of memory");
  TarWriter writer(path, a);
  archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  // Without this libarchive pads the last block to 10 KiB, which is harmless but odd.
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open_filename(a, writer.partial().c_str()) != ARCHIVE_OK) {
    return Error("write `" + writer.partial() + "`: " + archive_error_string(a));
  }
  return writer;
}

TarWriter::TarWriter(TarWriter&& other) noexcept
    : path_(std::move(other.path_)), archive_(other.archive_), finished_(other.finished_) {
  other.archive_ = nullptr;
}

TarWriter::~TarWriter() {
  if (archive_ == nullptr) return;
  archive_write_free(archive_);
  if (!finished_) ::unlink(partial().c_str());
}

Result<void> TarWriter::header(const std::string& name, unsigned type, std::int64_t size) {
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), type);
  archive_entry_set_perm(e.get(), type == AE_IFDIR ? 0755 : 0644);
  archive_entry_set_size(e.get(), size);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_mtime(e.get(), 0, 0);
  if (archive_write_header(archive_, e.get()) != ARCHIVE_OK) {
    return Error("write `" + partial() + "`: entry `" + name + "`: " + archive_error_string(archive_));
  }
  return minirun::sys::ok();
}

Result<void> TarWriter::add_directory(const std::string& name) { return header(name, AE_IFDIR, 0); }

Result<void> TarWriter::add_bytes(const std::string& name, std::string_view bytes) {
  MINIRUN_TRY(header(name, AE_IFREG, static_cast<std::int64_t>(bytes.size())), "save");
  if (archive_write_data(archive_, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size())) {
    return Error("write `" + partial() + "`: entry `" + name + "`: " + archive_error_string(archive_));
  }
  return minirun::sys::ok();
}

Result<void> TarWriter::add_file(const std::string& name, const std::string& path) {
  minirun::sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::from_errno("open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return Error::from_errno("fstat", path);
  MINIRUN_TRY(header(name, AE_IFREG, st.st_size), "save");
  std::vector<char> buffer(1 << 20);
  std::int64_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno("read", path);
    }
    if (n == 0) return Error("read `" + path + "`: file shrank while being saved");
    if (archive_write_data(archive_, buffer.data(), static_cast<size_t>(n)) != n) {
      return Error("write `" + partial() + "`: entry `" + name + "`: " + archive_error_string(archive_));
    }
    left -= n;
  }
  return minirun::sys::ok();
}

Result<void> TarWriter::finish() {
  if (archive_write_close(archive_) != ARCHIVE_OK) {
    return Error("write `" + partial() + "`: " + archive_error_string(archive_));
  }
  if (::rename(partial().c_str(), path_.c_str()) < 0) return Error::from_errno("rename", partial() + "` to `" + path_);
  finished_ = true;
  return minirun::sys::ok();
}

}  // namespace imagebuilder::oci
