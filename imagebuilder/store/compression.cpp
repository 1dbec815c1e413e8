/**
 * @file compression.cpp
 * @brief diff_id of a possibly compressed layer blob; see compression.hpp.
 */
#include "imagebuilder/store/compression.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace imagebuilder::store {

Result<UncompressedInfo> uncompressed_digest(const std::string& path) { return read_uncompressed(path, nullptr); }

Result<UncompressedInfo> read_uncompressed(const std::string& path, const BlockSink& sink) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(), archive_read_free);
  if (!reader) return Error("read layer `" + path + "`: out of memory");
  archive_read_support_filter_all(reader.get());
  // "raw" presents the whole (decompressed) stream as one entry; "empty" accepts a
  // zero-byte file, which is a valid (if odd) uncompressed stream.
  archive_read_support_format_raw(reader.get());
  archive_read_support_format_empty(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 20) != ARCHIVE_OK) {
    return Error("read layer `" + path + "`: " + archive_error_string(reader.get()));
  }
  UncompressedInfo info;
  Sha256 hash;
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(reader.get(), &entry);
  if (r == ARCHIVE_OK) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((r = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK) {
      hash.update(block, size);
      info.size += size;
      if (sink) MINIRUN_TRY(sink(block, size), "read layer `" + path + "`");
    }
    if (r != ARCHIVE_EOF) {
      return Error("read layer `" + path + "`: " + archive_error_string(reader.get()));
    }
  } else if (r != ARCHIVE_EOF) {
    return Error("read layer `" + path + "`: " + archive_error_string(reader.get()));
  }
  const char* filter = archive_filter_count(reader.get()) > 1 ? archive_filter_name(reader.get(), 0) : nullptr;
  info.compression = filter != nullptr ? filter : "none";
  info.diff_id = hash.finish();
  return info;
}

}  // namespace imagebuilder::store
