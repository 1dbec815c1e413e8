// What the oci unit tests share: hand-made tarballs (including hostile ones) and
// small real images whose layers are real tars, plain or gzip'd.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <string>
#include <vector>

#include <algorithm>

#include "imagebuilder/store/compression.hpp"
#include "imagebuilder/store/directory_listing.hpp"
#include "imagebuilder/store/image_store.hpp"
#include "minirun/sys/file.hpp"
#include "store_test_support.hpp"

namespace imagebuilder::oci::testing {

/// One entry of a hand-made tarball.
struct TarEntry {
  std::string name;
  std::string content;       ///< file content
  std::string link_target;   ///< non-empty: a symlink to this
  bool directory = false;
};

/// Writes `entries` as a tar file (gzip'd when asked), names exactly as given.
inline bool write_tar(const std::string& path, const std::vector<TarEntry>& entries, bool gzip = false) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  if (gzip) archive_write_add_filter_gzip(a.get());
  if (archive_write_open_filename(a.get(), path.c_str()) != ARCHIVE_OK) return false;
  for (const auto& e : entries) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), e.name.c_str());
    if (e.directory) {
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      archive_entry_set_perm(entry.get(), 0755);
    } else if (!e.link_target.empty()) {
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_symlink(entry.get(), e.link_target.c_str());
      archive_entry_set_perm(entry.get(), 0777);
    } else {
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0644);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.content.size()));
    }
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) return false;
    if (!e.content.empty() && archive_write_data(a.get(), e.content.data(), e.content.size()) < 0) return false;
  }
  return archive_write_close(a.get()) == ARCHIVE_OK;
}

/// A layer tar holding `files` (name -> content) at `path`, gzip'd when asked.
inline bool write_layer(const std::string& path, const std::vector<std::pair<std::string, std::string>>& files,
                        bool gzip = false) {
  std::vector<TarEntry> entries;
  for (const auto& [name, content] : files) entries.push_back({name, content, "", false});
  return write_tar(path, entries, gzip);
}

/// Commits an image of one real layer (plain or gzip'd) with `files`, tagged `tags`.
inline store::Result<store::Image> make_real_image(store::ImageStore& store, const std::string& scratch,
                                                   const std::vector<std::pair<std::string, std::string>>& files,
                                                   const std::vector<std::string>& tags, bool gzip = false) {
  std::string layer_path = scratch + "/layer-" + std::to_string(files.size()) + (gzip ? ".tar.gz" : ".tar");
  if (!write_layer(layer_path, files, gzip)) return store::Error("could not write test layer");
  auto info = store::uncompressed_digest(layer_path);
  if (!info) return std::move(info.error());
  auto layer = store.put_blob_file(layer_path, *store::layer_media_type_for(info->compression));
  if (!layer) return std::move(layer.error());
  store::ImageConfig config;
  config.architecture = "amd64";
  config.created = "2024-02-03T04:05:06Z";
  config.config.cmd = {"/bin/sh"};
  config.config.env = {"PATH=/bin"};
  config.diff_ids = {info->diff_id};
  config.history = {{config.created, "ADD files /", "", "", false}, {config.created, "CMD [\"/bin/sh\"]", "", "", true}};
  std::vector<store::Reference> refs;
  for (const auto& t : tags) refs.push_back(store::Reference::parse(t).value());
  return store.commit(config, {*layer}, refs);
}

/// Every file under `dir` (relative names, sorted), to compare a store before and after.
inline std::vector<std::string> tree(const std::string& dir, const std::string& prefix = "") {
  std::vector<std::string> out;
  auto names = store::list_directory(dir);
  if (!names) return out;
  std::sort(names->begin(), names->end());
  for (const auto& n : *names) {
    std::string path = dir + "/" + n;
    out.push_back(prefix + n);
    auto sub = tree(path, prefix + n + "/");
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

}  // namespace imagebuilder::oci::testing
