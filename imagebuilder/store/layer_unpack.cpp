/**
 * @file layer_unpack.cpp
 * @brief The entry-by-entry unpacker; the rules are in layer_unpack.hpp.
 *
 * One LayerUnpacker walks the tar once. For each entry it cleans the name
 * (layer_path.hpp), opens the parent directory confined to the target (layer_fs.hpp),
 * makes room for the new name without ever following what was there, creates the
 * entry, and sets its metadata through an fd or with AT_SYMLINK_NOFOLLOW.
 */
#include "imagebuilder/store/layer_unpack.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <unordered_set>
#include <vector>

#include "imagebuilder/store/layer_fs.hpp"
#include "imagebuilder/store/layer_path.hpp"
#include "imagebuilder/store/layer_stream.hpp"
#include "imagebuilder/store/layer_whiteouts.hpp"
#include "minirun/sys/mount.hpp"

namespace imagebuilder::store {

using minirun::sys::UniqueFd;

namespace {

/// Owner, mode, times and xattrs of one entry, as the tar gives them.
struct EntryMeta {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  mode_t mode = 0;
  struct timespec times[2] = {};  ///< atime, mtime (utimensat's order)
  std::vector<std::pair<std::string, std::string>> xattrs;
};

bool xattr_allowed(std::string_view name, bool keep_setuid) {
  if (name.rfind("user.", 0) == 0) return true;
  // File capabilities raise privileges on exec just like setuid does.
  if (name == "security.capability") return keep_setuid;
  return false;
}

class LayerUnpacker {
 public:
  LayerUnpacker(int root_fd, const UnpackOptions& options) : root_(root_fd), options_(options) {}

  Result<void> unpack(archive* tar) {
    archive_entry* entry = nullptr;
    for (;;) {
      int r = archive_read_next_header(tar, &entry);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return Error(archive_error_text(tar));
      ++stats_.entries;
      const char* raw_name = archive_entry_pathname(entry);
      if (raw_name == nullptr) return Error("entry #" + std::to_string(stats_.entries) + " has no name");
      auto clean = clean_entry_path(raw_name);
      if (!clean) return std::move(clean).error();  // already says "entry `...` climbs out"
      auto done = unpack_entry(tar, entry, *clean);
      if (!done) return std::move(done).error().context("entry `" + std::string(raw_name) + "`");
    }
    return finish_directories();
  }

  UnpackStats& stats() { return stats_; }

 private:
  Result<void> unpack_entry(archive* tar, archive_entry* e, const std::string& path) {
    if (path.empty()) return minirun::sys::ok();  // the layer root: the caller's directory
    const std::string parent = parent_of(path);
    const std::string base = base_of(path);

    auto whiteout = classify_whiteout(base);
    if (!whiteout) return std::move(whiteout).error();
    if (whiteout->kind != WhiteoutKind::none) return apply_whiteout(*whiteout, parent);

    auto meta = read_meta(e);
    if (!meta) return std::move(meta).error();

    if (const char* link = archive_entry_hardlink(e)) return make_hardlink(path, parent, base, link);

    auto parent_fd = open_dir_beneath(root_, parent, /*create=*/true);
    if (!parent_fd) return std::move(parent_fd).error();
    const int dir = parent_fd->get();
    const mode_t type = archive_entry_filetype(e);

    if (type == AE_IFDIR) {
      MINIRUN_TRY(make_room(dir, base, path, /*keep_directory=*/true), "replace");
      if (::mkdirat(dir, base.c_str(), 0700) < 0 && errno != EEXIST) return Error::from_errno("mkdir", path);
      directories_[path] = std::move(*meta);
      created_.insert(path);
      return minirun::sys::ok();
    }

    MINIRUN_TRY(make_room(dir, base, path, /*keep_directory=*/false), "replace");
    switch (type) {
      case AE_IFREG:
        MINIRUN_TRY(write_regular(tar, e, dir, base, path, *meta), "write");
        break;
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(e);
        if (target == nullptr || *target == '\0') return Error("symlink without a target");
        // The link is created as given, pointing anywhere: it is only ever *read* as a
        // path inside the container, never followed while unpacking.
        if (::symlinkat(target, dir, base.c_str()) < 0) return Error::from_errno("symlink", path);
        MINIRUN_TRY(set_link_meta(dir, base, path, *meta), "metadata");
        break;
      }
      case AE_IFIFO:
        if (::mknodat(dir, base.c_str(), S_IFIFO | 0600, 0) < 0) return Error::from_errno("mkfifo", path);
        MINIRUN_TRY(set_special_meta(dir, base, path, *meta), "metadata");
        break;
      case AE_IFCHR:
      case AE_IFBLK: {
        if (!options_.allow_devices) {
          return Error("device node refused (an image may not ship devices; UnpackOptions::allow_devices is off)");
        }
        dev_t rdev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
        if (::mknodat(dir, base.c_str(), type | 0600, rdev) < 0) return Error::from_errno("mknod", path);
        MINIRUN_TRY(set_special_meta(dir, base, path, *meta), "metadata");
        break;
      }
      default:
        return Error("unsupported entry type " + std::to_string(type) + " (sockets and the like are no layer content)");
    }
    created_.insert(path);
    return minirun::sys::ok();
  }

  Result<EntryMeta> read_meta(archive_entry* e) {
    EntryMeta m;
    la_int64_t uid = archive_entry_uid(e);
    la_int64_t gid = archive_entry_gid(e);
    // (uid_t)-1 means "leave unchanged" to chown(2); anything that large is bogus.
    if (uid < 0 || gid < 0 || uid >= 0xffffffffLL || gid >= 0xffffffffLL) {
      return Error("owner " + std::to_string(uid) + ":" + std::to_string(gid) + " is out of range");
    }
    m.uid = static_cast<std::uint32_t>(uid);
    m.gid = static_cast<std::uint32_t>(gid);
    m.mode = archive_entry_perm(e) & 07777;
    if (!options_.keep_setuid) {
      m.mode &= ~static_cast<mode_t>(S_ISUID);
      if (archive_entry_filetype(e) != AE_IFDIR) m.mode &= ~static_cast<mode_t>(S_ISGID);
    }
    m.times[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
    m.times[0] = archive_entry_atime_is_set(e) ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)}
                                               : m.times[1];
    archive_entry_xattr_reset(e);
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    std::vector<std::string> dropped;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      // libarchive's own tars carry each xattr twice (LIBARCHIVE.xattr and SCHILY.xattr
      // records), and the reader reports both: count and set each name once.
      std::string_view key = name;
      if (std::any_of(m.xattrs.begin(), m.xattrs.end(), [&](const auto& x) { return x.first == key; }) ||
          std::find(dropped.begin(), dropped.end(), key) != dropped.end()) {
        continue;
      }
      if (!options_.keep_xattrs || !xattr_allowed(name, options_.keep_setuid)) {
        ++stats_.dropped_xattrs;
        dropped.emplace_back(key);
        continue;
      }
      m.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
    }
    return m;
  }

  /// Clears the way for a new entry named `base` in `dir`: whatever is there is
  /// removed (a directory with its contents), except an existing directory when the
  /// new entry is one too (they merge, as in tar and Docker).
  Result<void> make_room(int dir, const std::string& base, const std::string& path, bool keep_directory) {
    struct stat st {};
    if (::fstatat(dir, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) return minirun::sys::ok();
      return Error::from_errno("fstatat", path);
    }
    if (keep_directory && S_ISDIR(st.st_mode)) return minirun::sys::ok();
    return remove_entry_at(dir, base, path);
  }

  Result<void> write_regular(archive* tar, archive_entry* e, int dir, const std::string& base,
                             const std::string& path, const EntryMeta& meta) {
    // O_EXCL|O_NOFOLLOW: the name was just cleared, so this creates a new inode; if
    // anything reappeared there (a link), the open fails instead of writing through it.
    UniqueFd file(::openat(dir, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file) return Error::from_errno("create", path);
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    int r;
    while ((r = archive_read_data_block(tar, &block, &size, &offset)) == ARCHIVE_OK) {
      // pwrite at the block's offset: sparse entries (GNU/pax sparse) leave holes.
      const char* p = static_cast<const char*>(block);
      while (size > 0) {
        ssize_t n = ::pwrite(file.get(), p, size, offset);
        if (n < 0) {
          if (errno == EINTR) continue;
          return Error::from_errno("write", path);
        }
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
      }
    }
    if (r != ARCHIVE_EOF) return Error("read data: " + archive_error_text(tar));
    // A sparse file may end in a hole: the size comes from the header, not the data.
    if (archive_entry_size_is_set(e) && ::ftruncate(file.get(), archive_entry_size(e)) < 0) {
      return Error::from_errno("ftruncate", path);
    }
    return set_fd_meta(file.get(), path, meta);
  }

  /// Owner, mode, xattrs, times on an open fd (regular files and directories).
  Result<void> set_fd_meta(int fd, const std::string& path, const EntryMeta& meta) {
    if (options_.same_owner && ::fchown(fd, meta.uid, meta.gid) < 0) return Error::from_errno("fchown", path);
    if (::fchmod(fd, meta.mode) < 0) return Error::from_errno("fchmod", path);
    for (const auto& [name, value] : meta.xattrs) {
      if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) < 0) {
        return Error::from_errno("fsetxattr " + name, path);
      }
    }
    if (::futimens(fd, meta.times) < 0) return Error::from_errno("futimens", path);
    return minirun::sys::ok();
  }

  /// A symlink has no mode of its own (and user xattrs are not allowed on one).
  Result<void> set_link_meta(int dir, const std::string& base, const std::string& path, const EntryMeta& meta) {
    if (options_.same_owner && ::fchownat(dir, base.c_str(), meta.uid, meta.gid, AT_SYMLINK_NOFOLLOW) < 0) {
      return Error::from_errno("lchown", path);
    }
    if (::utimensat(dir, base.c_str(), meta.times, AT_SYMLINK_NOFOLLOW) < 0) return Error::from_errno("utimensat", path);
    return minirun::sys::ok();
  }

  /// Fifos and devices cannot be opened for metadata without side effects (a fifo
  /// blocks, a device may act), so they are pinned with an O_PATH fd and changed through
  /// it: the change lands on that inode even if the name were swapped meanwhile.
  Result<void> set_special_meta(int dir, const std::string& base, const std::string& path, const EntryMeta& meta) {
    UniqueFd pinned(::openat(dir, base.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!pinned) return Error::from_errno("open", path);
    if (options_.same_owner && ::fchownat(pinned.get(), "", meta.uid, meta.gid, AT_EMPTY_PATH) < 0) {
      return Error::from_errno("fchown", path);
    }
    const std::string via = minirun::sys::fd_path(pinned.get());
    if (::chmod(via.c_str(), meta.mode) < 0) return Error::from_errno("chmod", path);
    if (::utimensat(AT_FDCWD, via.c_str(), meta.times, 0) < 0) return Error::from_errno("utimensat", path);
    return minirun::sys::ok();
  }

  Result<void> make_hardlink(const std::string& path, const std::string& parent, const std::string& base,
                             const char* raw_target) {
    auto target = clean_entry_path(raw_target);
    if (!target) return std::move(target).error().context("hardlink target");
    if (target->empty() || *target == path) return Error("hardlink to `" + std::string(raw_target) + "` links to itself or the root");
    const std::string not_here = "hardlink target `" + std::string(raw_target) + "` is not in the layer (not yet unpacked)";
    auto target_dir = open_dir_beneath(root_, parent_of(*target), /*create=*/false);
    if (!target_dir) {
      if (target_dir.error().code() == ENOENT) return Error(not_here);
      return std::move(target_dir).error().context("hardlink target `" + std::string(raw_target) + "`");
    }
    const std::string target_base = base_of(*target);
    struct stat st {};
    if (::fstatat(target_dir->get(), target_base.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) return Error(not_here);
      return Error::from_errno("fstatat", *target);
    }
    if (S_ISDIR(st.st_mode)) return Error("hardlink target `" + std::string(raw_target) + "` is a directory");
    auto parent_fd = open_dir_beneath(root_, parent, /*create=*/true);
    if (!parent_fd) return std::move(parent_fd).error();
    MINIRUN_TRY(make_room(parent_fd->get(), base, path, /*keep_directory=*/false), "replace");
    // Flags 0: a link to a symlink links the symlink itself, never what it points to.
    if (::linkat(target_dir->get(), target_base.c_str(), parent_fd->get(), base.c_str(), 0) < 0) {
      return Error::from_errno("link to `" + *target + "`", path);
    }
    created_.insert(path);
    return minirun::sys::ok();
  }

  Result<void> apply_whiteout(const WhiteoutName& whiteout, const std::string& parent) {
    if (whiteout.kind == WhiteoutKind::meta) return minirun::sys::ok();  // aufs bookkeeping
    ++stats_.whiteouts;
    // Flattening: a whiteout in a directory that does not exist deletes nothing.
    auto dir = open_dir_beneath(root_, parent, /*create=*/options_.overlay_whiteouts);
    if (!dir) {
      if (!options_.overlay_whiteouts && dir.error().code() == ENOENT) return minirun::sys::ok();
      return std::move(dir).error();
    }
    // Whiteouts hide only what lower layers had (OCI layer.md), never this layer's own.
    auto from_this_layer = [this](const std::string& p) { return created_.count(p) != 0; };

    if (whiteout.kind == WhiteoutKind::opaque) {
      if (!options_.overlay_whiteouts) return remove_children_except(dir->get(), parent, from_this_layer);
      if (::fsetxattr(dir->get(), std::string(kOverlayOpaqueXattr).c_str(), "y", 1, 0) < 0) {
        return Error::from_errno("setxattr trusted.overlay.opaque (needs root)", parent.empty() ? "." : parent);
      }
      return minirun::sys::ok();
    }

    const std::string path = parent.empty() ? whiteout.target : parent + "/" + whiteout.target;
    if (from_this_layer(path)) return minirun::sys::ok();
    MINIRUN_TRY(remove_entry_at(dir->get(), whiteout.target, path), "whiteout");
    if (!options_.overlay_whiteouts) return minirun::sys::ok();
    // overlayfs's whiteout: a character device with device number 0/0.
    if (::mknodat(dir->get(), whiteout.target.c_str(), S_IFCHR | 0, makedev(0, 0)) < 0) {
      return Error::from_errno("mknod whiteout", path);
    }
    return minirun::sys::ok();
  }

  /// Modes and times of directories, children before parents (reverse name order puts
  /// `a/b` before `a`). A directory that a later entry replaced is skipped.
  Result<void> finish_directories() {
    for (auto it = directories_.rbegin(); it != directories_.rend(); ++it) {
      auto dir = open_dir_beneath(root_, it->first, /*create=*/false);
      if (!dir) {
        int code = dir.error().code();
        if (code == 0 || code == ENOENT || code == ENOTDIR || code == ELOOP) continue;
        return std::move(dir).error().context("entry `" + it->first + "`");
      }
      MINIRUN_TRY(set_fd_meta(dir->get(), it->first, it->second), "entry `" + it->first + "`");
    }
    return minirun::sys::ok();
  }

  int root_;
  const UnpackOptions& options_;
  UnpackStats stats_;
  std::map<std::string, EntryMeta> directories_;
  std::unordered_set<std::string> created_;
};

}  // namespace

Result<UnpackStats> unpack_layer(const std::string& tar_path, const std::string& target_dir,
                                 const UnpackOptions& options) {
  const std::string what = "layer `" + tar_path + "`";
  if (::mkdir(target_dir.c_str(), 0755) < 0 && errno != EEXIST) {
    return Error::from_errno("mkdir", target_dir).context(what);
  }
  UniqueFd root(::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::from_errno("open", target_dir).context(what);
  auto stream = LayerStream::open(tar_path);
  if (!stream) return std::move(stream).error();

  LayerUnpacker unpacker(root.get(), options);
  MINIRUN_TRY(unpacker.unpack((*stream)->tar()), what);
  MINIRUN_TRY((*stream)->finish(), what);
  UnpackStats stats = unpacker.stats();
  stats.diff_id = (*stream)->diff_id();
  stats.size = (*stream)->size();
  stats.compression = (*stream)->compression();
  return stats;
}

}  // namespace imagebuilder::store
