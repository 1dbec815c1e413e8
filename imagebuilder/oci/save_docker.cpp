/**
 * @file save_docker.cpp
 * @brief `save --format docker-archive`: manifest.json, configs and plain layer tars; see save.hpp.
 */
#include <unistd.h>

#include <set>

#include <nlohmann/json.hpp>

#include "imagebuilder/oci/archive_names.hpp"
#include "imagebuilder/oci/decompress.hpp"
#include "imagebuilder/oci/save.hpp"
#include "imagebuilder/oci/tar_writer.hpp"
#include "imagebuilder/store/staging.hpp"

namespace imagebuilder::oci {

namespace {

bool is_plain_tar(std::string_view media_type) {
  return media_type == store::media_type::kOciLayer || media_type == store::media_type::kDockerLayer;
}

}  // namespace

Result<void> save_docker_archive(const store::ImageStore& store, const std::vector<SavedImage>& images,
                                 const std::string& path, bool gzip) {
  auto staging = store::StagingDir::create(store.blobs().tmp_dir(), "save-");
  if (!staging) return std::move(staging.error()).context("save");
  auto writer = TarWriter::create(path, gzip);
  if (!writer) return std::move(writer.error()).context("save");
  nlohmann::json manifest = nlohmann::json::array();
  nlohmann::json repositories = nlohmann::json::object();
  std::set<store::Digest> written;  // configs and layers already in the tarball
  for (const auto& saved : images) {
    const auto& image = saved.image;
    const auto& diff_ids = image.config.diff_ids;
    if (diff_ids.size() != image.manifest.layers.size()) {
      return Error("save " + image.id.short_id() + ": config lists " + std::to_string(diff_ids.size()) +
                   " diff_ids for " + std::to_string(image.manifest.layers.size()) + " layers");
    }
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t i = 0; i < diff_ids.size(); ++i) {
      const auto& layer = image.manifest.layers[i];
      std::string name = docker_layer_name(diff_ids[i]);
      layers.push_back(name);
      if (!written.insert(diff_ids[i]).second) continue;
      MINIRUN_TRY(writer->add_directory(diff_ids[i].hex() + "/"), "save");
      if (is_plain_tar(layer.media_type)) {
        if (!(layer.digest == diff_ids[i])) {
          return Error("save " + image.id.short_id() + ": uncompressed layer " + layer.digest.str() +
                       " does not match diff_id " + diff_ids[i].str());
        }
        MINIRUN_TRY(writer->add_file(name, store.blob_path(layer.digest)), "save");
        continue;
      }
      // docker-archive layers are plain tars: decompress, and prove it is the right one.
      std::string plain = staging->path() + "/" + diff_ids[i].hex();
      auto digest = decompress_to_file(store.blob_path(layer.digest), plain);
      if (!digest) return std::move(digest.error()).context("save");
      if (!(*digest == diff_ids[i])) {
        return Error("save " + image.id.short_id() + ": layer " + layer.digest.str() + " decompresses to " +
                     digest->str() + ", but the config says " + diff_ids[i].str());
      }
      MINIRUN_TRY(writer->add_file(name, plain), "save");
      ::unlink(plain.c_str());
    }
    std::string config_name = docker_config_name(image.id);
    if (written.insert(image.id).second) {
      auto config = store.read_blob(image.id);
      if (!config) return std::move(config.error()).context("save");
      MINIRUN_TRY(writer->add_bytes(config_name, *config), "save");
    }
    manifest.push_back({{"Config", config_name}, {"RepoTags", saved.tags}, {"Layers", layers}});
    // The legacy `repositories` file maps each tag to the top layer's directory.
    for (const auto& tag : saved.tags) {
      if (diff_ids.empty()) continue;
      auto colon = tag.rfind(':');
      repositories[tag.substr(0, colon)][tag.substr(colon + 1)] = diff_ids.back().hex();
    }
  }
  MINIRUN_TRY(writer->add_bytes(std::string(kDockerManifestFile), manifest.dump()), "save");
  if (!repositories.empty()) MINIRUN_TRY(writer->add_bytes(std::string(kRepositoriesFile), repositories.dump()), "save");
  return writer->finish();
}

}  // namespace imagebuilder::oci
