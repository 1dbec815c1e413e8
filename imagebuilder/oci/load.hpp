/**
 * @file load.hpp
 * @brief `imagebuilder load`: images from a tarball into the store, every byte verified first.
 *
 * The loader reads OCI archives and docker-archives (archive_names.hpp), whether
 * written by this kit, by `docker save` (any version; Docker 25+ writes both formats
 * in one tarball, and the OCI half is used), or by `skopeo copy` (docker-archive: and
 * oci-archive:, with plain, gzip or zstd layers), and the outer tarball may itself be
 * gzip'd. It works in two phases:
 *
 *  1. **Verify** (nothing in the store changes). The tarball is streamed into a
 *     staging directory under `<store>/tmp` by entry name only (tar_reader.hpp). Then
 *     each image is checked: every blob's SHA-256 against the digest that names it
 *     (in index.json, a manifest, or the file name), every descriptor's size, every
 *     config against the hostile-input rules of image_config.hpp, and every layer's
 *     uncompressed digest against the config's `diff_ids`, so a layer swapped for
 *     another fails even when the attacker rewrote all the digests around it, unless
 *     they also changed the config, and then the image id changes too.
 *  2. **Commit**. Blobs are renamed from staging into `blobs/` (same filesystem), then
 *     each image is recorded and tagged. Configs keep their exact bytes, so image ids
 *     are the ones `docker images` showed where the tarball came from.
 * The staging directory is removed on every path, so a bad tarball leaves nothing.
 *
 * Specs: OCI image-spec `image-layout.md`; moby `image/tarexport/load.go` (behaviour).
 * Lab: labs/01-image-and-container (`imagebuilder load -i busybox.tar`).
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::oci {

using minirun::sys::Error;
using minirun::sys::Result;

struct LoadOptions {
  /// Tag the (single) loaded image with this reference instead of the archive's tags.
  std::optional<store::Reference> tag;
};

struct LoadedImage {
  store::Digest id;
  store::Digest manifest_digest;
  std::vector<std::string> tags;  ///< the tags it got from this load
};

struct LoadReport {
  std::string format;  ///< "oci-archive" or "docker-archive"
  std::vector<LoadedImage> images;
  std::vector<std::string> notes;  ///< e.g. an image that had no usable name
};

/// Loads every image in `tarball` into `store`.
Result<LoadReport> load(store::ImageStore& store, const std::string& tarball, const LoadOptions& options = {});

}  // namespace imagebuilder::oci
