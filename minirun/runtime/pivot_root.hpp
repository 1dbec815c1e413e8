/**
 * @file pivot_root.hpp
 * @brief pivot_root(2): making the rootfs `/`, with the host's root out of reach.
 *
 * chroot(2) only changes how the process resolves `/`; the host's root is still
 * there, mounted, and a root process can climb back to it (make a directory, chroot
 * into it, then `chdir("..")` past the old root: the classic chroot breakout, lab 2).
 * pivot_root(2) instead swaps the root *mount* of the mount namespace: the rootfs
 * becomes the root mount and the old root is moved to a point inside it. The runtime
 * then detaches the old root (umount2 MNT_DETACH); afterwards no path in the container
 * leads to the host's filesystem, because in this mount namespace it is not mounted at
 * all.
 *
 * The `pivot_root(".", ".")` form (used by runc and LXC) stacks the old root on top of
 * the new one at the same point, so no temporary directory is needed in the image.
 *
 * Man pages: pivot_root(2), chroot(2), umount2(2). Lab: labs/02-rootfs.
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"

namespace minirun::runtime {

/// Makes `rootfs` (already a mount point) the root, and detaches the old root.
sys::Result<void> pivot_to(const std::string& rootfs);

}  // namespace minirun::runtime
