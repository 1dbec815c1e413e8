/**
 * @file overlay.hpp
 * @brief A container's root filesystem: read-only image layers + one writable layer.
 *
 * Each layer of an image is unpacked once into its own directory and never changed
 * again. A container (or a build step) gets a *view* of them: overlayfs stacks the
 * layer directories (`lowerdir`, top layer first) under one writable directory
 * (`upperdir`); reads fall through to the first layer that has the file, writes go to
 * the upper dir (a file is copied up first), and deleting a lower file leaves a
 * *whiteout* in the upper dir. So a hundred containers of one image share its layers on
 * disk, and after a build step the upper dir *is* the step's new layer.
 *
 * The build mounts with `redirect_dir=off` and `metacopy=off`: with them on, a renamed
 * directory or a chmod would leave overlay-private xattrs in the upper dir instead of
 * real content, and the upper dir could no longer be turned into an OCI layer tar.
 *
 * A view whose upper dir is thrown away with it (a `run --rm` container, a build step,
 * whose upper dir is archived into a layer before anything else) is mounted `volatile`
 * (Linux 5.10+): overlayfs then skips its sync of the upper filesystem. Without it, every
 * unmount calls syncfs(2) on the filesystem holding the upper dir, which writes out
 * *everything* dirty on that disk, not only the container's files: on a VM that is
 * busy writing (a build, a test run) one `run --rm` waited tens of milliseconds for
 * it. The price is the one the option names: after a crash the upper dir may be
 * incomplete, and overlayfs refuses to mount it again (it leaves a marker,
 * `work/incompat/volatile`); neither matters for a directory that is never reused.
 *
 * Man pages: mount(2), syncfs(2); kernel docs: Documentation/filesystems/overlayfs.rst
 * ("Volatile mount").
 * It lives in sys/ because both the image builder (a RUN step's root) and the engine
 * (a container's root, mounted by its monitor) stack layers the same way.
 *
 * Lab: labs/06-layers-overlayfs (look at a container's upper dir while it writes).
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "minirun/sys/mount.hpp"

namespace minirun::sys {

/// The directories of one overlay view. `lower` is ordered top layer first; when it is
/// empty (an image `FROM scratch`), `empty_lower` is used, since overlayfs needs at
/// least one lower directory.
struct OverlayDirs {
  std::vector<std::string> lower;
  std::string upper;  ///< empty: a read-only view of the lower dirs alone
  std::string work;   ///< overlayfs's scratch dir: empty, on the same filesystem as upper
  std::string empty_lower;
  /// Mount with `volatile` (see above): only for an upper dir nobody will mount again.
  /// A work dir left by an earlier volatile mount is emptied first; a kernel without
  /// the option gets an ordinary mount.
  bool volatile_upper = false;
};

/// The mount options for `dirs` (checked: overlay takes them in one page, which caps the
/// number of layers; the error says so).
Result<std::string> overlay_options(const OverlayDirs& dirs);

/// Mounts the overlay view at `target` (which must exist). Creates upper and work, and
/// empty_lower when the view uses it, when missing. Detached again when the returned object dies.
Result<ScopedMount> mount_overlay(const OverlayDirs& dirs, const std::string& target);

}  // namespace minirun::sys
