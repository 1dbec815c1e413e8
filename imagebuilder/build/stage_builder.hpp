/**
 * @file stage_builder.hpp
 * @brief One build stage: the state a Dockerfile's instructions change, step by step.
 *
 * A stage starts from its `FROM` image and carries three things forward:
 *
 * - the **image so far**: its config (ENV, CMD, USER, history, ...) and its layers;
 * - the **ARGs in effect**: build arguments declared in this stage (they are visible
 *   to later instructions and to RUN's environment, but are not saved in the image);
 * - the **cache parent**: the key of the last step, the first input of the next key.
 *
 * Each instruction is expanded (BuildKit's rules: ARG values, then ENV values on top),
 * described (describe.hpp), keyed, and either taken from the cache or executed:
 * config_steps.cpp changes the config, layer_steps.cpp runs RUN, COPY and ADD.
 */
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "imagebuilder/build/build_cache.hpp"
#include "imagebuilder/build/builder.hpp"
#include "imagebuilder/build/context_sources.hpp"
#include "imagebuilder/spec/instructions.hpp"
#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::build {

/// The image a stage has built so far.
struct StageState {
  store::ImageConfig config;
  std::vector<store::Descriptor> layers;  ///< bottom first, parallel to config.diff_ids
  std::string cache_parent;               ///< key of the last step (or the base image)
  spec::Environment args;                 ///< ARGs declared in this stage, with values
  bool cmd_set = false;                   ///< CMD given in this stage (ENTRYPOINT keeps it)

  /// The stage's image as the store's type (for lower_dirs and commit).
  store::Image as_image() const;
};

/// What every stage of one build shares.
struct BuildShared {
  store::ImageStore& store;
  const BuildOptions& options;
  const spec::Dockerfile& dockerfile;
  BuildCache cache;
  spec::Environment global_args{};      ///< ARGs before the first FROM, with values
  std::vector<std::optional<StageState>> finished{};  ///< per stage, once built
  int context_fd = -1;                  ///< the build context directory
  ExcludedFn excluded;                  ///< .dockerignore
  std::FILE* out = nullptr;             ///< progress (nullptr: quiet)
  std::size_t step = 0, total_steps = 0, cached_steps = 0;
  std::map<std::string, bool> used_build_args{};  ///< --build-arg NAME -> consumed?
};

/// Builds stage `index` (its dependencies must be finished) and stores its state in
/// shared.finished.
Result<void> build_stage(BuildShared& shared, std::size_t index);

// --- used by stage_builder.cpp, implemented in config_steps.cpp / layer_steps.cpp

/// Applies a config-only instruction (ENV, CMD, USER, ...) to `state.config`.
Result<void> apply_config_step(StageState& state, const spec::Instruction& instruction);

/// The inputs a RUN/COPY/ADD adds to its cache key (environment, source digests).
Result<void> add_layer_step_inputs(BuildShared& shared, const StageState& state, const spec::Instruction& instruction,
                                   CacheInputs& inputs);

/// Executes RUN/COPY/ADD: a new layer on `state`.
Result<void> run_layer_step(BuildShared& shared, StageState& state, const spec::Instruction& instruction);

/// The environment a step's words are expanded with: ARGs, then ENV on top.
spec::Environment expansion_environment(const StageState& state);

}  // namespace imagebuilder::build
