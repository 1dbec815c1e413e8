/**
 * @file commit_layer.hpp
 * @brief Turning a directory of changes into a stored layer.
 *
 * Every step that changes files (RUN, COPY, ADD, and making a base image) ends the
 * same way: the directory holding the changes (an overlay upper dir, or a fresh tree)
 * is written as a tar (layer_writer.hpp), the tar becomes a blob in the store (named by
 * its digest; uncompressed, so its blob digest *is* its diff_id), and the directory
 * itself is adopted as the layer's unpacked form (unpacked_layers.hpp), so the next
 * step can stack it under its overlay without unpacking anything.
 *
 * Lab: labs/06-layers-overlayfs (`tar tvf` a layer blob after a RUN that deleted a file).
 */
#pragma once

#include <string>

#include "imagebuilder/store/descriptor.hpp"
#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::build {

using minirun::sys::Result;

/// A layer that is now in the store.
struct StoredLayer {
  store::Descriptor blob;  ///< manifest entry (uncompressed OCI layer)
  store::Digest diff_id;   ///< config rootfs.diff_ids entry
  std::string unpacked;    ///< its directory under `<store>/layers/`
  std::uint64_t entries = 0;
};

/// Writes `dir` as a layer into `store` and moves `dir` into the store's unpacked
/// layers (it is gone from where it was afterwards).
Result<StoredLayer> commit_layer(store::ImageStore& store, const std::string& dir);

}  // namespace imagebuilder::build
