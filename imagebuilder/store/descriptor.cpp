/**
 * @file descriptor.cpp
 * @brief Descriptor JSON and media type helpers; see descriptor.hpp.
 */
#include "imagebuilder/store/descriptor.hpp"

namespace imagebuilder::store {

bool is_layer_media_type(std::string_view type) {
  using namespace media_type;
  return type == kOciLayer || type == kOciLayerGzip || type == kOciLayerZstd || type == kDockerLayer ||
         type == kDockerLayerGzip;
}

Result<std::string> layer_media_type_for(std::string_view compression) {
  if (compression == "none") return std::string(media_type::kOciLayer);
  if (compression == "gzip") return std::string(media_type::kOciLayerGzip);
  if (compression == "zstd") return std::string(media_type::kOciLayerZstd);
  return Error("layer compressed with " + std::string(compression) +
               ": OCI layers may be plain, gzip or zstd tar streams");
}

nlohmann::json Descriptor::to_json() const {
  nlohmann::json j = {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
  if (!annotations.empty()) j["annotations"] = annotations;
  return j;
}

Result<Descriptor> Descriptor::from_json(const nlohmann::json& j, std::string_view where) {
  std::string prefix(where);
  if (!j.is_object()) return Error(prefix + ": a descriptor must be a JSON object");
  Descriptor d;
  auto media = j.find("mediaType");
  if (media == j.end() || !media->is_string()) return Error(prefix + ": `mediaType` must be a string");
  d.media_type = media->get<std::string>();
  auto digest = j.find("digest");
  if (digest == j.end() || !digest->is_string()) return Error(prefix + ": `digest` must be a string");
  auto parsed = Digest::parse(digest->get<std::string>());
  if (!parsed) return Error(prefix + ": `digest`: " + parsed.error().message());
  d.digest = *parsed;
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_unsigned()) {
    return Error(prefix + ": `size` must be a non-negative integer");
  }
  d.size = size->get<std::uint64_t>();
  if (auto a = j.find("annotations"); a != j.end() && !a->is_null()) {
    if (!a->is_object()) return Error(prefix + ": `annotations` must be an object of strings");
    for (const auto& [key, value] : a->items()) {
      if (!value.is_string()) return Error(prefix + ": annotation `" + key + "` must be a string");
      d.annotations[key] = value.get<std::string>();
    }
  }
  return d;
}

}  // namespace imagebuilder::store
