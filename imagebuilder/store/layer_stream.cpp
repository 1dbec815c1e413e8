/**
 * @file layer_stream.cpp
 * @brief Two chained libarchive readers: decompress + hash, then parse tar; see layer_stream.hpp.
 */
#include "imagebuilder/store/layer_stream.hpp"

namespace imagebuilder::store {

namespace {
constexpr std::size_t kReadBlock = 1 << 20;
}

la_ssize_t LayerStream::read_block(archive* tar, void* self, const void** buffer) {
  auto* s = static_cast<LayerStream*>(self);
  if (s->raw_done_) return 0;
  std::size_t size = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(s->raw_.get(), buffer, &size, &offset);
  if (r == ARCHIVE_EOF) {
    s->raw_done_ = true;
    return 0;
  }
  if (r != ARCHIVE_OK) {
    archive_set_error(tar, archive_errno(s->raw_.get()), "%s", archive_error_text(s->raw_.get()).c_str());
    return -1;
  }
  s->hash_.update(*buffer, size);
  s->size_ += size;
  return static_cast<la_ssize_t>(size);
}

Result<std::unique_ptr<LayerStream>> LayerStream::open(const std::string& path) {
  std::unique_ptr<LayerStream> s(new LayerStream());
  s->path_ = path;
  const std::string what = "read layer `" + path + "`";
  s->raw_.reset(archive_read_new());
  s->tar_.reset(archive_read_new());
  if (!s->raw_ || !s->tar_) return Error("out of memory").context(what);

  archive* raw = s->raw_.get();
  // The compressions an image layer may use (OCI: gzip, zstd; Docker's `import` also
  // takes xz and bzip2), and no others: every extra decoder is more code facing
  // untrusted bytes, and some of libarchive's run an external program.
  archive_read_support_filter_gzip(raw);
  archive_read_support_filter_zstd(raw);
  archive_read_support_filter_xz(raw);
  archive_read_support_filter_bzip2(raw);
  archive_read_support_format_raw(raw);
  archive_read_support_format_empty(raw);
  if (archive_read_open_filename(raw, path.c_str(), kReadBlock) != ARCHIVE_OK) {
    return Error(archive_error_text(raw)).context(what);
  }
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(raw, &entry);
  if (r == ARCHIVE_EOF) {
    s->raw_done_ = true;  // a zero-byte file: an empty stream
  } else if (r != ARCHIVE_OK) {
    return Error(archive_error_text(raw)).context(what);
  }
  if (archive_filter_count(raw) > 1) {
    const char* name = archive_filter_name(raw, 0);
    if (name != nullptr) s->compression_ = name;
  }

  archive* tar = s->tar_.get();
  // No filters here: the stream is already decompressed, and decompressing it a second
  // time would let a doubly-compressed blob pass as a layer with the wrong diff_id.
  archive_read_support_format_tar(tar);
  archive_read_support_format_empty(tar);
  if (archive_read_open(tar, s.get(), nullptr, &LayerStream::read_block, nullptr) != ARCHIVE_OK) {
    return Error(archive_error_text(tar)).context(what);
  }
  return s;
}

Result<void> LayerStream::finish() {
  // The tar parser stops at the end-of-archive records; the bytes after them (block
  // padding) are part of the blob and of its diff_id.
  while (!raw_done_) {
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(raw_.get(), &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return Error(archive_error_text(raw_.get())).context("read layer `" + path_ + "`");
    hash_.update(block, size);
    size_ += size;
  }
  raw_done_ = true;
  diff_id_ = hash_.finish();
  return minirun::sys::ok();
}

}  // namespace imagebuilder::store
