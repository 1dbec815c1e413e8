/**
 * @file load.cpp
 * @brief Staging, format detection, and the commit phase of `load`; see load.hpp.
 */
#include "imagebuilder/oci/load.hpp"

#include <set>

#include "imagebuilder/oci/archive_names.hpp"
#include "imagebuilder/oci/load_plan.hpp"
#include "imagebuilder/store/staging.hpp"

namespace imagebuilder::oci {

namespace {

/// Docker 25+ tarballs are both formats: the OCI half keeps manifest digests, so it is
/// tried first; the docker half is the fallback (e.g. when index.json holds a
/// multi-platform index), and the OCI error is reported if both fail.
Result<LoadPlan> plan_load(const StagedArchive& archive, const std::string& tarball) {
  bool oci = archive.find(std::string(kOciLayoutFile)) != nullptr;
  bool docker = archive.find(std::string(kDockerManifestFile)) != nullptr;
  if (!oci && !docker) {
    return Error("tarball `" + tarball + "`: neither an OCI archive (no oci-layout) nor a docker-archive (no manifest.json)");
  }
  if (!oci) return plan_docker_load(archive, tarball);
  auto plan = plan_oci_load(archive, tarball);
  if (plan || !docker) return plan;
  auto fallback = plan_docker_load(archive, tarball);
  if (fallback) return fallback;
  return plan;
}

}  // namespace

Result<LoadReport> load(store::ImageStore& store, const std::string& tarball, const LoadOptions& options) {
  auto staging = store::StagingDir::create(store.blobs().tmp_dir(), "load-");
  if (!staging) return std::move(staging.error()).context("load");
  auto archive = stage_tarball(tarball, staging->path(), is_image_archive_entry);
  if (!archive) return std::move(archive.error()).context("load");
  auto plan = plan_load(*archive, tarball);
  if (!plan) return std::move(plan.error()).context("load");
  if (options.tag) {
    if (plan->images.size() != 1) {
      return Error("load: a tag can name only an archive with one image; `" + tarball + "` has " +
                   std::to_string(plan->images.size()));
    }
    plan->images[0].tags = {*options.tag};
  }

  // Phase 2: everything is verified; move the blobs in, then record the images.
  LoadReport report;
  report.format = plan->format;
  report.notes = plan->notes;
  std::set<store::Digest> moved;
  for (const auto& image : plan->images) {
    for (const auto& blob : image.blobs) {
      if (!moved.insert(blob.descriptor.digest).second) continue;  // shared layer, or an alias
      auto stored = store.put_blob_file(blob.staged, blob.descriptor.media_type, blob.descriptor.digest);
      if (!stored) return std::move(stored.error()).context("load");
    }
  }
  for (const auto& image : plan->images) {
    auto stored = image.manifest ? store.add_manifest(*image.manifest, image.tags)
                                 : store.commit_config_blob(image.config, image.layers, image.tags);
    if (!stored) return std::move(stored.error()).context("load");
    LoadedImage loaded{stored->id, stored->manifest_digest, {}};
    for (const auto& t : image.tags) loaded.tags.push_back(t.str());
    report.images.push_back(std::move(loaded));
  }
  return report;
}

}  // namespace imagebuilder::oci
