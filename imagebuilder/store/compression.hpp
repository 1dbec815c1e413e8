/**
 * @file compression.hpp
 * @brief What a layer blob holds once decompressed: its `diff_id`.
 *
 * An image names each layer twice. The manifest lists the *blob* digest: the SHA-256
 * of the bytes as stored or sent, often gzip-compressed. The image config lists the
 * `diff_id`: the SHA-256 of the uncompressed tar. The diff_id is what identifies the
 * layer's content (the same tar compressed twice gives two blob digests and one
 * diff_id), so the store keys unpacked layers by it, and `load` checks each layer
 * against the config by decompressing and hashing it.
 *
 * Decompression is libarchive's (its "raw" format reads any supported compression,
 * or none, as one stream).
 *
 * Specs: OCI image-spec `config.md` (rootfs.diff_ids), `layer.md`. Man pages: gzip(1),
 * archive_read(3).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::store {

/// A layer blob's uncompressed size and digest, and the compression it was read with.
struct UncompressedInfo {
  Digest diff_id;
  std::uint64_t size = 0;
  std::string compression;  ///< "none", "gzip", "zstd", ... (libarchive's filter name)
};

/// Hashes the decompressed stream of the file at `path` (gzip, zstd, xz, bzip2 or
/// plain). The error names the file.
Result<UncompressedInfo> uncompressed_digest(const std::string& path);

/// Receives each block of a decompressed stream, in order.
using BlockSink = std::function<Result<void>(const void* data, std::size_t size)>;

/// As uncompressed_digest(), also handing every decompressed block to `sink` (e.g. to
/// write the plain tar to a file while hashing it). A sink error stops the read.
Result<UncompressedInfo> read_uncompressed(const std::string& path, const BlockSink& sink);

}  // namespace imagebuilder::store
