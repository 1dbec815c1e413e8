/**
 * @file save.hpp
 * @brief `imagebuilder save`: images out of the store into a tarball that docker, podman and skopeo read.
 *
 * Two formats (archive_names.hpp shows both trees):
 *  - **oci-archive**: the store's own OCI layout, cut down to the saved images. Blobs
 *    are copied byte for byte, so manifest digests and image ids are unchanged.
 *  - **docker-archive**: what `docker load` of any version reads. Layers must be plain
 *    tars here, so compressed layer blobs are decompressed on the way out (and checked
 *    against the config's diff_ids); the config is copied byte for byte, so the image
 *    id survives the trip, while the manifest is rebuilt by whoever loads it.
 *
 * Tags follow Docker: `save busybox:1.36` writes that tag; `save <image id>` writes the
 * image without a tag (it loads as `<none>`). Several images share one tarball, each
 * blob written once.
 *
 * Specs: OCI image-spec `image-layout.md`; moby `image/spec/v1.2.md`.
 * Lab: labs/01-image-and-container (`imagebuilder save -o x.tar busybox; tar tvf x.tar`).
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::oci {

using minirun::sys::Error;
using minirun::sys::Result;

enum class ArchiveFormat { docker_archive, oci_archive };

/// "docker-archive" or "oci-archive" (skopeo's transport names; also "docker", "oci").
Result<ArchiveFormat> parse_archive_format(std::string_view name);

struct SaveOptions {
  ArchiveFormat format = ArchiveFormat::docker_archive;
  bool gzip = false;  ///< gzip the whole tarball (`docker save | gzip`)
};

/// One image to save and the tags to write for it.
struct SavedImage {
  store::Image image;
  std::vector<std::string> tags;  ///< "name:tag"
};

/// Resolves `names` (tags or ids) as `save` does; the same image named twice is one entry.
Result<std::vector<SavedImage>> images_to_save(const store::ImageStore& store, const std::vector<std::string>& names);

/// Writes the images named by `names` to the tarball `path` (replaced atomically).
Result<void> save(const store::ImageStore& store, const std::vector<std::string>& names, const std::string& path,
                  const SaveOptions& options = {});

/// The two halves of save(), one per format (save_oci.cpp, save_docker.cpp).
Result<void> save_oci_archive(const store::ImageStore& store, const std::vector<SavedImage>& images,
                              const std::string& path, bool gzip);
Result<void> save_docker_archive(const store::ImageStore& store, const std::vector<SavedImage>& images,
                                 const std::string& path, bool gzip);

}  // namespace imagebuilder::oci
