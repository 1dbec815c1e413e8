/**
 * @file rootfs.hpp
 * @brief Building the container's filesystem view: the config's mounts, /dev, and the
 * paths that are hidden or made read-only.
 *
 * The container gets its own mount namespace (CLONE_NEWNS), a private copy of the
 * host's mount table. In it the runtime stacks, inside the rootfs directory and in the
 * config's order: /proc for the new pid namespace, a tmpfs /dev with only harmless
 * device nodes, a new /dev/pts instance, /dev/shm, /sys read-only, the cgroup tree,
 * and the user's bind mounts. Then pivot_root (pivot_root.hpp) makes the rootfs `/`.
 * After that, masked paths (/proc/kcore, /proc/keys, ...) are covered by /dev/null
 * or an empty read-only tmpfs, and read-only paths (/proc/sys, /proc/sysrq-trigger)
 * are bind-mounted over themselves read-only: a root process inside could otherwise
 * reboot the host through /proc/sysrq-trigger or change kernel settings in /proc/sys.
 *
 * Every mount target is resolved with openat2(RESOLVE_IN_ROOT) (see sys/mount.hpp), so
 * a symlink in an image cannot redirect a mount onto the host.
 *
 * Man pages: mount(2), mount_namespaces(7), proc(5), sysfs(5), pts(4), mknod(2).
 * Lab: labs/02-rootfs.
 */
#pragma once

#include <map>
#include <string>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::runtime {

/// The container's own cgroup directories on the host, keyed by where they appear
/// under the cgroup mount inside the container ("memory", "pids", ... on v1; "" on v2).
using CgroupBinds = std::map<std::string, std::string>;
/// cgroup v1: the same keys -> the controllers of that hierarchy ("cpu,cpuacct"), the
/// options a new mount of that hierarchy takes.
using CgroupControllers = std::map<std::string, std::string>;

/// Makes every mount propagation event stay inside the new mount namespace
/// (MS_REC | MS_PRIVATE on `/`, or what `linux.rootfsPropagation` asks).
Result<void> make_mounts_private(const std::string& propagation);

/// Bind-mounts the rootfs onto itself: pivot_root(2) needs the new root to be a mount point.
Result<void> bind_rootfs(const std::string& rootfs);

/// Performs `mounts[first]` up to (not including) `mounts[last]`, in order, inside the
/// rootfs. Returns how many were made. (The cgroup mounts wait for the cgroup namespace:
/// see first_cgroup_mount.) `fresh`: the process is in a cgroup namespace of its own,
/// rooted at its cgroup, so a v1 hierarchy is mounted afresh (it then shows the
/// container's own cgroup as its root, as the bind of that directory would), one
/// mount(2) instead of a bind and a read-only remount; null: bind mounts.
Result<int> mount_config_mounts(const Spec& spec, const CgroupBinds& cgroups, size_t first, size_t last,
                                const CgroupControllers* fresh = nullptr);

/// The index of the first `cgroup`/`cgroup2` mount in `mounts[]` (mounts.size() if none).
/// The mounts before it can be made while the parent is still setting up the cgroup; this
/// one and those after it wait until the process is in its cgroup and cgroup namespace,
/// because the cgroup filesystem shows the namespace's view and, on v1, binds the
/// container's own cgroup directories, which the parent may not have made yet.
size_t first_cgroup_mount(const Spec& spec);

/// Creates the standard device nodes in a tmpfs /dev (null, zero, full, random, urandom,
/// tty), the config's `linux.devices`, and the usual symlinks (/dev/fd, /dev/ptmx, ...).
/// In a user namespace mknod(2) is not allowed, so host nodes are bind-mounted instead.
Result<int> create_devices(const Spec& spec, bool in_user_namespace);

/// The device cgroup rules for a container: the config's own rules, then allow rules
/// for the default nodes (null, zero, full, random, urandom, tty, ptmx, pts) and for
/// `linux.devices`, as runc adds them. A config usually starts with "deny all": without
/// these, the container could not even open /dev/null.
std::vector<DeviceRule> device_cgroup_rules(const Spec& spec);

/// After pivot_root: remounts `/` read-only (`root.readonly`).
Result<void> make_root_readonly();
/// After pivot_root: hides `linux.maskedPaths`.
Result<int> mask_paths(const std::vector<std::string>& paths);
/// After pivot_root: makes `linux.readonlyPaths` read-only.
Result<int> make_paths_readonly(const std::vector<std::string>& paths);

}  // namespace minirun::runtime
