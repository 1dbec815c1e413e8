/**
 * @file build_cache.hpp
 * @brief Where the build cache lives: one small JSON file per step result.
 *
 * `<store>/cache/<hash of parent>/<key>.json` holds, for one step, the inputs it was
 * run with (cache_key.hpp) and what it produced: the whole image config after the step
 * (history with its timestamps included) and the layer list. Reusing the config as it
 * was, timestamps and all, is what makes a fully cached rebuild produce the *same image
 * id*, as `docker build` does.
 *
 * Grouping entries by parent makes "which entries could this step have matched?" a
 * directory listing: that is what `--explain-cache` compares against.
 *
 * An entry is only a hint: lookup() checks that the layers it names are still in the
 * store (a `prune` may have taken them) and reports a miss otherwise.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "imagebuilder/build/cache_key.hpp"
#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::build {

using minirun::sys::Result;

/// What one cached step produced.
struct CacheRecord {
  CacheInputs inputs;
  store::ImageConfig config;              ///< the image config after the step
  std::vector<store::Descriptor> layers;  ///< all layers after the step, bottom first
};

class BuildCache {
 public:
  explicit BuildCache(const store::ImageStore& store) : store_(store), dir_(store.root() + "/cache") {}

  /// The record for `inputs`, if one exists and its layers are still stored.
  std::optional<CacheRecord> lookup(const CacheInputs& inputs) const;
  /// Saves `record` under its inputs' key (replacing an older one).
  Result<void> save(const CacheRecord& record) const;
  /// The inputs of every record with this parent (for explaining a miss).
  std::vector<CacheInputs> siblings(const std::string& parent) const;
  /// Deletes every record (`imagebuilder prune --cache`); returns how many.
  Result<std::size_t> clear() const;

 private:
  std::string group_dir(const std::string& parent) const;
  const store::ImageStore& store_;
  std::string dir_;
};

}  // namespace imagebuilder::build
