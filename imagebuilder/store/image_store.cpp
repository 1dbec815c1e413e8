/**
 * @file image_store.cpp
 * @brief Opening the layout, committing, tagging and finding images; see image_store.hpp.
 * (Removal and pruning are in image_remove.cpp.)
 */
#include "imagebuilder/store/image_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "imagebuilder/store/directory_listing.hpp"
#include "imagebuilder/store/json_limits.hpp"
#include "imagebuilder/store/staging.hpp"
#include "imagebuilder/store/store_lock.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::store {

namespace {

constexpr std::string_view kLayoutFile = "oci-layout";
constexpr std::string_view kLayoutContent = R"({"imageLayoutVersion":"1.0.0"})";

/// True when `dir` exists and holds nothing.
bool is_empty_dir(const std::string& dir) {
  auto names = list_directory(dir);
  return names && names->empty();
}

Result<void> check_layout_file(const std::string& path) {
  auto text = minirun::sys::read_file(path);
  if (!text) return std::move(text.error());
  auto j = parse_json_limited(*text, "`" + path + "`", {.max_bytes = 4096});
  if (!j) return std::move(j.error());
  auto v = j->find("imageLayoutVersion");
  if (!j->is_object() || v == j->end() || !v->is_string() || v->get<std::string>().rfind("1.", 0) != 0) {
    return Error("`" + path + "`: expected {\"imageLayoutVersion\": \"1.0.0\"}");
  }
  return minirun::sys::ok();
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

Result<ImageStore> ImageStore::open(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::string layout = root + "/" + std::string(kLayoutFile);
  // Look before writing anything: never put a lock file into someone's home directory.
  // A directory holding our lock file but no `oci-layout` yet is a store another
  // process is creating right now (two swarm agents, or one agent's parallel starts,
  // opening a fresh store at once): wait for its lock below instead of refusing.
  if (minirun::sys::path_exists(root) && !minirun::sys::path_exists(layout) && !is_empty_dir(root) &&
      !minirun::sys::path_exists(root + "/lock")) {
    return Error("image store `" + root + "`: exists, is not empty, and has no `oci-layout` file: not an OCI image layout; refusing to use it");
  }
  MINIRUN_TRY(minirun::sys::make_directories(root, 0755), "image store `" + root + "`");
  ImageStore store(root);
  auto lock = StoreLock::acquire(store.lock_path());
  if (!lock) return std::move(lock.error()).context("image store `" + root + "`");
  if (!minirun::sys::path_exists(layout)) {
    MINIRUN_TRY(minirun::sys::make_directories(root + "/blobs/sha256"), "image store");
    MINIRUN_TRY(store.write_index(ImageIndex{}), "image store: create index.json");
    MINIRUN_TRY(write_file_via(store.blobs_.tmp_dir(), layout, kLayoutContent), "image store: create oci-layout");
  }
  MINIRUN_TRY(check_layout_file(layout), "image store");
  if (auto index = store.read_index(); !index) return std::move(index.error()).context("image store");
  return store;
}

// --- index.json

Result<ImageIndex> ImageStore::read_index() const {
  auto text = minirun::sys::read_file(index_path());
  if (!text) return std::move(text.error());
  return ImageIndex::parse(*text, "`" + index_path() + "`");
}

Result<void> ImageStore::write_index(const ImageIndex& index) const {
  return write_file_via(blobs_.tmp_dir(), index_path(), index.to_canonical_json());
}

Result<Digest> ImageStore::image_id_of(const Digest& manifest) const {
  auto bytes = blobs_.read_blob(manifest, kMaxManifestBytes);
  if (!bytes) return std::move(bytes.error());
  auto m = Manifest::parse(*bytes, "manifest " + manifest.str());
  if (!m) return std::move(m.error());
  return m->config.digest;
}

Result<std::vector<ImageStore::IndexEntry>> ImageStore::index_entries(const ImageIndex& index) const {
  std::vector<IndexEntry> out;
  std::map<Digest, Digest> ids;  // manifest -> image id, each manifest read once
  for (const auto& d : index.manifests) {
    auto known = ids.find(d.digest);
    if (known == ids.end()) {
      auto id = image_id_of(d.digest);
      if (!id) return std::move(id.error()).context("index.json entry " + d.digest.str());
      known = ids.emplace(d.digest, *id).first;
    }
    auto ref = d.annotations.find(std::string(kRefNameAnnotation));
    out.push_back({d, known->second, ref == d.annotations.end() ? std::string() : ref->second});
  }
  return out;
}

void ImageStore::fill_tags(Image& image, const std::vector<IndexEntry>& entries) {
  image.tags.clear();
  for (const auto& e : entries) {
    if (e.image_id == image.id && !e.ref.empty()) image.tags.push_back(e.ref);
  }
  std::sort(image.tags.begin(), image.tags.end());
  image.tags.erase(std::unique(image.tags.begin(), image.tags.end()), image.tags.end());
}

void ImageStore::record(ImageIndex& index, const Descriptor& manifest, const std::vector<Reference>& tags) const {
  auto& entries = index.manifests;
  std::map<Digest, Descriptor> moved_from;  // images that lost a tag, by manifest
  for (const auto& ref : tags) {
    std::string name = ref.str();
    for (auto it = entries.begin(); it != entries.end();) {
      auto a = it->annotations.find(std::string(kRefNameAnnotation));
      if (a != it->annotations.end() && a->second == name) {
        moved_from.emplace(it->digest, Descriptor{it->media_type, it->digest, it->size, {}});
        it = entries.erase(it);
      } else {
        ++it;
      }
    }
    Descriptor d{manifest.media_type, manifest.digest, manifest.size, {{std::string(kRefNameAnnotation), name}}};
    entries.push_back(std::move(d));
  }
  auto count = [&](const Digest& m, bool untagged_only) {
    return std::count_if(entries.begin(), entries.end(), [&](const Descriptor& d) {
      return d.digest == m && (!untagged_only || d.annotations.count(std::string(kRefNameAnnotation)) == 0);
    });
  };
  // An image named by a tag needs no untagged entry; an image that lost its last tag
  // to another image becomes untagged ("dangling"), as in Docker.
  if (!tags.empty() && count(manifest.digest, false) > count(manifest.digest, true)) {
    std::erase_if(entries, [&](const Descriptor& d) {
      return d.digest == manifest.digest && d.annotations.count(std::string(kRefNameAnnotation)) == 0;
    });
  }
  if (tags.empty() && count(manifest.digest, false) == 0) {
    entries.push_back(Descriptor{manifest.media_type, manifest.digest, manifest.size, {}});
  }
  for (const auto& [old, descriptor] : moved_from) {
    if (!(old == manifest.digest) && count(old, false) == 0) entries.push_back(descriptor);
  }
}

// --- blobs and commits

Result<Descriptor> ImageStore::put_blob(std::string_view bytes, std::string media_type) {
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error());
  return blobs_.put_blob(bytes, std::move(media_type));
}

Result<Descriptor> ImageStore::put_blob_file(const std::string& path, std::string media_type,
                                             std::optional<Digest> expected) {
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error());
  return blobs_.put_blob_file(path, std::move(media_type), expected);
}

Result<Image> ImageStore::commit(const ImageConfig& config, const std::vector<Descriptor>& layers,
                                 const std::vector<Reference>& tags) {
  if (config.diff_ids.size() != layers.size()) {
    return Error("commit: the config lists " + std::to_string(config.diff_ids.size()) + " diff_ids for " +
                 std::to_string(layers.size()) + " layers");
  }
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error()).context("commit");
  auto stored = blobs_.put_blob(config.to_canonical_json(), std::string(media_type::kOciConfig));
  if (!stored) return std::move(stored.error()).context("commit: store config");
  return commit_locked(*stored, layers, tags);
}

Result<Image> ImageStore::commit_config_blob(const Descriptor& config, const std::vector<Descriptor>& layers,
                                             const std::vector<Reference>& tags) {
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error()).context("commit");
  return commit_locked(config, layers, tags);
}

Result<Image> ImageStore::commit_locked(const Descriptor& config, const std::vector<Descriptor>& layers,
                                        const std::vector<Reference>& tags) {
  Manifest manifest;
  manifest.config = config;
  manifest.config.annotations.clear();
  manifest.config.media_type = std::string(media_type::kOciConfig);
  for (const auto& layer : layers) {
    auto size = blobs_.blob_size(layer.digest);
    if (!size) return Error("commit: layer " + layer.digest.str() + " is not in the store (store it with put_blob_file first)");
    if (*size != layer.size) {
      return Error("commit: layer " + layer.digest.str() + " is " + std::to_string(*size) + " bytes, its descriptor says " +
                   std::to_string(layer.size));
    }
    if (!is_layer_media_type(layer.media_type)) {
      return Error("commit: layer " + layer.digest.str() + " has media type `" + layer.media_type + "`, not a layer type");
    }
    manifest.layers.push_back(Descriptor{layer.media_type, layer.digest, layer.size, {}});
  }
  auto stored = blobs_.put_blob(manifest.to_canonical_json(), std::string(media_type::kOciManifest));
  if (!stored) return std::move(stored.error()).context("commit: store manifest");
  // Checks the config (and that diff_ids match the layers) before the index changes.
  auto image = image_from_manifest(stored->digest);
  if (!image) return std::move(image.error()).context("commit");
  if (image->config.diff_ids.size() != manifest.layers.size()) {
    return Error("commit: the config lists " + std::to_string(image->config.diff_ids.size()) + " diff_ids for " +
                 std::to_string(manifest.layers.size()) + " layers");
  }
  auto index = read_index();
  if (!index) return std::move(index.error()).context("commit");
  record(*index, *stored, tags);
  MINIRUN_TRY(write_index(*index), "commit: write index.json");
  auto entries = index_entries(*index);
  if (!entries) return std::move(entries.error());
  fill_tags(*image, *entries);
  return image;
}

Result<Image> ImageStore::add_manifest(const Digest& manifest, const std::vector<Reference>& tags) {
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error()).context("add manifest");
  auto image = image_from_manifest(manifest);
  if (!image) return std::move(image.error()).context("add manifest");
  for (const auto& layer : image->manifest.layers) {
    if (!blobs_.has_blob(layer.digest)) return Error("add manifest " + manifest.str() + ": layer " + layer.digest.str() + " is missing");
  }
  auto size = blobs_.blob_size(manifest);
  if (!size) return std::move(size.error());
  auto index = read_index();
  if (!index) return std::move(index.error()).context("add manifest");
  record(*index, Descriptor{image->manifest.media_type, manifest, *size, {}}, tags);
  MINIRUN_TRY(write_index(*index), "add manifest: write index.json");
  auto entries = index_entries(*index);
  if (!entries) return std::move(entries.error());
  fill_tags(*image, *entries);
  return image;
}

Result<void> ImageStore::tag(const Reference& ref, const Digest& manifest) {
  if (ref.digest || ref.tag.empty()) return Error("tag `" + ref.str() + "`: a tag cannot contain a digest");
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error()).context("tag");
  auto size = blobs_.blob_size(manifest);
  if (!size) return Error("tag `" + ref.str() + "`: no manifest " + manifest.str() + " in the store");
  auto image = image_from_manifest(manifest);
  if (!image) return std::move(image.error()).context("tag `" + ref.str() + "`");
  auto index = read_index();
  if (!index) return std::move(index.error()).context("tag");
  record(*index, Descriptor{image->manifest.media_type, manifest, *size, {}}, {ref});
  return write_index(*index);
}

// --- reading images

Result<Image> ImageStore::image_from_manifest(const Digest& manifest) const {
  Image image;
  image.manifest_digest = manifest;
  auto bytes = blobs_.read_blob(manifest, kMaxManifestBytes);
  if (!bytes) return std::move(bytes.error());
  auto m = Manifest::parse(*bytes, "manifest " + manifest.str());
  if (!m) return std::move(m.error());
  image.manifest = std::move(*m);
  image.id = image.manifest.config.digest;
  auto config_bytes = blobs_.read_blob(image.id, kMaxJsonBlobBytes);
  if (!config_bytes) return std::move(config_bytes.error()).context("image " + image.id.short_id());
  auto config = ImageConfig::parse(*config_bytes, "config " + image.id.str());
  if (!config) return std::move(config.error());
  image.config = std::move(*config);
  return image;
}

Result<Image> ImageStore::resolve(std::string_view name_or_id) const {
  std::string text(name_or_id);
  auto index = read_index();
  if (!index) return std::move(index.error());
  auto entries = index_entries(*index);
  if (!entries) return std::move(entries.error());
  auto found = [&](const Digest& manifest) -> Result<Image> {
    auto image = image_from_manifest(manifest);
    if (image) fill_tags(*image, *entries);
    return image;
  };
  // 1. A name: `busybox`, `busybox:1.36`, `app@sha256:<manifest>`.
  bool explicit_id = text.rfind("sha256:", 0) == 0;
  if (!explicit_id) {
    if (auto ref = Reference::parse(text)) {
      for (const auto& e : *entries) {
        if (ref->digest ? e.descriptor.digest == *ref->digest : e.ref == ref->str()) return found(e.descriptor.digest);
      }
    }
  }
  // 2. An image id, whole or a prefix of at least 4 hex digits, as `docker` accepts.
  std::string hex = explicit_id ? text.substr(7) : text;
  if (is_hex(hex) && hex.size() >= 4 && hex.size() <= 64) {
    const IndexEntry* match = nullptr;
    std::set<Digest> ids;
    for (const auto& e : *entries) {
      if (e.image_id.hex().compare(0, hex.size(), hex) != 0) continue;
      ids.insert(e.image_id);
      if (match == nullptr || (match->ref.empty() && !e.ref.empty())) match = &e;
    }
    if (ids.size() > 1) {
      std::string list;
      for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id.short_id();
      return Error("image id prefix `" + text + "` is ambiguous: it matches " + std::to_string(ids.size()) +
                   " images (" + list + "); give more digits");
    }
    if (match != nullptr) return found(match->descriptor.digest);
  }
  return Error("no such image: `" + text + "` (see `imagebuilder images`)");
}

Result<std::vector<ImageSummary>> ImageStore::list() const {
  auto index = read_index();
  if (!index) return std::move(index.error());
  auto entries = index_entries(*index);
  if (!entries) return std::move(entries.error());
  std::vector<ImageSummary> rows;
  std::map<Digest, Image> images;  // by manifest
  for (const auto& e : *entries) {
    auto it = images.find(e.descriptor.digest);
    if (it == images.end()) {
      auto image = image_from_manifest(e.descriptor.digest);
      if (!image) return std::move(image.error());
      it = images.emplace(e.descriptor.digest, std::move(*image)).first;
    }
    ImageSummary row{"<none>", "<none>", e.image_id, e.descriptor.digest, it->second.config.created, 0};
    for (const auto& layer : it->second.manifest.layers) row.size += layer.size;
    if (!e.ref.empty()) {
      // The stored name is `repository:tag`; the tag follows the last ':'.
      auto colon = e.ref.rfind(':');
      row.repository = e.ref.substr(0, colon);
      row.tag = colon == std::string::npos ? "" : e.ref.substr(colon + 1);
    }
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const ImageSummary& a, const ImageSummary& b) {
    if (a.created != b.created) return a.created > b.created;
    return std::tie(a.repository, a.tag) < std::tie(b.repository, b.tag);
  });
  return rows;
}

Result<std::vector<HistoryRow>> ImageStore::history(const Image& image) const {
  std::vector<HistoryRow> rows;
  const auto& layers = image.manifest.layers;
  std::size_t next_layer = 0;
  if (image.config.history.empty()) {
    // Without history (e.g. an imported tarball) each layer is one anonymous step.
    for (const auto& layer : layers) rows.push_back(HistoryRow{image.config.created, "", "", "", false, layer});
  }
  for (const auto& h : image.config.history) {
    HistoryRow row{h.created, h.created_by, h.author, h.comment, h.empty_layer, std::nullopt};
    if (!h.empty_layer && next_layer < layers.size()) row.layer = layers[next_layer++];
    rows.push_back(std::move(row));
  }
  std::reverse(rows.begin(), rows.end());
  return rows;
}

// --- holds

Result<void> ImageStore::add_hold(const Digest& image_id, std::string_view holder) {
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error());
  return holds_.add(image_id, holder);
}

Result<void> ImageStore::remove_hold(const Digest& image_id, std::string_view holder) {
  return release_hold(root_, image_id, holder);
}

}  // namespace imagebuilder::store
