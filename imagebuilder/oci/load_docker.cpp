/**
 * @file load_docker.cpp
 * @brief Planning the load of a docker-archive (`docker save` before 25, skopeo's docker-archive:).
 *
 * `manifest.json` lists, per image, the config file, the tags and the layer files in
 * order. Nothing in a docker-archive states a layer's blob digest, so what proves the
 * layers right is the config: layer *i* must decompress to `rootfs.diff_ids[i]`. The
 * config's own name (`<hex>.json`, or `blobs/sha256/<hex>` from Docker 25+) claims its
 * digest, and is checked too. The store then writes its own OCI manifest for each
 * image (commit_config_blob), keeping the config bytes, hence the image id.
 */
#include "imagebuilder/oci/archive_names.hpp"
#include "imagebuilder/oci/load_plan.hpp"
#include "imagebuilder/store/image_config.hpp"
#include "imagebuilder/store/json_limits.hpp"

namespace imagebuilder::oci {

namespace {

/// A string field of a manifest.json item, as a clean entry name.
Result<std::string> entry_field(const nlohmann::json& value, const std::string& what) {
  if (!value.is_string()) return Error(what + ": must be a string");
  auto name = clean_entry_name(value.get<std::string>());
  if (!name) return Error(what + ": `" + value.get<std::string>() + "`: " + name.error().message());
  return *name;
}

}  // namespace

Result<LoadPlan> plan_docker_load(const StagedArchive& archive, const std::string& tarball) {
  LoadPlan plan;
  plan.format = "docker-archive";
  const std::string in_tarball = "tarball `" + tarball + "`";
  auto bytes = read_staged_small(archive, std::string(kDockerManifestFile), tarball);
  if (!bytes) return std::move(bytes.error());
  auto items = store::parse_json_limited(*bytes, in_tarball + ": manifest.json");
  if (!items) return std::move(items.error());
  if (!items->is_array() || items->empty()) return Error(in_tarball + ": manifest.json must be a non-empty array");

  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto& item = (*items)[i];
    std::string what = in_tarball + ": manifest.json[" + std::to_string(i) + "]";
    if (!item.is_object() || !item.contains("Config") || !item.contains("Layers")) {
      return Error(what + ": must be an object with Config and Layers");
    }
    PlannedImage image;
    auto config_entry = entry_field(item["Config"], what + ".Config");
    if (!config_entry) return std::move(config_entry.error());
    const std::string* config_staged = archive.find(*config_entry);
    if (config_staged == nullptr) return Error(what + ": config `" + *config_entry + "` is not in the tarball");
    auto claimed = digest_in_name(*config_entry);
    auto config_blob = verify_blob(*config_staged, *config_entry, std::string(store::media_type::kOciConfig),
                                   claimed.empty() ? std::nullopt : std::optional<store::Digest>(claimed), std::nullopt);
    if (!config_blob) return std::move(config_blob.error()).context(in_tarball);
    auto config_bytes = read_staged_small(archive, *config_entry, tarball);
    if (!config_bytes) return std::move(config_bytes.error());
    auto config = store::ImageConfig::parse(*config_bytes, in_tarball + ": config `" + *config_entry + "`");
    if (!config) return std::move(config.error());
    image.config = config_blob->descriptor;
    image.blobs.push_back(std::move(*config_blob));

    const auto& layers = item["Layers"];
    if (!layers.is_array()) return Error(what + ".Layers: must be an array");
    if (layers.size() != config->diff_ids.size()) {
      return Error(what + ": " + std::to_string(layers.size()) + " layers, but the config lists " +
                   std::to_string(config->diff_ids.size()) + " diff_ids");
    }
    for (std::size_t l = 0; l < layers.size(); ++l) {
      auto layer_entry = entry_field(layers[l], what + ".Layers[" + std::to_string(l) + "]");
      if (!layer_entry) return std::move(layer_entry.error());
      const std::string* staged = archive.find(*layer_entry);
      if (staged == nullptr) return Error(what + ": layer `" + *layer_entry + "` is not in the tarball");
      auto layer_claim = digest_in_name(*layer_entry);
      // An empty media type: verify_layer sets it from the compression it finds.
      auto blob = verify_blob(*staged, *layer_entry, "", layer_claim.empty() ? std::nullopt
                                                                              : std::optional<store::Digest>(layer_claim),
                              std::nullopt);
      if (!blob) return std::move(blob.error()).context(in_tarball);
      if (auto ok = verify_layer(*blob, *layer_entry, config->diff_ids[l]); !ok) return std::move(ok.error()).context(in_tarball);
      image.layers.push_back(blob->descriptor);
      image.blobs.push_back(std::move(*blob));
    }

    if (auto tags = item.find("RepoTags"); tags != item.end() && !tags->is_null()) {
      if (!tags->is_array()) return Error(what + ".RepoTags: must be an array of strings");
      for (const auto& tag : *tags) {
        if (!tag.is_string()) return Error(what + ".RepoTags: must be an array of strings");
        auto ref = store::Reference::parse(tag.get<std::string>());
        if (!ref) return std::move(ref.error()).context(what + ".RepoTags");
        image.tags.push_back(*ref);
      }
    }
    plan.images.push_back(std::move(image));
  }
  return plan;
}

}  // namespace imagebuilder::oci
