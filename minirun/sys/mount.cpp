/**
 * @file mount.cpp
 * @brief mount(2) wrappers and in-root path resolution (see mount.hpp).
 */
#include "minirun/sys/mount.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace minirun::sys {

Result<void> mount_fs(const std::string& source, const std::string& target, const std::string& type,
                      unsigned long flags, const std::string& data) {
  if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(),
              flags, data.empty() ? nullptr : data.c_str()) < 0) {
    std::string what = "mount";
    if (!type.empty()) what += " " + type;
    if (!source.empty() && source != type) what += " `" + source + "`";
    return Error::from_errno(what + " on", target);
  }
  return ok();
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

static int openat2_in_root(int root_fd, const char* path, int flags) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, path, &how, sizeof how));
}

Result<UniqueFd> open_in_root(int root_fd, const std::string& path, CreateAs create, const std::string& shown) {
  int fd = openat2_in_root(root_fd, path.c_str(), O_PATH);
  if (fd >= 0) return UniqueFd(fd);
  if (errno != ENOENT || create == CreateAs::nothing) return Error::from_errno("openat2", shown);

  // Walk the path one component at a time, creating what is missing. Each step is
  // relative to the fd of the previous one, which was itself resolved in the root.
  UniqueFd dir(openat2_in_root(root_fd, "/", O_PATH | O_DIRECTORY));
  if (!dir) return Error::from_errno("openat2", shown);
  size_t pos = 0;
  while (pos < path.size()) {
    while (pos < path.size() && path[pos] == '/') ++pos;
    if (pos >= path.size()) break;
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string name = path.substr(pos, end - pos);
    bool last = path.find_first_not_of('/', end) == std::string::npos;
    // Resolve "so far" again from the root: a component may be a symlink, and it must
    // be followed as if the rootfs were `/`.
    std::string so_far = path.substr(0, end);
    int next = openat2_in_root(root_fd, so_far.c_str(), O_PATH);
    if (next < 0 && errno == ENOENT) {
      if (last && create == CreateAs::file) {
        // mknodat/openat need a real directory fd, not O_PATH: reopen the parent.
        UniqueFd parent(openat2_in_root(root_fd, path.substr(0, pos).c_str(), O_RDONLY | O_DIRECTORY));
        if (!parent) return Error::from_errno("openat2", shown);
        int created = ::openat(parent.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (created < 0 && errno != EEXIST) return Error::from_errno("create", shown);
        if (created >= 0) ::close(created);
      } else {
        UniqueFd parent(openat2_in_root(root_fd, path.substr(0, pos).c_str(), O_RDONLY | O_DIRECTORY));
        if (!parent) return Error::from_errno("openat2", shown);
        if (::mkdirat(parent.get(), name.c_str(), 0755) < 0 && errno != EEXIST) {
          return Error::from_errno("mkdir", shown);
        }
      }
      next = openat2_in_root(root_fd, so_far.c_str(), O_PATH);
    }
    if (next < 0) return Error::from_errno("openat2", shown);
    dir.reset(next);
    pos = end;
  }
  return dir;
}

ScopedMount& ScopedMount::operator=(ScopedMount&& o) noexcept {
  if (this != &o) {
    if (!target_.empty()) ::umount2(target_.c_str(), MNT_DETACH);
    target_ = std::move(o.target_);
    o.target_.clear();
  }
  return *this;
}

ScopedMount::~ScopedMount() {
  if (!target_.empty()) ::umount2(target_.c_str(), MNT_DETACH);
}

}  // namespace minirun::sys
