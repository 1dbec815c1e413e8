/**
 * @file rootfs.cpp
 * @brief The container's mounts, /dev, masked and read-only paths (see rootfs.hpp).
 */
#include "minirun/runtime/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "minirun/sys/file.hpp"
#include "minirun/sys/mount.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

using sys::CreateAs;
using sys::Error;
using sys::UniqueFd;

namespace {

/// The per-mount flags a remount must repeat. In a user namespace the kernel "locks"
/// these on mounts inherited from the host: a remount that omits them fails with EPERM
/// (mount_namespaces(7), "restrictions on mount namespaces").
unsigned long locked_flags(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) < 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

/// Remounts a bind mount with the flags the config asked for (a bind mount ignores
/// all flags but MS_REC on the first call: read-only needs a second, remount, call).
Result<void> remount_bind(const std::string& target, unsigned long flags, const std::string& shown) {
  unsigned long wanted = flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  if (wanted == 0) return sys::ok();
  auto r = sys::mount_fs("", target, "", MS_BIND | MS_REMOUNT | wanted | locked_flags(target));
  if (!r) return std::move(r.error()).context("remount " + shown);
  return sys::ok();
}

Result<void> mount_one(int root_fd, const Mount& m) {
  CreateAs create = CreateAs::directory;
  if (m.bind) {
    struct stat st {};
    if (::stat(m.source.c_str(), &st) < 0) return Error::from_errno("stat bind source", m.source);
    if (!S_ISDIR(st.st_mode)) create = CreateAs::file;
  }
  auto target_fd = sys::open_in_root(root_fd, m.destination, create, m.destination);
  if (!target_fd) return std::move(target_fd.error());
  std::string target = sys::fd_path(target_fd->get());

  if (m.bind) {
    unsigned long flags = MS_BIND | (m.recursive_bind ? MS_REC : 0);
    auto r = sys::mount_fs(m.source, target, "", flags);
    if (!r) return std::move(r.error());
  } else {
    auto r = sys::mount_fs(m.source.empty() ? m.type : m.source, target, m.type, m.flags, m.data);
    if (!r) return std::move(r.error());
  }
  if ((m.bind && (m.flags & ~(MS_BIND | MS_REC))) || m.propagation != 0) {
    // The fd above names the directory *under* the new mount; a remount or a
    // propagation change must name the new mount itself, so resolve the path again.
    auto mounted = sys::open_in_root(root_fd, m.destination, CreateAs::nothing, m.destination);
    if (!mounted) return std::move(mounted.error());
    std::string top = sys::fd_path(mounted->get());
    if (m.bind) MINIRUN_TRY(remount_bind(top, m.flags, m.destination), "bind");
    if (m.propagation != 0) MINIRUN_TRY(sys::mount_fs("", top, "", m.propagation), "set propagation");
  }
  return sys::ok();
}

/// The cgroup tree inside the container: the container's *own* cgroup directories,
/// where the container expects the hierarchy roots. So `cat
/// /sys/fs/cgroup/memory/memory.limit_in_bytes` inside shows the container's own limit,
/// and nothing above it is reachable. In a cgroup namespace rooted at the container's
/// cgroup (`fresh`), each v1 hierarchy is simply mounted: the kernel roots the new mount
/// at the namespace's root. Otherwise, and on v2, the directory is bound and remounted
/// read-only.
Result<void> mount_cgroups(int root_fd, const Mount& m, const CgroupBinds& cgroups, const CgroupControllers* fresh) {
  auto dest_fd = sys::open_in_root(root_fd, m.destination, CreateAs::directory, m.destination);
  if (!dest_fd) return std::move(dest_fd.error());
  std::string dest = sys::fd_path(dest_fd->get());
  unsigned long ro = m.flags & MS_RDONLY;
  unsigned long flags = m.flags & ~MS_RDONLY;

  auto v2 = cgroups.find("");
  if (v2 != cgroups.end()) {
    MINIRUN_TRY(sys::mount_fs(v2->second, dest, "", MS_BIND), "cgroup mount " + m.destination);
    auto mounted = sys::open_in_root(root_fd, m.destination, CreateAs::nothing, m.destination);
    if (!mounted) return std::move(mounted.error());
    return remount_bind(sys::fd_path(mounted->get()), flags | ro, m.destination);
  }
  // v1: a small tmpfs holding one directory per hierarchy.
  MINIRUN_TRY(sys::mount_fs("tmpfs", dest, "tmpfs", flags, "mode=755"), "cgroup mount " + m.destination);
  for (const auto& [name, host_dir] : cgroups) {
    std::string inner = m.destination + "/" + name;
    auto fd = sys::open_in_root(root_fd, inner, CreateAs::directory, inner);
    if (!fd) return std::move(fd.error());
    std::string target = sys::fd_path(fd->get());
    const unsigned long inner_flags = flags | ro | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (fresh != nullptr) {
      // In its own cgroup namespace the hierarchy mounted anew is rooted at the
      // container's cgroup (cgroup_namespaces(7)). Should the kernel refuse (an
      // unusual hierarchy), the bind below still gives the same view.
      auto controllers = fresh->find(name);
      if (controllers != fresh->end() && sys::mount_fs("cgroup", target, "cgroup", inner_flags, controllers->second))
        continue;
    }
    MINIRUN_TRY(sys::mount_fs(host_dir, target, "", MS_BIND), "cgroup mount " + inner);
    auto mounted = sys::open_in_root(root_fd, inner, CreateAs::nothing, inner);
    if (!mounted) return std::move(mounted.error());
    MINIRUN_TRY(remount_bind(sys::fd_path(mounted->get()), inner_flags, inner), "cgroup");
  }
  if (ro) {
    auto tmpfs = sys::open_in_root(root_fd, m.destination, CreateAs::nothing, m.destination);
    if (!tmpfs) return std::move(tmpfs.error());
    MINIRUN_TRY(sys::mount_fs("", sys::fd_path(tmpfs->get()), "", MS_REMOUNT | flags | ro, "mode=755"),
                "cgroup tmpfs read-only");
  }
  return sys::ok();
}

struct DefaultDevice {
  const char* name;
  unsigned major, minor;
};
// The only device nodes a container gets by default (as in runc and Docker).
constexpr DefaultDevice kDefaultDevices[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

Result<void> make_device(int root_fd, const std::string& path, mode_t type, unsigned major, unsigned minor,
                         mode_t mode, uid_t uid, gid_t gid, bool bind_instead) {
  auto slash = path.rfind('/');
  std::string dir = path.substr(0, slash == 0 ? 1 : slash), name = path.substr(slash + 1);
  auto dir_path = sys::open_in_root(root_fd, dir, CreateAs::directory, dir);
  if (!dir_path) return std::move(dir_path.error());
  UniqueFd dir_fd(::open(sys::fd_path(dir_path->get()).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return Error::from_errno("open", dir);
  if (bind_instead) {
    // mknod(2) needs CAP_MKNOD in the initial user namespace: bind the host's node.
    int fd = ::openat(dir_fd.get(), name.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return Error::from_errno("create", path);
    ::close(fd);
    auto target = sys::open_in_root(root_fd, path, CreateAs::nothing, path);
    if (!target) return std::move(target.error());
    return sys::mount_fs(path, sys::fd_path(target->get()), "", MS_BIND);
  }
  ::unlinkat(dir_fd.get(), name.c_str(), 0);
  if (::mknodat(dir_fd.get(), name.c_str(), type | (mode & 07777), makedev(major, minor)) < 0) {
    return Error::from_errno("mknod", path);
  }
  // mknod(2) applies the umask: set the mode the config asked for explicitly.
  if (::fchmodat(dir_fd.get(), name.c_str(), mode & 07777, 0) < 0) return Error::from_errno("chmod", path);
  if (::fchownat(dir_fd.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
    return Error::from_errno("chown", path);
  }
  return sys::ok();
}

bool has_dev_tmpfs(const Spec& spec) {
  for (const auto& m : spec.mounts)
    if (m.destination == "/dev" && m.type == "tmpfs") return true;
  return false;
}

bool has_mount(const Spec& spec, const char* destination) {
  for (const auto& m : spec.mounts)
    if (m.destination == destination) return true;
  return false;
}

}  // namespace

Result<void> make_mounts_private(const std::string& propagation) {
  unsigned long flags = MS_REC | MS_PRIVATE;
  if (propagation == "slave" || propagation == "rslave") flags = MS_SLAVE | (propagation[0] == 'r' ? MS_REC : 0);
  else if (propagation == "shared" || propagation == "rshared") flags = MS_SHARED | (propagation[0] == 'r' ? MS_REC : 0);
  else if (propagation == "unbindable" || propagation == "runbindable") flags = MS_UNBINDABLE | MS_REC;
  else if (propagation == "private") flags = MS_PRIVATE;
  return sys::mount_fs("", "/", "", flags);
}

Result<void> bind_rootfs(const std::string& rootfs) {
  return sys::mount_fs(rootfs, rootfs, "", MS_BIND | MS_REC);
}

size_t first_cgroup_mount(const Spec& spec) {
  for (size_t i = 0; i < spec.mounts.size(); ++i)
    if (spec.mounts[i].type == "cgroup" || spec.mounts[i].type == "cgroup2") return i;
  return spec.mounts.size();
}

Result<int> mount_config_mounts(const Spec& spec, const CgroupBinds& cgroups, size_t first, size_t last,
                                const CgroupControllers* fresh) {
  if (first >= last) return 0;
  UniqueFd root_fd(::open(spec.root.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return Error::from_errno("open", spec.root.path);
  int count = 0;
  for (size_t i = first; i < last && i < spec.mounts.size(); ++i) {
    const Mount& m = spec.mounts[i];
    Result<void> r = (m.type == "cgroup" || m.type == "cgroup2") ? mount_cgroups(root_fd.get(), m, cgroups, fresh)
                                                                 : mount_one(root_fd.get(), m);
    if (!r) return std::move(r.error()).context("mounts[" + std::to_string(i) + "] (" + m.destination + ")");
    ++count;
  }
  return count;
}

Result<int> create_devices(const Spec& spec, bool in_user_namespace) {
  UniqueFd root_fd(::open(spec.root.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return Error::from_errno("open", spec.root.path);
  int count = 0;
  if (has_dev_tmpfs(spec)) {
    for (const auto& d : kDefaultDevices) {
      std::string path = std::string("/dev/") + d.name;
      MINIRUN_TRY(make_device(root_fd.get(), path, S_IFCHR, d.major, d.minor, 0666, 0, 0, in_user_namespace),
                  "default device " + path);
      ++count;
    }
    auto dev = sys::open_in_root(root_fd.get(), "/dev", CreateAs::directory, "/dev");
    if (!dev) return std::move(dev.error());
    UniqueFd dev_fd(::open(sys::fd_path(dev->get()).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dev_fd) return Error::from_errno("open", "/dev");
    struct Link {
      const char* name;
      const char* target;
    };
    const Link links[] = {{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
                          {"stderr", "/proc/self/fd/2"}};
    for (const auto& l : links) {
      if (::symlinkat(l.target, dev_fd.get(), l.name) < 0 && errno != EEXIST) {
        return Error::from_errno("symlink", std::string("/dev/") + l.name);
      }
    }
    if (has_mount(spec, "/dev/pts") && ::symlinkat("pts/ptmx", dev_fd.get(), "ptmx") < 0 && errno != EEXIST) {
      return Error::from_errno("symlink", "/dev/ptmx");
    }
  }
  for (size_t i = 0; i < spec.linux.devices.size(); ++i) {
    const Device& d = spec.linux.devices[i];
    mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
    auto r = make_device(root_fd.get(), d.path, type, static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor),
                         d.file_mode.value_or(0666), d.uid.value_or(0), d.gid.value_or(0), in_user_namespace);
    if (!r) return std::move(r.error()).context("linux.devices[" + std::to_string(i) + "]");
    ++count;
  }
  return count;
}

std::vector<DeviceRule> device_cgroup_rules(const Spec& spec) {
  std::vector<DeviceRule> rules;
  if (spec.linux.resources) rules = spec.linux.resources->devices;
  auto allow = [&](char type, std::optional<int64_t> major, std::optional<int64_t> minor, const char* access) {
    rules.push_back(DeviceRule{true, type, major, minor, access});
  };
  for (const auto& d : kDefaultDevices) allow('c', d.major, d.minor, "rwm");
  allow('c', 5, 2, "rwm");              // /dev/ptmx
  allow('c', 136, std::nullopt, "rwm");  // /dev/pts/N
  for (const auto& d : spec.linux.devices) allow(d.type == 'p' ? 'c' : d.type, d.major, d.minor, "rwm");
  return rules;
}

Result<void> make_root_readonly() {
  return sys::mount_fs("", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"));
}

Result<int> mask_paths(const std::vector<std::string>& paths) {
  int count = 0;
  for (const auto& p : paths) {
    struct stat st {};
    if (::stat(p.c_str(), &st) < 0) {
      if (errno == ENOENT) continue;  // nothing to hide
      return Error::from_errno("stat masked path", p);
    }
    // A file is covered by /dev/null (reads return nothing), a directory by an empty
    // read-only tmpfs; either way the content is unreachable.
    auto r = S_ISDIR(st.st_mode) ? sys::mount_fs("tmpfs", p, "tmpfs", MS_RDONLY, "size=0")
                                 : sys::mount_fs("/dev/null", p, "", MS_BIND);
    if (!r) return std::move(r.error()).context("linux.maskedPaths");
    ++count;
  }
  return count;
}

Result<int> make_paths_readonly(const std::vector<std::string>& paths) {
  int count = 0;
  for (const auto& p : paths) {
    if (!sys::path_exists(p)) continue;
    auto r = sys::mount_fs(p, p, "", MS_BIND | MS_REC);
    if (!r) return std::move(r.error()).context("linux.readonlyPaths");
    r = sys::mount_fs("", p, "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(p));
    if (!r) return std::move(r.error()).context("linux.readonlyPaths");
    ++count;
  }
  return count;
}

}  // namespace minirun::runtime
