/**
 * @file build_cache.cpp
 * @brief Cache records on disk; see build_cache.hpp.
 */
#include "imagebuilder/build/build_cache.hpp"

#include <dirent.h>

#include "imagebuilder/store/staging.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;
using nlohmann::json;

namespace {
/// Largest record read back: a config plus a layer list is a few KiB.
constexpr std::size_t kMaxRecordBytes = 4u << 20;

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  return names;
}

std::optional<CacheRecord> read_record(const std::string& path) {
  auto text = minirun::sys::read_file(path);
  if (!text || text->size() > kMaxRecordBytes) return std::nullopt;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("config") || !j.contains("layers") || !j["layers"].is_array()) return std::nullopt;
  CacheRecord record;
  record.inputs = CacheInputs::from_json(j.value("inputs", json::object()));
  auto config = store::ImageConfig::parse(j["config"].dump(), "cache record `" + path + "`");
  if (!config) return std::nullopt;
  record.config = std::move(*config);
  for (const auto& layer : j["layers"]) {
    auto d = store::Descriptor::from_json(layer, "cache record layer");
    if (!d) return std::nullopt;
    record.layers.push_back(std::move(*d));
  }
  return record;
}
}  // namespace

std::string BuildCache::group_dir(const std::string& parent) const {
  return dir_ + "/" + store::digest_of(parent).hex();
}

std::optional<CacheRecord> BuildCache::lookup(const CacheInputs& inputs) const {
  auto record = read_record(group_dir(inputs.parent) + "/" + cache_key(inputs).hex() + ".json");
  if (!record) return std::nullopt;
  for (const auto& layer : record->layers) {
    if (!store_.has_blob(layer.digest)) return std::nullopt;
  }
  return record;
}

Result<void> BuildCache::save(const CacheRecord& record) const {
  std::string group = group_dir(record.inputs.parent);
  MINIRUN_TRY(minirun::sys::make_directories(group, 0700), "build cache");
  json layers = json::array();
  for (const auto& layer : record.layers) layers.push_back(layer.to_json());
  json j = {{"inputs", record.inputs.to_json()}, {"config", record.config.to_json()}, {"layers", layers}};
  return store::write_file_via(store_.root() + "/tmp", group + "/" + cache_key(record.inputs).hex() + ".json",
                               j.dump());
}

std::vector<CacheInputs> BuildCache::siblings(const std::string& parent) const {
  std::vector<CacheInputs> out;
  std::string group = group_dir(parent);
  for (const auto& name : list_dir(group)) {
    if (auto record = read_record(group + "/" + name)) out.push_back(record->inputs);
  }
  return out;
}

Result<std::size_t> BuildCache::clear() const {
  std::size_t removed = 0;
  for (const auto& group : list_dir(dir_)) {
    removed += list_dir(dir_ + "/" + group).size();
    MINIRUN_TRY(minirun::sys::remove_tree(dir_ + "/" + group), "clear the build cache");
  }
  return removed;
}

}  // namespace imagebuilder::build
