/**
 * @file step_rootfs.hpp
 * @brief The writable root filesystem one build step works in.
 *
 * RUN, COPY and ADD all work the same way: mount an overlay whose lower dirs are the
 * layers built so far and whose upper dir starts empty, change files in the merged
 * view, unmount. The upper dir then holds exactly the step's changes (new and changed
 * files, whiteouts for deleted ones) and becomes the step's layer (commit_layer.hpp).
 * COPY writes through the same view rather than into a fresh directory so that the
 * parent directories it touches are copied up with their real owners and modes.
 *
 * Everything lives in one staging directory under the store's `tmp/`, removed when
 * the step ends, whether it succeeded or not.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"
#include "imagebuilder/store/staging.hpp"
#include "minirun/sys/mount.hpp"

namespace imagebuilder::build {

using minirun::sys::Result;

class StepRootfs {
 public:
  /// Mounts a view over `lower_dirs` (top layer first; empty for scratch): writable,
  /// or read-only (what `COPY --from=<stage>` reads).
  static Result<StepRootfs> create(const store::ImageStore& store, const std::vector<std::string>& lower_dirs,
                                   bool writable);

  StepRootfs(StepRootfs&&) = default;
  StepRootfs& operator=(StepRootfs&&) = delete;

  /// The merged view.
  const std::string& path() const { return merged_; }
  /// The upper dir (valid after unmount(); commit it as the step's layer).
  const std::string& upper() const { return upper_; }
  /// The staging directory (for the step's bundle and other scratch files).
  const std::string& scratch() const { return staging_.path(); }
  /// Unmounts the view, leaving the upper dir with the step's changes.
  void unmount() { mount_ = minirun::sys::ScopedMount(); }

 private:
  explicit StepRootfs(store::StagingDir staging) : staging_(std::move(staging)) {}
  Result<void> mount_view(const std::vector<std::string>& lower_dirs, bool writable);
  // Declared first so it is destroyed last: the mount goes before its directories.
  store::StagingDir staging_;
  minirun::sys::ScopedMount mount_;
  std::string merged_, upper_;
};

}  // namespace imagebuilder::build
