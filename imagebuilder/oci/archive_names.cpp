/**
 * @file archive_names.cpp
 * @brief The entry names of OCI archives and docker-archives; see archive_names.hpp.
 */
#include "imagebuilder/oci/archive_names.hpp"

namespace imagebuilder::oci {

namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string oci_blob_name(const store::Digest& digest) { return "blobs/sha256/" + digest.hex(); }
std::string docker_config_name(const store::Digest& config) { return config.hex() + ".json"; }
std::string docker_layer_name(const store::Digest& diff_id) { return diff_id.hex() + "/layer.tar"; }

bool is_image_archive_entry(std::string_view name) {
  if (name == kOciLayoutFile || name == kIndexFile || name == kDockerManifestFile || name == kRepositoriesFile) return true;
  if (name == "blobs/" || name == "blobs/sha256/") return true;
  if (name.rfind("blobs/sha256/", 0) == 0) return is_hex64(name.substr(13));
  if (ends_with(name, ".json")) return is_hex64(name.substr(0, name.size() - 5));
  if (ends_with(name, ".tar")) return is_hex64(name.substr(0, name.size() - 4)) || (name.size() == 74 && ends_with(name, "/layer.tar") && is_hex64(name.substr(0, 64)));
  if (name.size() >= 65 && name[64] == '/' && is_hex64(name.substr(0, 64))) {
    auto rest = name.substr(65);
    return rest.empty() || rest == "json" || rest == "VERSION";
  }
  return false;
}

store::Digest digest_in_name(std::string_view name) {
  std::string_view hex;
  if (name.rfind("blobs/sha256/", 0) == 0) hex = name.substr(13);
  else if (ends_with(name, ".json")) hex = name.substr(0, name.size() - 5);
  else if (ends_with(name, ".tar") && name.find('/') == std::string_view::npos) hex = name.substr(0, name.size() - 4);
  return is_hex64(hex) ? store::Digest::from_hex(std::string(hex)) : store::Digest();
}

}  // namespace imagebuilder::oci
