/**
 * @file unpacked_layers.hpp
 * @brief Image layers unpacked once, shared read-only by every container and build.
 *
 * Blobs are how layers travel and are verified; a container cannot run on a tar file.
 * So each layer is also kept unpacked, in `<store>/layers/<diff_id hex>/`, in the form
 * overlayfs wants for a lower directory (whiteouts as 0/0 character devices, opaque
 * directories marked with the `trusted.overlay.opaque` xattr). The directory is named
 * by the diff_id, the digest of the layer's *content*, so the same layer in two images
 * (or a gzip'd and a plain copy of it) is unpacked once.
 *
 * A layer directory appears atomically: it is unpacked into a temporary directory next
 * to it and renamed into place, so a crash never leaves a half layer that a later
 * container would silently run on. A build step's upper dir is already exactly such a
 * tree, so the build *adopts* it (a rename) instead of unpacking the tar it just wrote.
 *
 * A container's rootfs is then an overlay of lower_dirs() plus its own upper dir
 * (minirun/sys/overlay.hpp) — the API the minirun engine calls.
 *
 * Lab: labs/06-layers-overlayfs (`ls /var/lib/minirun/images/layers`, then mount one yourself).
 */
#pragma once

#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::store {

/// `<root>/layers/<hex>`: where the layer with this diff_id is (or would be) unpacked.
std::string unpacked_layer_path(const ImageStore& store, const Digest& diff_id);

/// Makes sure layer `index` of `image` is unpacked; returns its directory. Unpacks the
/// blob (checking that its content matches the config's diff_id) when it is missing.
Result<std::string> ensure_unpacked(const ImageStore& store, const Image& image, std::size_t index);

/// Moves `dir` (a tree in overlay lower-dir form whose tar has digest `diff_id`) into
/// the store as that layer; when the layer is already there, `dir` is removed instead.
Result<std::string> adopt_unpacked(const ImageStore& store, const Digest& diff_id, const std::string& dir);

/// The unpacked layer directories of `image`, top layer first (overlayfs's `lowerdir`
/// order), unpacking what is missing. A layer that occurs twice is listed once, at its
/// topmost place (overlayfs refuses a directory twice; the view is the same).
Result<std::vector<std::string>> lower_dirs(const ImageStore& store, const Image& image);

/// Removes unpacked layers that no image in the store uses any more; returns how many.
Result<std::size_t> prune_unpacked(const ImageStore& store);

}  // namespace imagebuilder::store
