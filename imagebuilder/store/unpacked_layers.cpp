/**
 * @file unpacked_layers.cpp
 * @brief Unpacking, adopting and pruning layer directories; see unpacked_layers.hpp.
 */
#include "imagebuilder/store/unpacked_layers.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "imagebuilder/store/layer_unpack.hpp"
#include "imagebuilder/store/staging.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::store {

namespace {

std::string layers_dir(const ImageStore& store) { return store.root() + "/layers"; }

/// Renames `from` to `to` unless `to` exists; in both cases `from` is gone after.
Result<void> move_into_place(const std::string& from, const std::string& to) {
  // RENAME_NOREPLACE: two builds may finish the same layer at once; the first one wins
  // and the second one's copy (identical content) is thrown away.
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return minirun::sys::ok();
  if (errno != EEXIST) return Error::from_errno("rename", from + "` to `" + to);
  return minirun::sys::remove_tree(from);
}

}  // namespace

std::string unpacked_layer_path(const ImageStore& store, const Digest& diff_id) {
  return layers_dir(store) + "/" + diff_id.hex();
}

Result<std::string> adopt_unpacked(const ImageStore& store, const Digest& diff_id, const std::string& dir) {
  MINIRUN_TRY(minirun::sys::make_directories(layers_dir(store), 0700), "layers");
  std::string target = unpacked_layer_path(store, diff_id);
  MINIRUN_TRY(move_into_place(dir, target), "adopt layer " + diff_id.short_id());
  return target;
}

Result<std::string> ensure_unpacked(const ImageStore& store, const Image& image, std::size_t index) {
  if (index >= image.config.diff_ids.size() || index >= image.manifest.layers.size()) {
    return Error("image " + image.id.short_id() + ": no layer " + std::to_string(index));
  }
  const Digest& diff_id = image.config.diff_ids[index];
  std::string target = unpacked_layer_path(store, diff_id);
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0) return target;

  MINIRUN_TRY(minirun::sys::make_directories(layers_dir(store), 0700), "layers");
  auto staging = StagingDir::create(layers_dir(store), ".unpack-");
  if (!staging) return std::move(staging.error());
  std::string tree = staging->path() + "/tree";
  const Descriptor& blob = image.manifest.layers[index];
  auto stats = unpack_layer(store.blob_path(blob.digest), tree);
  if (!stats) return std::move(stats.error()).context("unpack layer " + diff_id.short_id());
  if (!(stats->diff_id == diff_id)) {
    return Error("layer " + blob.digest.str() + ": its content has digest " + stats->diff_id.str() +
                 " but the image config says " + diff_id.str() + " (the store is damaged; rmi and load again)");
  }
  MINIRUN_TRY(move_into_place(tree, target), "unpack layer " + diff_id.short_id());
  return target;
}

Result<std::vector<std::string>> lower_dirs(const ImageStore& store, const Image& image) {
  std::vector<std::string> dirs;
  std::set<std::string> seen;
  for (std::size_t i = image.config.diff_ids.size(); i-- > 0;) {
    auto dir = ensure_unpacked(store, image, i);
    if (!dir) return std::move(dir.error());
    // The same layer twice (two RUN steps that changed nothing give two identical empty
    // layers) would make overlayfs refuse the mount with ELOOP. Only the topmost copy
    // is kept, which gives the same view: everything the lower copy adds or hides, the
    // upper copy adds or hides again, over more layers.
    if (seen.insert(*dir).second) dirs.push_back(std::move(*dir));
  }
  return dirs;
}

Result<std::size_t> prune_unpacked(const ImageStore& store) {
  auto images = store.list();
  if (!images) return std::move(images.error());
  std::set<std::string> used;
  for (const auto& summary : *images) {
    auto image = store.image_from_manifest(summary.manifest_digest);
    if (!image) return std::move(image.error());
    for (const auto& d : image->config.diff_ids) used.insert(d.hex());
  }
  std::size_t removed = 0;
  DIR* dir = ::opendir(layers_dir(store).c_str());
  if (dir == nullptr) return errno == ENOENT ? Result<std::size_t>(removed) : Error::from_errno("opendir", layers_dir(store));
  std::vector<std::string> unused;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    // 64 hex digits: a layer; anything else (".unpack-*" of a running unpack) is left alone.
    if (name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos && !used.count(name)) {
      unused.push_back(name);
    }
  }
  ::closedir(dir);
  for (const auto& name : unused) {
    MINIRUN_TRY(minirun::sys::remove_tree(layers_dir(store) + "/" + name), "prune layers");
    ++removed;
  }
  return removed;
}

}  // namespace imagebuilder::store
