/**
 * @file manifest.cpp
 * @brief Manifest and index JSON, checked on the way in; see manifest.hpp.
 */
#include "imagebuilder/store/manifest.hpp"

#include "imagebuilder/store/json_limits.hpp"

namespace imagebuilder::store {

namespace {

Result<void> check_schema_version(const nlohmann::json& j, const std::string& where) {
  auto v = j.find("schemaVersion");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() != 2) {
    return Error(where + ": `schemaVersion` must be 2");
  }
  return minirun::sys::ok();
}

Result<std::map<std::string, std::string>> read_annotations(const nlohmann::json& j, const std::string& where) {
  std::map<std::string, std::string> out;
  auto a = j.find("annotations");
  if (a == j.end() || a->is_null()) return out;
  if (!a->is_object()) return Error(where + ": `annotations` must be an object of strings");
  for (const auto& [key, value] : a->items()) {
    if (!value.is_string()) return Error(where + ": annotation `" + key + "` must be a string");
    out[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace

std::string Manifest::to_canonical_json() const {
  nlohmann::json j = {{"schemaVersion", 2}, {"mediaType", media_type}, {"config", config.to_json()}};
  j["layers"] = nlohmann::json::array();
  for (const auto& layer : layers) j["layers"].push_back(layer.to_json());
  if (!annotations.empty()) j["annotations"] = annotations;
  return j.dump();
}

Result<Manifest> Manifest::parse(std::string_view bytes, std::string_view where) {
  std::string w(where);
  auto parsed = parse_json_limited(bytes, w, {.max_bytes = kMaxManifestBytes});
  if (!parsed) return std::move(parsed.error());
  const auto& j = *parsed;
  if (!j.is_object()) return Error(w + ": a manifest must be a JSON object");
  if (auto v = check_schema_version(j, w); !v) return std::move(v.error());
  Manifest m;
  if (auto t = j.find("mediaType"); t != j.end()) {
    if (!t->is_string()) return Error(w + ": `mediaType` must be a string");
    m.media_type = t->get<std::string>();
  }
  if (m.media_type == media_type::kOciIndex || m.media_type == media_type::kDockerManifestList) {
    return Error(w + ": is a multi-platform index (" + m.media_type + "), not an image manifest; not supported");
  }
  if (m.media_type != media_type::kOciManifest && m.media_type != media_type::kDockerManifest) {
    return Error(w + ": unknown manifest media type `" + m.media_type + "`");
  }
  auto config = j.find("config");
  if (config == j.end()) return Error(w + ": no `config` descriptor");
  auto c = Descriptor::from_json(*config, w + ": config");
  if (!c) return std::move(c.error());
  m.config = std::move(*c);
  if (m.config.media_type != media_type::kOciConfig && m.config.media_type != media_type::kDockerConfig) {
    return Error(w + ": config media type `" + m.config.media_type + "` is not an image config (an artifact?)");
  }
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) return Error(w + ": `layers` must be an array");
  for (std::size_t i = 0; i < layers->size(); ++i) {
    auto where_layer = w + ": layers[" + std::to_string(i) + "]";
    auto d = Descriptor::from_json((*layers)[i], where_layer);
    if (!d) return std::move(d.error());
    if (!is_layer_media_type(d->media_type)) {
      return Error(where_layer + ": unsupported layer media type `" + d->media_type + "`");
    }
    m.layers.push_back(std::move(*d));
  }
  auto annotations = read_annotations(j, w);
  if (!annotations) return std::move(annotations.error());
  m.annotations = std::move(*annotations);
  return m;
}

std::string ImageIndex::to_canonical_json() const {
  nlohmann::json j = {{"schemaVersion", 2}, {"mediaType", media_type::kOciIndex}};
  j["manifests"] = nlohmann::json::array();
  for (const auto& m : manifests) j["manifests"].push_back(m.to_json());
  if (!annotations.empty()) j["annotations"] = annotations;
  return j.dump();
}

Result<ImageIndex> ImageIndex::parse(std::string_view bytes, std::string_view where) {
  std::string w(where);
  auto parsed = parse_json_limited(bytes, w, {.max_bytes = kMaxManifestBytes});
  if (!parsed) return std::move(parsed.error());
  const auto& j = *parsed;
  if (!j.is_object()) return Error(w + ": an image index must be a JSON object");
  if (auto v = check_schema_version(j, w); !v) return std::move(v.error());
  ImageIndex index;
  auto manifests = j.find("manifests");
  if (manifests == j.end() || !manifests->is_array()) return Error(w + ": `manifests` must be an array");
  for (std::size_t i = 0; i < manifests->size(); ++i) {
    auto d = Descriptor::from_json((*manifests)[i], w + ": manifests[" + std::to_string(i) + "]");
    if (!d) return std::move(d.error());
    index.manifests.push_back(std::move(*d));
  }
  auto annotations = read_annotations(j, w);
  if (!annotations) return std::move(annotations.error());
  index.annotations = std::move(*annotations);
  return index;
}

}  // namespace imagebuilder::store
