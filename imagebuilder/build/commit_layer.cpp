/**
 * @file commit_layer.cpp
 * @brief Directory -> layer tar -> blob + unpacked layer; see commit_layer.hpp.
 */
#include "imagebuilder/build/commit_layer.hpp"

#include "imagebuilder/store/layer_writer.hpp"
#include "imagebuilder/store/staging.hpp"
#include "imagebuilder/store/unpacked_layers.hpp"

namespace imagebuilder::build {

Result<StoredLayer> commit_layer(store::ImageStore& store, const std::string& dir) {
  auto staging = store::StagingDir::create(store.root() + "/tmp", "layer-");
  if (!staging) return std::move(staging.error());
  std::string tar_path = staging->path() + "/layer.tar";
  auto written = store::write_layer(dir, tar_path);
  if (!written) return std::move(written.error());
  // The tar is not compressed: its digest is its diff_id, the blob is named after it,
  // and writing it costs one pass over the data (compression is for `save`).
  auto blob = store.put_blob_file(tar_path, std::string(store::media_type::kOciLayer), written->diff_id);
  if (!blob) return std::move(blob.error());
  auto unpacked = store::adopt_unpacked(store, written->diff_id, dir);
  if (!unpacked) return std::move(unpacked.error());
  return StoredLayer{*blob, written->diff_id, *unpacked, written->entries};
}

}  // namespace imagebuilder::build
