/**
 * @file save_oci.cpp
 * @brief `save --format oci-archive`: an OCI image layout in a tarball; see save.hpp.
 */
#include <set>

#include "imagebuilder/oci/archive_names.hpp"
#include "imagebuilder/oci/save.hpp"
#include "imagebuilder/oci/tar_writer.hpp"

namespace imagebuilder::oci {

Result<void> save_oci_archive(const store::ImageStore& store, const std::vector<SavedImage>& images,
                              const std::string& path, bool gzip) {
  auto writer = TarWriter::create(path, gzip);
  if (!writer) return std::move(writer.error()).context("save");
  store::ImageIndex index;
  std::vector<store::Digest> blobs;  // in order, each once
  std::set<store::Digest> seen;
  auto add_blob = [&](const store::Digest& d) {
    if (seen.insert(d).second) blobs.push_back(d);
  };
  for (const auto& saved : images) {
    const auto& image = saved.image;
    auto size = store.blobs().blob_size(image.manifest_digest);
    if (!size) return std::move(size.error()).context("save");
    store::Descriptor entry{image.manifest.media_type, image.manifest_digest, *size, {}};
    if (saved.tags.empty()) index.manifests.push_back(entry);
    for (const auto& tag : saved.tags) {
      entry.annotations[std::string(store::kRefNameAnnotation)] = tag;
      index.manifests.push_back(entry);
    }
    add_blob(image.manifest_digest);
    add_blob(image.id);
    for (const auto& layer : image.manifest.layers) add_blob(layer.digest);
  }
  MINIRUN_TRY(writer->add_bytes(std::string(kOciLayoutFile), R"({"imageLayoutVersion":"1.0.0"})"), "save");
  MINIRUN_TRY(writer->add_bytes(std::string(kIndexFile), index.to_canonical_json()), "save");
  MINIRUN_TRY(writer->add_directory("blobs/"), "save");
  MINIRUN_TRY(writer->add_directory("blobs/sha256/"), "save");
  for (const auto& blob : blobs) {
    if (!store.has_blob(blob)) return Error("save: blob " + blob.str() + " is missing from the store");
    MINIRUN_TRY(writer->add_file(oci_blob_name(blob), store.blob_path(blob)), "save");
  }
  return writer->finish();
}

}  // namespace imagebuilder::oci
