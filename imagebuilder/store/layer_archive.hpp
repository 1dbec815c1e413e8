/**
 * @file layer_archive.hpp
 * @brief Owning handles for libarchive's reader, writer and entry objects.
 *
 * libarchive (the library behind bsdtar) reads and writes every tar dialect and
 * compression the image world uses; the kit never hand-writes tar headers. Its C
 * objects must be freed on every path, including the early returns of a refused
 * entry, so each lives in a std::unique_ptr with the matching free function
 * (the RAII habit of minirun/sys/unique_fd.hpp).
 *
 * Man pages: libarchive(3), archive_read(3), archive_write(3), archive_entry(3).
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>

namespace imagebuilder::store {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveEntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;
using ArchiveWriter = std::unique_ptr<archive, ArchiveWriteFree>;
using ArchiveEntry = std::unique_ptr<archive_entry, ArchiveEntryFree>;

/// libarchive's last error text for `a`, never null.
inline std::string archive_error_text(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

}  // namespace imagebuilder::store
