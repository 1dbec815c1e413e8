/**
 * @file step_rootfs.cpp
 * @brief Mounting a build step's overlay; see step_rootfs.hpp.
 */
#include "imagebuilder/build/step_rootfs.hpp"

#include <sys/stat.h>

#include "minirun/sys/overlay.hpp"

namespace imagebuilder::build {

Result<void> StepRootfs::mount_view(const std::vector<std::string>& lower_dirs, bool writable) {
  merged_ = scratch() + "/rootfs";
  if (::mkdir(merged_.c_str(), 0755) != 0) return minirun::sys::Error::from_errno("mkdir", merged_);
  minirun::sys::OverlayDirs dirs;
  dirs.lower = lower_dirs;
  dirs.empty_lower = scratch() + "/empty";
  if (writable) {
    upper_ = scratch() + "/upper";
    dirs.upper = upper_;
    dirs.work = scratch() + "/work";
    // The step's upper dir is read once, into the layer's tar (which the store writes
    // and fsyncs itself), and its scratch dir is deleted: no need for overlayfs to sync
    // the disk at the unmount (overlay.hpp).
    dirs.volatile_upper = true;
  }
  auto mounted = minirun::sys::mount_overlay(dirs, merged_);
  if (!mounted) return std::move(mounted.error());
  mount_ = std::move(*mounted);
  return minirun::sys::ok();
}

Result<StepRootfs> StepRootfs::create(const store::ImageStore& store, const std::vector<std::string>& lower_dirs,
                                      bool writable) {
  auto staging = store::StagingDir::create(store.root() + "/tmp", writable ? "step-" : "view-");
  if (!staging) return std::move(staging.error());
  StepRootfs rootfs(std::move(*staging));
  MINIRUN_TRY(rootfs.mount_view(lower_dirs, writable), writable ? "mount the step's root" : "mount a read-only view");
  return rootfs;
}

}  // namespace imagebuilder::build
