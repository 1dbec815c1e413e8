/**
 * @file mount.hpp
 * @brief mount(2) and friends, and resolving paths *inside* a root without escaping it.
 *
 * Two dangers live here. First, error messages: a failed mount must say what was
 * mounted where. Second, and worse, symlinks: a container image may contain
 * `/proc -> /` or `etc -> ../../../../etc`. If the runtime naively mounts onto
 * `<rootfs>/proc`, the kernel follows the link and mounts over the *host's* path.
 * Real runtimes have shipped exactly this bug (runc CVE-2021-30465, a race on mount
 * targets). The kit resolves every mount target with openat2(2) and RESOLVE_IN_ROOT,
 * which makes the kernel treat the rootfs as `/` while walking the path, so no `..` or
 * symlink can climb out; the resulting O_PATH fd is then mounted on through
 * `/proc/self/fd/N`, so nothing can swap the path between check and use.
 *
 * Man pages: mount(2), umount2(2), openat2(2), mount_namespaces(7).
 * Lab: labs/02-rootfs.
 */
#pragma once

#include <sys/mount.h>

#include <string>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::sys {

/// mount(2), with an error that names source, target and type.
Result<void> mount_fs(const std::string& source, const std::string& target, const std::string& type,
                      unsigned long flags, const std::string& data = {});

/// The path through which an O_PATH fd can be used as a mount target.
std::string fd_path(int fd);

/// What a missing path inside a root should be created as.
enum class CreateAs { nothing, directory, file };

/// Opens `path` inside the directory `root_fd` as O_PATH, resolving it as if root_fd
/// were `/` (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). Missing components are
/// created as directories (and the last one as `create`), each creation itself done
/// inside the root. `shown` is the path used in error messages.
Result<UniqueFd> open_in_root(int root_fd, const std::string& path, CreateAs create, const std::string& shown);

/// A mount that is detached (umount2 MNT_DETACH) when this object dies, unless
/// released: used for mounts on the host side, never inside a container's namespace.
class ScopedMount {
 public:
  ScopedMount() = default;
  explicit ScopedMount(std::string target) : target_(std::move(target)) {}
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  ScopedMount(ScopedMount&& o) noexcept : target_(std::move(o.target_)) { o.target_.clear(); }
  ScopedMount& operator=(ScopedMount&& o) noexcept;
  ~ScopedMount();
  void release() { target_.clear(); }

 private:
  std::string target_;
};

}  // namespace minirun::sys
