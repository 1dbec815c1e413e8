/**
 * @file volumes.cpp
 * @brief The local volume driver: a directory, a volume.json, a lock (see volumes.hpp).
 *
 * Read create() first: mkdir is the commit point, flock(2) on the volume directory
 * orders everyone who found it, and volume.json appears by rename(2). remove() takes
 * the same lock, renames the directory out of the way and deletes it with
 * remove_tree_at(), which walks by fds and never follows a link.
 */
#include "minirun/engine/volumes.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "minirun/engine/copy_files.hpp"
#include "minirun/engine/mount_specs.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/mount.hpp"
#include "minirun/sys/stamps.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::engine {

using nlohmann::json;
using sys::Error;
using sys::ok;
using sys::UniqueFd;

namespace {

constexpr const char* kStateFile = "volume.json";
constexpr const char* kDataDir = "_data";
/// Prefix of a volume being deleted; `.` can never start a volume name.
constexpr const char* kRemovingPrefix = ".removing-";
/// Rounds of "mkdir, open, lock" before giving up when another process keeps removing
/// the same name between our mkdir and our lock.
constexpr int kCreateAttempts = 8;

/// `bytes` random bytes from /dev/urandom, as lowercase hex.
Result<std::string> random_hex(size_t bytes) {
  auto fd = sys::open_file("/dev/urandom", O_RDONLY);
  if (!fd) return std::move(fd).error();
  std::string raw(bytes, '\0');
  for (size_t done = 0; done < bytes;) {
    ssize_t n = ::read(fd->get(), raw.data() + done, bytes - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::from_errno("read", "/dev/urandom", n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xf];
  }
  return hex;
}

/// Whole seconds, as `docker volume inspect` shows CreatedAt: sys::now_rfc3339 (the
/// containers' times, with nanoseconds like Docker's) cut after the seconds.
std::string volume_created_at() { return sys::now_rfc3339().substr(0, 19) + "Z"; }

std::string absolute_path(std::string path) {
  if (!path.empty() && path.front() == '/') return path;
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return path;  // left relative; errors will name it
  return std::string(cwd) + "/" + path;
}


/// Removes `name` in `parent_fd` and everything below it. Each directory is opened
/// O_NOFOLLOW relative to its parent's fd, so a link a container left (or swaps in
/// while this runs) is unlinked, never followed; another filesystem is refused.
Result<void> remove_tree_at(int parent_fd, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return ok();
    return Error::from_errno("stat", shown);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name.c_str(), 0) < 0 && errno != ENOENT) return Error::from_errno("unlink", shown);
    return ok();
  }
  struct stat parent {};
  if (::fstat(parent_fd, &parent) < 0) return Error::from_errno("stat", shown);
  UniqueFd dir(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return Error::from_errno("open", shown);
  struct stat opened {};
  if (::fstat(dir.get(), &opened) < 0) return Error::from_errno("stat", shown);
  if (opened.st_dev != parent.st_dev) return Error("refusing to delete `" + shown + "`: it is a mount point", EBUSY);
  auto names = sys::list_directory(dir.get(), shown);
  if (!names) return std::move(names).error();
  for (const std::string& child : *names) {
    auto removed = remove_tree_at(dir.get(), child, shown + "/" + child);
    if (!removed) return removed;
  }
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) < 0) return Error::from_errno("rmdir", shown);
  return ok();
}

/// flock(2) LOCK_EX, waiting; released when the fd is closed (also by a crash).
Result<void> lock_directory(int dir_fd, const std::string& shown) {
  while (::flock(dir_fd, LOCK_EX) < 0) {
    if (errno != EINTR) return Error::from_errno("flock", shown);
  }
  return ok();
}

/// True when `name` in `root_fd` is still the directory `dir_fd` holds: between our
/// open and our lock, a remover may have renamed it away (and a creator made a new one).
bool still_named(int root_fd, const std::string& name, int dir_fd) {
  struct stat by_name {}, held {};
  if (::fstatat(root_fd, name.c_str(), &by_name, AT_SYMLINK_NOFOLLOW) < 0) return false;
  if (::fstat(dir_fd, &held) < 0) return false;
  return by_name.st_dev == held.st_dev && by_name.st_ino == held.st_ino;
}

json state_json(const Volume& volume) {
  json state = volume.to_json();
  state.erase("Options");
  state["Anonymous"] = volume.anonymous;
  return state;
}

/// volume.json.tmp, then renameat(2): a reader sees the whole file or none. Only the
/// holder of the volume's lock writes, so the temporary name needs no uniqueness.
Result<void> write_state_at(int dir_fd, const std::string& text, const std::string& shown) {
  const std::string temporary = std::string(kStateFile) + ".tmp";
  UniqueFd fd(::openat(dir_fd, temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Error::from_errno("create", shown + ".tmp");
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = Error::from_errno("write", shown + ".tmp");
      ::unlinkat(dir_fd, temporary.c_str(), 0);
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::renameat(dir_fd, temporary.c_str(), dir_fd, kStateFile) < 0) {
    Error e = Error::from_errno("rename", shown + ".tmp");
    ::unlinkat(dir_fd, temporary.c_str(), 0);
    return e;
  }
  return ok();
}

/// Seeds `volume_data` from the open directory `source` (see seed_volume_from_image).
Result<void> seed_from_directory(const std::string& volume_data, int source, const std::string& source_shown) {
  UniqueFd dest(::open(volume_data.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dest) return Error::from_errno("open volume data", volume_data);
  // Two containers starting at once with the same new volume: the second waits, then
  // finds the volume no longer empty and copies nothing.
  MINIRUN_TRY(lock_directory(dest.get(), volume_data), "seed volume");
  auto names = sys::list_directory(dest.get(), volume_data);
  if (!names) return std::move(names).error().context("seed volume");
  if (!names->empty()) return ok();
  CopyOptions keep_everything;
  keep_everything.archive = true;
  MINIRUN_TRY(copy_directory_contents(source, source_shown, dest.get(), volume_data, keep_everything),
              "seed volume `" + volume_data + "` from `" + source_shown + "`");
  // Docker's copyOwnership: the volume's root takes the mount target's owner and mode,
  // so `postgres` can write to a volume mounted on its own 0700 data directory.
  struct stat st {};
  if (::fstat(source, &st) < 0) return Error::from_errno("stat", source_shown);
  if (::fchown(dest.get(), st.st_uid, st.st_gid) < 0) return Error::from_errno("chown", volume_data);
  if (::fchmod(dest.get(), st.st_mode & 07777) < 0) return Error::from_errno("chmod", volume_data);
  return ok();
}

}  // namespace

json Volume::to_json() const {
  return json{{"Name", name},          {"Driver", "local"},   {"Mountpoint", mountpoint}, {"CreatedAt", created_at},
              {"Labels", json(labels)}, {"Scope", "local"}, {"Options", nullptr}};
}

Result<void> validate_volume_name(const std::string& name) {
  // The character rule is the one `-v NAME:/dst` is parsed by (mount_specs.hpp); the
  // length cap is ours: the name is one directory entry (NAME_MAX).
  if (is_valid_volume_name(name) && name.size() <= 255) return ok();
  return Error("invalid volume name `" + name +
               "`: use two to 255 characters from [a-zA-Z0-9_.-], starting with a letter or digit "
               "(to mount a host directory instead, give an absolute path)");
}

VolumeStore::VolumeStore(std::string root) : root_(absolute_path(std::move(root))) {}

Result<Volume> VolumeStore::read_volume(const std::string& name) const {
  const std::string path = volume_dir(name) + "/" + kStateFile;
  auto text = sys::read_file(path);
  if (!text) {
    if (text.error().code() == ENOENT || text.error().code() == ENOTDIR) return Error("no such volume: " + name);
    return std::move(text).error();
  }
  json state = json::parse(*text, nullptr, false);
  if (state.is_discarded() || !state.is_object()) return Error("volume state `" + path + "` is not a JSON object");
  Volume volume;
  volume.name = name;
  // Computed, not read: a data root that moved still gives the right path.
  volume.mountpoint = volume_dir(name) + "/" + kDataDir;
  try {
    volume.created_at = state.value("CreatedAt", "");
    volume.anonymous = state.value("Anonymous", false);
    if (state.contains("Labels") && !state["Labels"].is_null()) {
      volume.labels = state["Labels"].get<std::map<std::string, std::string>>();
    }
  } catch (const json::exception& e) {
    return Error("volume state `" + path + "`: " + e.what());
  }
  return volume;
}

Result<Volume> VolumeStore::create(const std::string& name, const std::map<std::string, std::string>& labels,
                                   bool* created) {
  std::string actual = name;
  if (actual.empty()) {
    auto id = random_hex(32);
    if (!id) return std::move(id).error().context("name an anonymous volume");
    actual = *id;
  } else {
    MINIRUN_TRY(validate_volume_name(actual), "volume create");
  }
  MINIRUN_TRY(sys::make_directories(root_, 0700), "volume create: make the volume store");
  UniqueFd root_fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return Error::from_errno("open", root_).context("volume create");
  const std::string dir_path = volume_dir(actual);

  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    // The commit point: exactly one process makes this directory.
    if (::mkdirat(root_fd.get(), actual.c_str(), 0700) < 0 && errno != EEXIST) {
      return Error::from_errno("mkdir", dir_path).context("volume create");
    }
    UniqueFd dir(::openat(root_fd.get(), actual.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
      if (errno == ENOENT) continue;  // removed between our mkdir and our open
      return Error::from_errno("open", dir_path).context("volume create");
    }
    MINIRUN_TRY(lock_directory(dir.get(), dir_path), "volume create");
    if (!still_named(root_fd.get(), actual, dir.get())) continue;

    struct stat st {};
    if (::fstatat(dir.get(), kStateFile, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (created != nullptr) *created = false;
      return read_volume(actual);
    }
    // No volume.json while we hold the lock: either we just made the directory, or a
    // creator died before finishing. Either way, start the data directory afresh.
    MINIRUN_TRY(remove_tree_at(dir.get(), kDataDir, dir_path + "/" + kDataDir), "volume create: clean a half-made volume");
    if (::mkdirat(dir.get(), kDataDir, 0755) < 0) {
      return Error::from_errno("mkdir", dir_path + "/" + kDataDir).context("volume create");
    }
    // Exactly 0755 whatever the umask: containers running as any user must reach it.
    if (::fchmodat(dir.get(), kDataDir, 0755, 0) < 0) {
      return Error::from_errno("chmod", dir_path + "/" + kDataDir).context("volume create");
    }
    Volume volume;
    volume.name = actual;
    volume.mountpoint = dir_path + "/" + kDataDir;
    volume.created_at = volume_created_at();
    volume.labels = labels;
    volume.anonymous = name.empty();
    MINIRUN_TRY(write_state_at(dir.get(), state_json(volume).dump(2) + "\n", dir_path + "/" + kStateFile),
                "volume create");
    if (created != nullptr) *created = true;
    return volume;
  }
  return Error("volume create `" + actual + "`: the volume kept being removed while it was created; try again");
}

Result<Volume> VolumeStore::inspect(const std::string& name) const {
  MINIRUN_TRY(validate_volume_name(name), "volume inspect");
  return read_volume(name);
}

std::vector<Volume> VolumeStore::list() const {
  std::vector<Volume> volumes;
  UniqueFd root_fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return volumes;  // no store yet: no volumes
  auto names = sys::list_directory(root_fd.get(), root_);
  if (!names) return volumes;
  std::sort(names->begin(), names->end());
  for (const std::string& name : *names) {
    // Skips `.removing-*`, stray files, and half-made volumes (no volume.json yet).
    if (!validate_volume_name(name)) continue;
    auto volume = read_volume(name);
    if (volume) volumes.push_back(std::move(*volume));
  }
  return volumes;
}

Result<void> VolumeStore::remove(const std::string& name, const std::vector<std::string>& used_by) {
  MINIRUN_TRY(validate_volume_name(name), "volume rm");
  auto existing = read_volume(name);
  if (!existing) return std::move(existing).error();
  if (!used_by.empty()) {
    std::string users;
    for (const std::string& user : used_by) users += (users.empty() ? "" : ", ") + user;
    return Error("volume " + name + " is in use by container(s) " + users + ": remove them first");
  }
  UniqueFd root_fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return Error::from_errno("open", root_).context("volume rm");
  const std::string dir_path = volume_dir(name);
  UniqueFd dir(::openat(root_fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) return Error("no such volume: " + name);
  MINIRUN_TRY(lock_directory(dir.get(), dir_path), "volume rm");
  struct stat st {};
  if (!still_named(root_fd.get(), name, dir.get()) || ::fstatat(dir.get(), kStateFile, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return Error("no such volume: " + name);  // removed (or never finished) while we waited
  }
  // The name goes first, in one rename(2): from here on the volume does not exist and
  // the name can be created again while the old data is deleted.
  auto suffix = random_hex(8);
  if (!suffix) return std::move(suffix).error().context("volume rm");
  const std::string removing = kRemovingPrefix + *suffix;
  if (::renameat(root_fd.get(), name.c_str(), root_fd.get(), removing.c_str()) < 0) {
    return Error::from_errno("rename", dir_path).context("volume rm");
  }
  auto deleted = remove_tree_at(root_fd.get(), removing, root_ + "/" + removing);
  if (!deleted) {
    return std::move(deleted).error().context("volume " + name + " is removed, but its data could not be deleted (delete `" +
                                              root_ + "/" + removing + "` by hand)");
  }
  return ok();
}

Result<void> seed_volume_from_image(const std::string& volume_data, const std::string& image_path) {
  UniqueFd source(::open(image_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!source) {
    // Nothing at the mount target, or a file there (the mount itself will report that).
    if (errno == ENOENT || errno == ENOTDIR) return ok();
    return Error::from_errno("open image path", image_path).context("seed volume");
  }
  return seed_from_directory(volume_data, source.get(), image_path);
}

Result<void> seed_volume_from_rootfs(const std::string& volume_data, const std::string& rootfs,
                                     const std::string& container_path) {
  UniqueFd root_fd(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return Error::from_errno("open container root", rootfs).context("seed volume");
  auto found = sys::open_in_root(root_fd.get(), container_path, sys::CreateAs::nothing, container_path);
  if (!found) {
    if (found.error().code() == ENOENT || found.error().code() == ENOTDIR) return ok();
    return std::move(found).error().context("seed volume");
  }
  UniqueFd source(::openat(found->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!source) {
    if (errno == ENOTDIR) return ok();
    return Error::from_errno("open image path", container_path).context("seed volume");
  }
  return seed_from_directory(volume_data, source.get(), rootfs + container_path);
}

}  // namespace minirun::engine
