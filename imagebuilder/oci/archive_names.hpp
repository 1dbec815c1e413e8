/**
 * @file archive_names.hpp
 * @brief Which entry names the two image tarball formats use.
 *
 * **OCI archive** (`skopeo copy ... oci-archive:x.tar`, `docker save` since 25): an OCI
 * image layout in a tarball:
 *
 *     oci-layout                  {"imageLayoutVersion":"1.0.0"}
 *     index.json                  manifest descriptors; ref.name annotations are the tags
 *     blobs/sha256/<hex>          manifests, configs, layers
 *
 * **docker-archive** (`docker save` before 25, `skopeo copy ... docker-archive:x.tar`):
 *
 *     manifest.json               [{"Config": "<hex>.json", "RepoTags": ["busybox:latest"],
 *                                   "Layers": ["<hex>/layer.tar", ...]}]
 *     <hex>.json                  the image config (its name is its digest)
 *     <hex>/layer.tar             one uncompressed layer tar each (skopeo: <hex>.tar)
 *     <hex>/json, <hex>/VERSION   legacy v1 metadata (read by nobody since Docker 1.10)
 *     repositories                {"busybox": {"latest": "<top layer id>"}} (legacy)
 *
 * Docker 25+ writes both at once: the OCI layout plus a manifest.json whose paths are
 * `blobs/sha256/<hex>`. The loader accepts exactly these names and nothing else.
 *
 * Specs: OCI image-spec `image-layout.md`; moby `image/spec/v1.2.md` and
 * `image/tarexport`; containers/image `docker/internal/tarfile`.
 */
#pragma once

#include <string>
#include <string_view>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::oci {

inline constexpr std::string_view kOciLayoutFile = "oci-layout";
inline constexpr std::string_view kIndexFile = "index.json";
inline constexpr std::string_view kDockerManifestFile = "manifest.json";
inline constexpr std::string_view kRepositoriesFile = "repositories";

/// `blobs/sha256/<hex>`.
std::string oci_blob_name(const store::Digest& digest);
/// `<hex>.json`: a config in a docker-archive.
std::string docker_config_name(const store::Digest& config);
/// `<hex>/layer.tar`: a layer in a docker-archive, named by its diff_id.
std::string docker_layer_name(const store::Digest& diff_id);

/// True for a name (directories with a trailing '/') that one of the formats uses.
bool is_image_archive_entry(std::string_view name);

/// The digest that a content-addressed name claims (`blobs/sha256/<hex>`, `<hex>.json`,
/// `<hex>.tar`), or an empty digest for other names (`<id>/layer.tar`: a v1 id, not a digest).
store::Digest digest_in_name(std::string_view name);

}  // namespace imagebuilder::oci
