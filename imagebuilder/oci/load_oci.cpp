/**
 * @file load_oci.cpp
 * @brief Planning the load of an OCI archive (also the OCI half of a Docker 25+ `save`).
 *
 * Tags come from the index entries. This kit and skopeo (`oci-archive:x.tar:busybox:1`)
 * write the whole reference in `org.opencontainers.image.ref.name`; Docker 25+ writes
 * only the tag there and the full name in `io.containerd.image.name`, which is
 * therefore preferred. A bare ref.name such as `latest` names no repository: that
 * image loads untagged, with a note saying so (LoadOptions::tag can name it).
 */
#include <map>

#include "imagebuilder/oci/archive_names.hpp"
#include "imagebuilder/oci/load_plan.hpp"
#include "imagebuilder/store/image_config.hpp"
#include "imagebuilder/store/json_limits.hpp"
#include "imagebuilder/store/manifest.hpp"

namespace imagebuilder::oci {

namespace {

constexpr std::string_view kContainerdNameAnnotation = "io.containerd.image.name";

/// The reference an index entry names, if any; a note when it names only a tag.
Result<std::optional<store::Reference>> entry_name(const store::Descriptor& d, std::vector<std::string>& notes) {
  std::string name;
  if (auto it = d.annotations.find(std::string(kContainerdNameAnnotation)); it != d.annotations.end()) {
    name = it->second;
  } else if (auto ref = d.annotations.find(std::string(store::kRefNameAnnotation)); ref != d.annotations.end()) {
    if (ref->second.find_first_of(":/") == std::string::npos) {
      notes.push_back("image " + d.digest.str() + " is named only `" + ref->second +
                      "` (a tag without a repository): loaded untagged");
      return std::optional<store::Reference>();
    }
    name = ref->second;
  } else {
    return std::optional<store::Reference>();
  }
  auto ref = store::Reference::parse(name);
  if (!ref) return std::move(ref.error());
  if (ref->digest) {
    notes.push_back("image " + d.digest.str() + " is named by digest `" + name + "`: loaded untagged");
    return std::optional<store::Reference>();
  }
  return std::optional<store::Reference>(*ref);
}

}  // namespace

Result<LoadPlan> plan_oci_load(const StagedArchive& archive, const std::string& tarball) {
  LoadPlan plan;
  plan.format = "oci-archive";
  const std::string in_tarball = "tarball `" + tarball + "`";
  auto where = [&](const std::string& what) { return in_tarball + ": " + what; };
  auto layout = read_staged_small(archive, std::string(kOciLayoutFile), tarball);
  if (!layout) return std::move(layout.error());
  auto layout_json = store::parse_json_limited(*layout, where("oci-layout"));
  if (!layout_json) return std::move(layout_json.error());
  auto version = layout_json->find("imageLayoutVersion");
  if (!layout_json->is_object() || version == layout_json->end() || !version->is_string() ||
      version->get<std::string>().rfind("1.", 0) != 0) {
    return Error(where("oci-layout: expected imageLayoutVersion 1.x"));
  }
  auto index_bytes = read_staged_small(archive, std::string(kIndexFile), tarball);
  if (!index_bytes) return std::move(index_bytes.error());
  auto index = store::ImageIndex::parse(*index_bytes, where("index.json"));
  if (!index) return std::move(index.error());
  if (index->manifests.empty()) return Error(where("index.json lists no images"));

  std::map<store::Digest, std::size_t> by_manifest;  // manifest -> plan.images index
  for (std::size_t i = 0; i < index->manifests.size(); ++i) {
    const auto& d = index->manifests[i];
    std::string what = where("index.json manifests[" + std::to_string(i) + "]");
    if (d.media_type != store::media_type::kOciManifest && d.media_type != store::media_type::kDockerManifest) {
      return Error(what + ": media type `" + d.media_type + "` is not an image manifest (multi-platform indexes are not supported)");
    }
    auto name = entry_name(d, plan.notes);
    if (!name) return std::move(name.error()).context(what);
    if (auto known = by_manifest.find(d.digest); known != by_manifest.end()) {
      if (*name) plan.images[known->second].tags.push_back(**name);
      continue;
    }
    PlannedImage image;
    std::string entry = oci_blob_name(d.digest);
    const std::string* staged = archive.find(entry);
    if (staged == nullptr) return Error(what + ": manifest blob `" + entry + "` is missing");
    auto manifest_blob = verify_blob(*staged, entry, d.media_type, d.digest, d.size);
    if (!manifest_blob) return std::move(manifest_blob.error()).context(in_tarball);
    auto manifest_bytes = read_staged_small(archive, entry, tarball);
    if (!manifest_bytes) return std::move(manifest_bytes.error());
    auto manifest = store::Manifest::parse(*manifest_bytes, where(entry));
    if (!manifest) return std::move(manifest.error());
    image.blobs.push_back(std::move(*manifest_blob));
    image.manifest = d.digest;

    std::string config_entry = oci_blob_name(manifest->config.digest);
    const std::string* config_staged = archive.find(config_entry);
    if (config_staged == nullptr) return Error(where("config blob `" + config_entry + "` is missing"));
    auto config_blob = verify_blob(*config_staged, config_entry, manifest->config.media_type, manifest->config.digest,
                                   manifest->config.size);
    if (!config_blob) return std::move(config_blob.error()).context(in_tarball);
    auto config_bytes = read_staged_small(archive, config_entry, tarball);
    if (!config_bytes) return std::move(config_bytes.error());
    auto config = store::ImageConfig::parse(*config_bytes, where(config_entry));
    if (!config) return std::move(config.error());
    if (config->diff_ids.size() != manifest->layers.size()) {
      return Error(where(entry + ": " + std::to_string(manifest->layers.size()) + " layers, but the config lists " +
                         std::to_string(config->diff_ids.size()) + " diff_ids"));
    }
    image.config = config_blob->descriptor;
    image.blobs.push_back(std::move(*config_blob));
    for (std::size_t l = 0; l < manifest->layers.size(); ++l) {
      const auto& layer = manifest->layers[l];
      std::string layer_entry = oci_blob_name(layer.digest);
      const std::string* layer_staged = archive.find(layer_entry);
      if (layer_staged == nullptr) return Error(where("layer blob `" + layer_entry + "` is missing"));
      auto blob = verify_blob(*layer_staged, layer_entry, layer.media_type, layer.digest, layer.size);
      if (!blob) return std::move(blob.error()).context(in_tarball);
      if (auto ok = verify_layer(*blob, layer_entry, config->diff_ids[l]); !ok) return std::move(ok.error()).context(in_tarball);
      image.layers.push_back(blob->descriptor);
      image.blobs.push_back(std::move(*blob));
    }
    if (*name) image.tags.push_back(**name);
    by_manifest[d.digest] = plan.images.size();
    plan.images.push_back(std::move(image));
  }
  return plan;
}

}  // namespace imagebuilder::oci
