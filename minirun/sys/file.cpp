/**
 * @file file.cpp
 * @brief Small file helpers that report errors the kit's way (see file.hpp).
 */
#include "minirun/sys/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>  // renameat2, RENAME_EXCHANGE
#include <cstdlib>

namespace minirun::sys {

Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Error::from_errno("open", path);
  return UniqueFd(fd);
}

Result<std::string> read_file(const std::string& path) {
  auto fd = open_file(path, O_RDONLY);
  if (!fd) return std::move(fd.error());
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno("read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<void> write_file(const std::string& path, std::string_view data, int flags, mode_t mode) {
  auto fd = open_file(path, flags, mode);
  if (!fd) return std::move(fd.error());
  ssize_t n = ::write(fd->get(), data.data(), data.size());
  if (n < 0) return Error::from_errno("write", path);
  if (static_cast<size_t>(n) != data.size()) return Error("short write to `" + path + "`", EIO);
  return ok();
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp";
  MINIRUN_TRY(write_file(tmp, data, O_WRONLY | O_TRUNC | O_CREAT, mode), "write state");
  // Swap the new file in with RENAME_EXCHANGE and then unlink the old one, rather than
  // rename(2) over it: for readers the two are the same (one atomic step, old or new
  // content, never half), but ext4 treats a rename over an existing file as "replace
  // via rename" (its auto_da_alloc heuristic) and allocates the new file's blocks at
  // once, and then frees the old file's blocks, which on a disk mounted with `discard`
  // (this VM's) waits for a TRIM: ~340 us per write against ~35 us here, and state.json
  // is rewritten half a dozen times per `run`. The price: after a power cut, a file
  // written shortly before may read as empty (ext4 had not written its data yet); the
  // readers of state files treat that as state lost with the machine.
  // Only a regular file is swapped: exchanging with a directory (or a symlink) would
  // move *it* to the temporary name, where rename(2) refuses with an error instead.
  struct stat existing {};
  const bool replace = ::lstat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode);
  if (replace && ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    ::unlink(tmp.c_str());  // now the old content
    return ok();
  }
  // A new file, something other than a file in the way (the error says so), or a
  // filesystem without RENAME_EXCHANGE (EINVAL).
  if (::rename(tmp.c_str(), path.c_str()) < 0) {
    Error e = Error::from_errno("rename", tmp + "` to `" + path);
    ::unlink(tmp.c_str());
    return e;
  }
  return ok();
}

Result<void> write_file_swapping(const std::string& path, const std::string& spare, std::string_view data,
                                 mode_t mode) {
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) < 0 || !S_ISREG(existing.st_mode)) return write_file_atomic(path, data, mode);
  // Overwrite the spare from the start and cut it to the new length, never to zero
  // first: a truncation to zero makes ext4 flush the file's blocks at close (its
  // "replace via truncate" heuristic). No reader opens the spare, so its state while
  // being rewritten does not matter.
  auto fd = open_file(spare, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
  if (!fd) return std::move(fd.error()).context("write state");
  if (::fchmod(fd->get(), mode) < 0) return Error::from_errno("fchmod", spare);
  ssize_t n = ::pwrite(fd->get(), data.data(), data.size(), 0);
  if (n < 0) return Error::from_errno("write", spare);
  if (static_cast<size_t>(n) != data.size()) return Error("short write to `" + spare + "`", EIO);
  if (::ftruncate(fd->get(), static_cast<off_t>(data.size())) < 0) return Error::from_errno("ftruncate", spare);
  fd->reset();
  if (::renameat2(AT_FDCWD, spare.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) return ok();
  ::unlink(spare.c_str());
  return write_file_atomic(path, data, mode);  // e.g. EINVAL: no RENAME_EXCHANGE here
}

bool same_file(const std::string& path, const struct stat& before) {
  struct stat now{};
  return ::stat(path.c_str(), &now) == 0 && now.st_dev == before.st_dev && now.st_ino == before.st_ino &&
         now.st_size == before.st_size && now.st_mtim.tv_sec == before.st_mtim.tv_sec &&
         now.st_mtim.tv_nsec == before.st_mtim.tv_nsec;
}

Result<void> make_directories(const std::string& path, mode_t mode) {
  if (path.empty()) return Error("make_directories: empty path");
  // Usually the whole path exists already, and one mkdir(2) says so; the components are
  // made one by one from the top only when a parent is missing.
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return ok();
  if (errno != ENOENT) return Error::from_errno("mkdir", path);
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty() || partial == "/") continue;
    if (::mkdir(partial.c_str(), mode) < 0 && errno != EEXIST) {
      return Error::from_errno("mkdir", partial);
    }
  }
  return ok();
}

Result<void> remove_tree(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return ok();
    return Error::from_errno("lstat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return Error::from_errno("opendir", path);
    while (struct dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::string child = path + "/" + name;
      struct stat cst{};
      // Never descend into another filesystem: a leftover mount inside a state
      // directory must fail the removal loudly, not have its contents deleted.
      if (::lstat(child.c_str(), &cst) == 0 && S_ISDIR(cst.st_mode) && cst.st_dev != st.st_dev) {
        ::closedir(dir);
        return Error("refusing to remove `" + child + "`: it is a mount point", EBUSY);
      }
      auto r = remove_tree(child);
      if (!r) {
        ::closedir(dir);
        return r;
      }
    }
    ::closedir(dir);
    if (::rmdir(path.c_str()) < 0) return Error::from_errno("rmdir", path);
  } else if (::unlink(path.c_str()) < 0) {
    return Error::from_errno("unlink", path);
  }
  return ok();
}

bool path_exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

Result<std::vector<std::string>> list_directory(int dir_fd, const std::string& shown) {
  // fdopendir takes the fd over (closedir closes it), so it gets a duplicate; the
  // duplicate shares the file position, hence the rewind.
  int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return Error::from_errno("dup", shown);
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    int saved = errno;
    ::close(copy);
    return Error::from_errno("opendir", shown, saved);
  }
  ::rewinddir(dir);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
    errno = 0;
  }
  int saved = errno;
  ::closedir(dir);
  if (saved != 0) return Error::from_errno("readdir", shown, saved);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace minirun::sys
