/**
 * @file load_plan.hpp
 * @brief The verify phase of `load` (see load.hpp): a staged tarball in, a checked plan out.
 *
 * A LoadPlan is what phase 2 needs and nothing else: for each image, the staged files
 * to move into the store with their verified digests, the descriptors to record, and
 * the tags. Building it reads only the staging directory; executing it is load.cpp.
 * One planner per format: load_oci.cpp and load_docker.cpp; the checks they share
 * (a blob against its digest, a layer against its diff_id) are in load_verify.cpp.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "imagebuilder/oci/tar_reader.hpp"
#include "imagebuilder/store/descriptor.hpp"
#include "imagebuilder/store/reference.hpp"

namespace imagebuilder::oci {

/// A staged file whose digest has been checked.
struct VerifiedBlob {
  std::string staged;
  store::Descriptor descriptor;
};

struct PlannedImage {
  std::vector<VerifiedBlob> blobs;          ///< config, layers (and the manifest for OCI)
  store::Descriptor config;
  std::vector<store::Descriptor> layers;
  std::optional<store::Digest> manifest;    ///< OCI: keep the archive's own manifest
  std::vector<store::Reference> tags;
};

struct LoadPlan {
  std::string format;
  std::vector<PlannedImage> images;
  std::vector<std::string> notes;
};

Result<LoadPlan> plan_oci_load(const StagedArchive& archive, const std::string& tarball);
Result<LoadPlan> plan_docker_load(const StagedArchive& archive, const std::string& tarball);

/// Reads a small JSON entry (at most 8 MiB) of the staged archive; the error names it.
Result<std::string> read_staged_small(const StagedArchive& archive, const std::string& name, const std::string& tarball);

/// Hashes a staged entry; checks it against `expected` digest and `expected_size`
/// when given.
Result<VerifiedBlob> verify_blob(const std::string& staged, const std::string& entry, std::string media_type,
                                 const std::optional<store::Digest>& expected,
                                 const std::optional<std::uint64_t>& expected_size);

/// Checks that the staged layer decompresses to `diff_id`; fills in its OCI layer media
/// type from the compression when `media_type` is empty.
Result<void> verify_layer(VerifiedBlob& layer, const std::string& entry, const store::Digest& diff_id);

}  // namespace imagebuilder::oci
