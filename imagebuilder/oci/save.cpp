/**
 * @file save.cpp
 * @brief Choosing what to save; see save.hpp (the formats are in save_oci.cpp and save_docker.cpp).
 */
#include "imagebuilder/oci/save.hpp"

#include <algorithm>

namespace imagebuilder::oci {

Result<ArchiveFormat> parse_archive_format(std::string_view name) {
  if (name == "docker-archive" || name == "docker") return ArchiveFormat::docker_archive;
  if (name == "oci-archive" || name == "oci") return ArchiveFormat::oci_archive;
  return Error("unknown archive format `" + std::string(name) + "` (expected docker-archive or oci-archive)");
}

Result<std::vector<SavedImage>> images_to_save(const store::ImageStore& store, const std::vector<std::string>& names) {
  if (names.empty()) return Error("save: no images named");
  std::vector<SavedImage> out;
  for (const auto& name : names) {
    auto image = store.resolve(name);
    if (!image) return std::move(image.error()).context("save");
    // A name that is one of the image's tags is written as that tag; an id, as no tag.
    std::string tag;
    if (auto ref = store::Reference::parse(name); ref && !ref->digest) {
      if (std::find(image->tags.begin(), image->tags.end(), ref->str()) != image->tags.end()) tag = ref->str();
    }
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const SavedImage& s) { return s.image.manifest_digest == image->manifest_digest; });
    if (same == out.end()) {
      out.push_back(SavedImage{std::move(*image), {}});
      same = out.end() - 1;
    }
    if (!tag.empty() && std::find(same->tags.begin(), same->tags.end(), tag) == same->tags.end()) {
      same->tags.push_back(tag);
    }
  }
  return out;
}

Result<void> save(const store::ImageStore& store, const std::vector<std::string>& names, const std::string& path,
                  const SaveOptions& options) {
  auto images = images_to_save(store, names);
  if (!images) return std::move(images.error());
  if (options.format == ArchiveFormat::oci_archive) return save_oci_archive(store, *images, path, options.gzip);
  return save_docker_archive(store, *images, path, options.gzip);
}

}  // namespace imagebuilder::oci
