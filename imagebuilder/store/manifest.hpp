/**
 * @file manifest.hpp
 * @brief Image manifests and image indexes: the two JSON documents that tie blobs into images.
 *
 * A *manifest* is one image for one platform: a descriptor of its config blob and the
 * ordered list of its layer blobs. Its own digest (the *manifest digest*, what
 * `busybox@sha256:...` pins) therefore covers every byte of the image. The *image id*
 * is something else: the digest of the config alone (see image_config.hpp). Two
 * manifests can share one config, e.g. the same image with gzip'd or plain layers.
 *
 * An *index* is a list of manifest descriptors. In a registry it is the multi-platform
 * "manifest list"; in an OCI image layout, `index.json` at the root is an index whose
 * entries are the images the layout holds, each tagged with the
 * `org.opencontainers.image.ref.name` annotation. The kit's store is such a layout.
 *
 * The kit writes OCI manifests (schemaVersion 2, `application/vnd.oci.image.manifest.v1+json`)
 * and reads those and Docker's schema 2 manifests, which have the same shape. Nested
 * indexes (multi-platform images) are refused with a clear error: the kit has one
 * platform.
 *
 * Specs: OCI image-spec `manifest.md`, `image-index.md`, `image-layout.md`;
 * Docker "Image Manifest V2, Schema 2".
 */
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "imagebuilder/store/descriptor.hpp"

namespace imagebuilder::store {

/// Manifests and index.json are small; anything bigger than this is hostile.
inline constexpr std::size_t kMaxManifestBytes = 4u << 20;

/// An image manifest.
struct Manifest {
  std::string media_type{media_type::kOciManifest};
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;

  /// Canonical bytes (keys sorted, no spaces): the same manifest always has the same digest.
  std::string to_canonical_json() const;
  /// Parses and checks a manifest; `where` names it in errors (e.g. "manifest `sha256:..`").
  static Result<Manifest> parse(std::string_view bytes, std::string_view where);
};

/// An image index (index.json of a layout).
struct ImageIndex {
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;

  std::string to_canonical_json() const;
  static Result<ImageIndex> parse(std::string_view bytes, std::string_view where);
};

}  // namespace imagebuilder::store
