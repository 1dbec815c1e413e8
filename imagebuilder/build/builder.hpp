/**
 * @file builder.hpp
 * @brief `imagebuilder build`: a Dockerfile and a context directory in, an image out.
 *
 * The build engine walks the Dockerfile one instruction at a time, as Docker's does:
 *
 *     FROM     start from an image (or scratch, or an earlier stage)
 *     RUN      run a command in a container on the image so far   -> a new layer
 *     COPY/ADD put files from the context (or a stage) in          -> a new layer
 *     others   change the image config (ENV, CMD, USER, ...)       -> history only
 *
 * Before running a step it computes the step's cache key (cache_key.hpp); when the
 * cache has a result for it, the step is skipped and prints `---> Using cache`. After
 * the last instruction of the target stage, the config and the layer list are stored
 * as an image and tagged.
 *
 * Multi-stage builds: each `FROM` starts a stage; `COPY --from=<stage>` reads the
 * files of an earlier stage through a read-only overlay view; only the stages the
 * target needs are built (as BuildKit does; the classic builder built them all).
 *
 * The pieces: stage_builder.hpp (one stage), run_step.hpp, copy_step.hpp,
 * commit_layer.hpp, build_cache.hpp, base_images.hpp; docs/design/build-engine.md.
 * Lab: labs/06-layers-overlayfs.
 */
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::build {

using minirun::sys::Result;

/// `imagebuilder build` flags.
struct BuildOptions {
  std::string context = ".";    ///< the build context directory
  std::string dockerfile;       ///< default `<context>/Dockerfile`
  std::vector<store::Reference> tags;
  std::map<std::string, std::string> build_args;  ///< --build-arg NAME=value
  std::string target;           ///< --target: the stage to build (default: the last)
  bool no_cache = false;        ///< --no-cache
  bool explain_cache = false;   ///< --explain-cache: say why each miss missed
  bool quiet = false;           ///< -q: print only the image id
  bool host_network = false;    ///< --network host: RUN steps share the host's network
  std::string state_root = "/run/imagebuilder";  ///< runtime state of RUN containers
};

/// What a build did.
struct BuildResult {
  store::Image image;
  std::size_t steps = 0;
  std::size_t cached = 0;
};

/// Builds per `options`, printing progress to `out` (nothing with quiet).
Result<BuildResult> build_image(store::ImageStore& store, const BuildOptions& options, std::FILE* out);

}  // namespace imagebuilder::build
