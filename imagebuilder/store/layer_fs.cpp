/**
 * @file layer_fs.cpp
 * @brief openat2-confined directory opening and removal; see layer_fs.hpp.
 */
#include "imagebuilder/store/layer_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace imagebuilder::store {

using minirun::sys::Error;
using minirun::sys::Result;
using minirun::sys::UniqueFd;

namespace {

constexpr unsigned long long kConfined =
    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;

int openat2_confined(int root_fd, const char* path, int flags) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = kConfined;
  for (;;) {
    int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, path, &how, sizeof how));
    // EAGAIN: a concurrent rename elsewhere on the system; the kernel asks for a retry.
    if (fd >= 0 || errno != EAGAIN) return fd;
  }
}

/// Why `path` could not be opened as a directory: walks it one component at a time to
/// name the component that is a symlink or not a directory.
Error explain_failure(int root_fd, const std::string& path, int saved_errno) {
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string so_far = path.substr(0, end);
    struct stat st {};
    if (::fstatat(root_fd, so_far.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) break;
    if (S_ISLNK(st.st_mode)) {
      return Error("`" + so_far + "` is a symlink, and a layer may not write through a symlink");
    }
    if (!S_ISDIR(st.st_mode)) return Error("`" + so_far + "` is not a directory");
    pos = end + 1;
  }
  return Error::from_errno("openat2", path, saved_errno);
}

}  // namespace

Result<UniqueFd> open_dir_beneath(int root_fd, const std::string& path, bool create) {
  const char* p = path.empty() ? "." : path.c_str();
  int fd = openat2_confined(root_fd, p, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) return UniqueFd(fd);
  if (errno != ENOENT || !create) return explain_failure(root_fd, path, errno);

  // Create what is missing, one component at a time, each relative to the fd of its
  // (already confined) parent, and each opened again with the same rules.
  UniqueFd dir(openat2_confined(root_fd, ".", O_RDONLY | O_DIRECTORY));
  if (!dir) return Error::from_errno("open layer root", ".");
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    std::string name = path.substr(pos, end - pos);
    int next = openat2_confined(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY);
    if (next < 0 && errno == ENOENT) {
      if (::mkdirat(dir.get(), name.c_str(), 0755) < 0 && errno != EEXIST) {
        return Error::from_errno("mkdir", path.substr(0, end));
      }
      next = openat2_confined(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY);
    }
    if (next < 0) return explain_failure(root_fd, path.substr(0, end), errno);
    dir.reset(next);
    pos = end + 1;
  }
  return dir;
}

Result<void> remove_entry_at(int dir_fd, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return minirun::sys::ok();
    return Error::from_errno("fstatat", shown);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) < 0 && errno != ENOENT) return Error::from_errno("unlink", shown);
    return minirun::sys::ok();
  }
  struct stat parent {};
  if (::fstat(dir_fd, &parent) < 0) return Error::from_errno("fstat", shown);
  // A mount point inside the tree is not the layer's to empty.
  if (parent.st_dev != st.st_dev) return Error("`" + shown + "` is a mount point; not removing it");
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::from_errno("open", shown);
  UniqueFd child(fd);
  if (auto r = remove_children_except(child.get(), shown, [](const std::string&) { return false; }); !r) return r;
  if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) return Error::from_errno("rmdir", shown);
  return minirun::sys::ok();
}

Result<void> remove_children_except(int dir_fd, const std::string& path,
                                    const std::function<bool(const std::string&)>& keep) {
  int dup_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return Error::from_errno("dup", path);
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    ::close(dup_fd);
    return Error::from_errno("fdopendir", path);
  }
  // Names first, removal after: unlinking while readdir(3) runs may skip entries.
  std::vector<std::string> names;
  while (dirent* d = ::readdir(dir)) {
    std::string_view name = d->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  for (const auto& name : names) {
    std::string child_path = path.empty() ? name : path + "/" + name;
    if (!keep(child_path)) {
      if (auto r = remove_entry_at(dir_fd, name, child_path); !r) return r;
      continue;
    }
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;  // a kept file or symlink: nothing below it
    UniqueFd child(fd);
    if (auto r = remove_children_except(child.get(), child_path, keep); !r) return r;
  }
  return minirun::sys::ok();
}

}  // namespace imagebuilder::store
