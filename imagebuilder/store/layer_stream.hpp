/**
 * @file layer_stream.hpp
 * @brief Reading a layer blob as tar entries while hashing its uncompressed bytes.
 *
 * A layer blob may be gzip- or zstd-compressed, or a plain tar. Unpacking must parse
 * the tar inside, and the store wants the layer's diff_id (the SHA-256 of the
 * *uncompressed* tar) to check it against the image config. Reading the blob twice
 * (once to unpack, once to hash) would double the I/O and the decompression.
 *
 * So two libarchive readers are chained. The first opens the file with every
 * decompression filter and the "raw" format: its data is the uncompressed stream. The
 * second is a tar parser with no filters whose read callback pulls the first one's
 * blocks, hashing each on the way through (no copy: libarchive hands out pointers into
 * its own buffers). When the tar parser has seen the end-of-archive records, finish()
 * reads and hashes whatever padding follows, so the digest covers the whole stream,
 * exactly as `uncompressed_digest()` in compression.hpp computes it.
 *
 * Only gzip, zstd, xz and bzip2 are decompressed, and only tar is accepted as the
 * inner format (ustar, pax, GNU); a zip or cpio blob is no layer.
 *
 * Man pages: archive_read(3), archive_read_open(3). Spec: OCI image-spec `layer.md`
 * (media types `...tar`, `...tar+gzip`, `...tar+zstd`).
 */
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "imagebuilder/store/digest.hpp"
#include "imagebuilder/store/layer_archive.hpp"

namespace imagebuilder::store {

class LayerStream {
 public:
  /// Opens `path`; the error names it and says what libarchive could not read.
  static Result<std::unique_ptr<LayerStream>> open(const std::string& path);

  LayerStream(const LayerStream&) = delete;
  LayerStream& operator=(const LayerStream&) = delete;

  /// The tar reader: iterate with archive_read_next_header / archive_read_data_block.
  archive* tar() const { return tar_.get(); }

  /// After the last entry: hashes the rest of the stream. Call once.
  Result<void> finish();

  /// Valid after finish(): the uncompressed stream's digest and size.
  const Digest& diff_id() const { return diff_id_; }
  std::uint64_t size() const { return size_; }
  /// "none", "gzip", "zstd", ... (libarchive's filter name).
  const std::string& compression() const { return compression_; }

 private:
  LayerStream() = default;
  static la_ssize_t read_block(archive* tar, void* self, const void** buffer);

  std::string path_;
  ArchiveReader raw_;
  ArchiveReader tar_;
  Sha256 hash_;
  std::uint64_t size_ = 0;
  bool raw_done_ = false;
  Digest diff_id_;
  std::string compression_ = "none";
};

}  // namespace imagebuilder::store
