/**
 * @file decompress.hpp
 * @brief Turning a gzip'd (or zstd'd) layer blob back into the plain tar a docker-archive holds.
 *
 * A docker-archive stores every layer as an uncompressed `layer.tar`, and `docker load`
 * checks each one against the config's diff_ids, which are digests of uncompressed
 * tars. So saving an image whose layers are compressed blobs means decompressing them,
 * and hashing the output on the way proves the result is the layer the config names.
 *
 * Man pages: gzip(1), archive_read(3) (the "raw" format: one decompressed stream).
 */
#pragma once

#include <string>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::oci {

/// Writes the decompressed content of `blob` to the new file `out`; returns its digest.
minirun::sys::Result<store::Digest> decompress_to_file(const std::string& blob, const std::string& out);

}  // namespace imagebuilder::oci
