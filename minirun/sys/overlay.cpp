/**
 * @file overlay.cpp
 * @brief Mounting overlayfs over image layers; see overlay.hpp.
 */
#include "minirun/sys/overlay.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "minirun/sys/file.hpp"

namespace minirun::sys {


namespace {
/// Characters that would end an option (`,`) or a lower-dir entry (`:`) early.
bool safe_for_options(const std::string& path) {
  return path.find_first_of(",:\\") == std::string::npos && !path.empty() && path.front() == '/';
}

/// Whether the view needs the empty directory: overlayfs wants at least one lower dir,
/// and without an upper dir at least two (an empty one below changes nothing in the view).
bool needs_empty_lower(const OverlayDirs& dirs) {
  return dirs.lower.empty() || (dirs.upper.empty() && dirs.lower.size() == 1);
}
}  // namespace

Result<std::string> overlay_options(const OverlayDirs& dirs) {
  std::vector<std::string> lower = dirs.lower;
  if (needs_empty_lower(dirs)) {
    if (dirs.empty_lower.empty()) {
      return Error(lower.empty() ? "overlay: no lower directory and no empty_lower given"
                                 : "overlay: a read-only view of one layer needs empty_lower");
    }
    lower.push_back(dirs.empty_lower);
  }
  std::string options = "lowerdir=";
  for (size_t i = 0; i < lower.size(); ++i) {
    if (!safe_for_options(lower[i])) {
      return Error("overlay: layer directory `" + lower[i] + "` must be absolute and contain no `,` `:` or `\\`");
    }
    if (i > 0) options += ':';
    options += lower[i];
  }
  if (!dirs.upper.empty()) {
    for (const std::string* p : {&dirs.upper, &dirs.work}) {
      if (!safe_for_options(*p)) {
        return Error("overlay: directory `" + *p + "` must be absolute and contain no `,` `:` or `\\`");
      }
    }
    options += ",upperdir=" + dirs.upper + ",workdir=" + dirs.work;
  }
  options += ",redirect_dir=off,metacopy=off";
  if (dirs.volatile_upper && !dirs.upper.empty()) options += ",volatile";
  // mount(2) copies the data argument into one page; longer options are cut short.
  long page = ::sysconf(_SC_PAGESIZE);
  if (static_cast<long>(options.size()) >= page) {
    return Error("overlay: " + std::to_string(lower.size()) + " layers make " + std::to_string(options.size()) +
                 " bytes of mount options, more than one page (" + std::to_string(page) +
                 "); squash the image into fewer layers");
  }
  return options;
}

Result<ScopedMount> mount_overlay(const OverlayDirs& dirs, const std::string& target) {
  auto options = overlay_options(dirs);
  if (!options) return std::move(options.error());
  // An earlier volatile mount of this upper dir left its marker in the work dir, and
  // overlayfs would refuse to mount again; the work dir is scratch, so start it afresh.
  if (dirs.volatile_upper && !dirs.work.empty() && path_exists(dirs.work + "/work/incompat/volatile"))
    MINIRUN_TRY(remove_tree(dirs.work), "overlay: empty the work dir of an earlier volatile mount");
  // Only the directories the view uses: on some disks every mkdir(2) and rmdir(2) costs
  // a synchronous write or discard (~50 us each on the benchmark VM), and a container
  // start makes and later removes every one of them.
  for (const std::string* p : {&dirs.upper, &dirs.work}) {
    if (!p->empty()) MINIRUN_TRY(minirun::sys::make_directories(*p, 0755), "overlay");
  }
  if (needs_empty_lower(dirs)) MINIRUN_TRY(minirun::sys::make_directories(dirs.empty_lower, 0755), "overlay");
  // No upper dir: a read-only view (e.g. the stage `COPY --from` reads).
  unsigned long flags = dirs.upper.empty() ? MS_RDONLY : 0;
  auto mounted = minirun::sys::mount_fs("overlay", target, "overlay", flags, *options);
  if (!mounted && dirs.volatile_upper && mounted.error().code() == EINVAL) {
    // A kernel before 5.10 does not know `volatile`: mount as usual (and sync on unmount).
    OverlayDirs plain = dirs;
    plain.volatile_upper = false;
    auto plain_options = overlay_options(plain);
    if (!plain_options) return std::move(plain_options.error());
    mounted = minirun::sys::mount_fs("overlay", target, "overlay", flags, *plain_options);
  }
  MINIRUN_TRY(std::move(mounted), "overlay");
  return minirun::sys::ScopedMount(target);
}

}  // namespace minirun::sys
