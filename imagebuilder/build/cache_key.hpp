/**
 * @file cache_key.hpp
 * @brief The build cache: when may a step's earlier result be reused, and why not.
 *
 * A build step is a function of its inputs. If every input is the same as last time,
 * the result (a layer and an image config) is the same, and the step can be skipped:
 * that is the whole build cache. The art is choosing the inputs, BuildKit's rules:
 *
 * - the **parent**: the key of the step before (or the base image's id), so a change
 *   early in the file invalidates every step after it;
 * - the **instruction** after variable expansion (`RUN make $TARGET` with TARGET=all is
 *   the text `RUN make all`);
 * - for `RUN`, the **environment** it runs with: ENV values and the ARG values in
 *   effect (a changed `--build-arg` reruns the RUN steps that can see it), the user,
 *   the working directory and the network mode;
 * - for `COPY`/`ADD`, the **content** of the sources: each file's bytes, mode, owner and
 *   type (and a symlink's target) — not its mtime, so a fresh `git clone` of the same
 *   tree still hits the cache.
 *
 * The key is the SHA-256 of a canonical JSON of these inputs. The inputs themselves are
 * kept next to each cached result, so that on a miss `--explain-cache` can compare them
 * with the entries that share the parent and say *which* input changed. No other
 * builder explains its misses; they are the most common "why is my build slow?".
 *
 * Pure: no I/O (the build engine hashes files and reads the cache).
 * Lab: labs/07-build-cache (edit one file, rebuild, read `--explain-cache`).
 */
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::build {

/// Everything a step's result depends on.
struct CacheInputs {
  std::string parent;       ///< the previous step's key, or the base image id
  std::string instruction;  ///< after variable expansion, e.g. `RUN make all`
  /// RUN: `ENV NAME` / `ARG NAME` -> value, plus `user`, `workdir`, `network`.
  std::map<std::string, std::string> environment;
  /// COPY/ADD: source path (as shown in the context or stage) -> content digest.
  std::map<std::string, std::string> sources;

  nlohmann::json to_json() const;
  static CacheInputs from_json(const nlohmann::json& j);  ///< missing fields stay empty
};

/// The cache key of `inputs`: SHA-256 of their canonical JSON.
store::Digest cache_key(const CacheInputs& inputs);

/// Why `wanted` missed, compared with earlier entries that had the same parent
/// (`candidates`): one line per changed input of the closest candidate, or a line
/// saying the parent itself is new. Pure; `--explain-cache` prints it.
std::vector<std::string> explain_cache_miss(const CacheInputs& wanted, const std::vector<CacheInputs>& candidates);

}  // namespace imagebuilder::build
