/**
 * @file descriptor.hpp
 * @brief Descriptors: the typed, sized, content-addressed pointers that link an image together.
 *
 * Everything in an OCI image points at everything else with a *descriptor*:
 *
 *     { "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
 *       "digest": "sha256:9f86d0...", "size": 3370706 }
 *
 * The media type says how to read the bytes, the digest which bytes they are, and the
 * size how many to expect (so a reader can refuse a 10 GB "manifest" before reading
 * it). An index points at manifests, a manifest at one config and its layers. The
 * image index at the root of the store adds an `annotations` map to each manifest
 * descriptor; `org.opencontainers.image.ref.name` there is the image's tag.
 *
 * This file also lists the media types the kit writes and the ones it accepts when
 * loading (Docker's own v2 names, which `docker save` before version 25 and skopeo's
 * docker-archive use).
 *
 * Specs: OCI image-spec `descriptor.md`, `media-types.md`, `annotations.md`.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::store {

/// Media types (OCI image-spec media-types.md, and Docker's image manifest v2 schema 2).
namespace media_type {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media_type

/// The annotation that carries a tag in an image index (OCI image-spec annotations.md).
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

/// True for the layer media types above (OCI and Docker, any compression the kit reads).
bool is_layer_media_type(std::string_view type);

/// The OCI layer media type for libarchive's name of a compression ("none", "gzip",
/// "zstd"); an error for others (OCI defines no media type for xz or bzip2 layers).
Result<std::string> layer_media_type_for(std::string_view compression);

/// One descriptor. `size` is the blob's length in bytes.
struct Descriptor {
  std::string media_type;
  Digest digest;
  std::uint64_t size = 0;
  std::map<std::string, std::string> annotations;

  nlohmann::json to_json() const;
  /// Reads a descriptor; `where` (e.g. "manifest layers[2]") starts every error.
  static Result<Descriptor> from_json(const nlohmann::json& j, std::string_view where);
};

}  // namespace imagebuilder::store
