/**
 * @file layer_writer.cpp
 * @brief A directory tree -> a deterministic pax tar with its diff_id; see layer_writer.hpp.
 *
 * The walk is a plain depth-first recursion over directory fds (openat with
 * O_NOFOLLOW, so a symlink in the tree is written as a link and never entered).
 * Each directory's names are sorted before any is written: readdir(3) order depends on
 * the filesystem and its history, and the diff_id must not.
 */
#include "imagebuilder/store/layer_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "imagebuilder/store/layer_archive.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::store {

using minirun::sys::UniqueFd;

namespace {

/// 1 MiB: reads and writes this large make the syscall cost vanish next to hashing.
constexpr std::size_t kBufferSize = 1 << 20;

/// Where libarchive's output goes: hashed, then written to the tar file.
struct TarOutput {
  int fd = -1;
  Sha256 hash;
  std::uint64_t size = 0;
};

la_ssize_t write_block(archive* a, void* context, const void* buffer, std::size_t length) {
  auto* out = static_cast<TarOutput*>(context);
  out->hash.update(buffer, length);
  const char* p = static_cast<const char*>(buffer);
  std::size_t left = length;
  while (left > 0) {
    ssize_t n = ::write(out->fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      archive_set_error(a, errno, "write");
      return -1;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  out->size += length;
  return static_cast<la_ssize_t>(length);
}

/// One extended attribute of a file.
struct Xattr {
  std::string name;
  std::string value;
};

/// All xattrs of `path` (not following a symlink), sorted by name for determinism.
Result<std::vector<Xattr>> read_xattrs(const std::string& path) {
  std::vector<Xattr> out;
  ssize_t length = ::llistxattr(path.c_str(), nullptr, 0);
  if (length < 0) {
    if (errno == ENOTSUP) return out;  // a filesystem without xattrs has none to keep
    return Error::from_errno("llistxattr", path);
  }
  if (length == 0) return out;
  std::string names(static_cast<std::size_t>(length), '\0');
  length = ::llistxattr(path.c_str(), names.data(), names.size());
  if (length < 0) return Error::from_errno("llistxattr", path);
  names.resize(static_cast<std::size_t>(length));
  for (std::size_t pos = 0; pos < names.size();) {
    std::string name(names.c_str() + pos);
    pos += name.size() + 1;
    ssize_t size = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == ENODATA) continue;  // removed between list and get
      return Error::from_errno("lgetxattr " + name, path);
    }
    std::string value(static_cast<std::size_t>(size), '\0');
    size = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (size < 0) return Error::from_errno("lgetxattr " + name, path);
    value.resize(static_cast<std::size_t>(size));
    out.push_back({std::move(name), std::move(value)});
  }
  std::sort(out.begin(), out.end(), [](const Xattr& x, const Xattr& y) { return x.name < y.name; });
  return out;
}

/// The names in directory `dir_fd` (without `.` and `..`), in readdir order.
Result<std::vector<std::string>> read_names(int dir_fd, const std::string& shown) {
  // fdopendir takes ownership of the fd it is given, so it gets a duplicate.
  int dup_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return Error::from_errno("dup", shown);
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    ::close(dup_fd);
    return Error::from_errno("fdopendir", shown);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* d = ::readdir(dir)) {
    std::string_view name = d->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  int saved = errno;
  ::closedir(dir);
  if (saved != 0) return Error::from_errno("readdir", shown, saved);
  return names;
}

class TreeWriter {
 public:
  TreeWriter(archive* a, std::string root, const LayerWriteOptions& options)
      : archive_(a), root_(std::move(root)), options_(options), buffer_(kBufferSize) {}

  /// Writes the contents of directory `dir_fd`, whose path in the layer is `prefix`
  /// (empty for the root, else ending in `/`).
  Result<void> write_directory(int dir_fd, const std::string& prefix) {
    auto names = read_names(dir_fd, shown(prefix));
    if (!names) return std::move(names).error();
    // Sorted by the name each entry will have in the tar (a whiteout `gone` is
    // written as `.wh.gone`), so the tar is in name order within each directory.
    std::vector<Child> children;
    children.reserve(names->size());
    for (auto& name : *names) {
      Child c;
      if (::fstatat(dir_fd, name.c_str(), &c.st, AT_SYMLINK_NOFOLLOW) < 0) {
        return Error::from_errno("fstatat", shown(prefix + name));
      }
      c.tar_name = is_whiteout(c.st) ? whiteout_name_for(name) : name;
      c.name = std::move(name);
      children.push_back(std::move(c));
    }
    std::sort(children.begin(), children.end(), [](const Child& x, const Child& y) { return x.tar_name < y.tar_name; });
    for (const auto& child : children) {
      // Errors name their own path (nested directories would repeat a context).
      auto written = write_one(dir_fd, prefix, child.name, child.st);
      if (!written) return written;
    }
    return minirun::sys::ok();
  }

  std::uint64_t entries() const { return entries_; }

 private:
  std::string shown(const std::string& relative) const { return root_ + "/" + relative; }

  struct Child {
    std::string name;
    std::string tar_name;
    struct stat st {};
  };

  /// overlayfs's whiteout: a character device with device number 0/0.
  bool is_whiteout(const struct stat& st) const {
    return options_.overlay_whiteouts && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
  }

  Result<void> write_one(int dir_fd, const std::string& prefix, const std::string& name, const struct stat& st) {
    const std::string relative = prefix + name;
    if (S_ISSOCK(st.st_mode)) return minirun::sys::ok();

    std::vector<Xattr> xattrs;
    bool opaque = false;
    auto all = read_xattrs(shown(relative));
    if (!all) return std::move(all).error();
    for (auto& x : *all) {
      if (x.name.rfind(options_.overlay_xattr_prefix, 0) == 0) {
        std::string_view what = std::string_view(x.name).substr(options_.overlay_xattr_prefix.size());
        if (options_.overlay_whiteouts && (what == "redirect" || what == "metacopy")) {
          return Error("`" + shown(relative) + "` has xattr `" + x.name +
                       "`: overlayfs kept this file's content in a lower layer, so the upper dir is no "
                       "complete layer (mount the overlay with redirect_dir=off,metacopy=off)");
        }
        if (what == "opaque" && x.value == "y") opaque = true;
        continue;  // overlay's bookkeeping (origin, impure, nlink, ...) is not image content
      }
      if (options_.keep_xattrs) xattrs.push_back(std::move(x));
    }

    ArchiveEntry entry(archive_entry_new());
    if (!entry) return Error("out of memory");
    archive_entry* e = entry.get();
    archive_entry_set_uid(e, st.st_uid);
    archive_entry_set_gid(e, st.st_gid);
    // Seconds only, and no atime/ctime: both would make equal trees give unequal tars.
    archive_entry_set_mtime(e, st.st_mtim.tv_sec, 0);

    if (is_whiteout(st)) {
      // An overlay whiteout: `name` was deleted. OCI says so with an empty file.
      archive_entry_set_pathname(e, (prefix + whiteout_name_for(name)).c_str());
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0600);
      archive_entry_set_size(e, 0);
      return write_header(e);
    }

    archive_entry_set_mode(e, st.st_mode);  // file type and all 12 permission bits
    for (const auto& x : xattrs) archive_entry_xattr_add_entry(e, x.name.c_str(), x.value.data(), x.value.size());

    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_pathname(e, (relative + "/").c_str());
      if (auto r = write_header(e); !r) return r;
      UniqueFd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child) return Error::from_errno("open", shown(relative));
      if (opaque && options_.overlay_whiteouts) {
        if (auto r = write_opaque(st, relative + "/"); !r) return r;
      }
      return write_directory(child.get(), relative + "/");
    }

    archive_entry_set_pathname(e, relative.c_str());
    if (st.st_nlink > 1) {
      // Every name of an inode after the first becomes a hardlink entry to the first,
      // so unpacking recreates one inode, not copies.
      auto [it, first] = hardlinks_.try_emplace({st.st_dev, st.st_ino}, relative);
      if (!first) {
        archive_entry_set_hardlink(e, it->second.c_str());
        archive_entry_set_size(e, 0);
        return write_header(e);
      }
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
      if (n < 0) return Error::from_errno("readlink", shown(relative));
      target.resize(static_cast<std::size_t>(n));
      archive_entry_set_symlink(e, target.c_str());
      archive_entry_set_size(e, 0);
      return write_header(e);
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      archive_entry_set_rdev(e, st.st_rdev);
      return write_header(e);
    }
    if (!S_ISREG(st.st_mode)) return write_header(e);  // a fifo: no data

    archive_entry_set_size(e, st.st_size);
    if (auto r = write_header(e); !r) return r;
    return write_contents(dir_fd, name, relative, static_cast<std::uint64_t>(st.st_size));
  }

  Result<void> write_opaque(const struct stat& dir_st, const std::string& dir_prefix) {
    ArchiveEntry entry(archive_entry_new());
    if (!entry) return Error("out of memory");
    archive_entry* e = entry.get();
    archive_entry_set_pathname(e, (dir_prefix + std::string(kOpaqueWhiteout)).c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, 0);
    archive_entry_set_uid(e, dir_st.st_uid);
    archive_entry_set_gid(e, dir_st.st_gid);
    archive_entry_set_mtime(e, dir_st.st_mtim.tv_sec, 0);
    return write_header(e);
  }

  Result<void> write_header(archive_entry* e) {
    // ARCHIVE_WARN is a note (e.g. a name that is not UTF-8 is stored as binary).
    if (archive_write_header(archive_, e) < ARCHIVE_WARN) {
      return Error("tar header for `" + std::string(archive_entry_pathname(e)) + "`: " + archive_error_text(archive_));
    }
    ++entries_;
    return minirun::sys::ok();
  }

  Result<void> write_contents(int dir_fd, const std::string& name, const std::string& relative,
                              std::uint64_t size) {
    UniqueFd file(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!file) return Error::from_errno("open", shown(relative));
    std::uint64_t left = size;
    // If the file shrank since fstatat, libarchive pads the entry with zeros; if it
    // grew, only `size` bytes are written. The tar stays well formed either way.
    while (left > 0) {
      ssize_t n = ::read(file.get(), buffer_.data(), std::min<std::uint64_t>(buffer_.size(), left));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Error::from_errno("read", shown(relative));
      }
      if (n == 0) break;
      if (archive_write_data(archive_, buffer_.data(), static_cast<std::size_t>(n)) < 0) {
        return Error("write data of `" + relative + "`: " + archive_error_text(archive_));
      }
      left -= static_cast<std::uint64_t>(n);
    }
    return minirun::sys::ok();
  }

  archive* archive_;
  std::string root_;
  const LayerWriteOptions& options_;
  std::vector<char> buffer_;
  std::map<std::pair<dev_t, ino_t>, std::string> hardlinks_;
  std::uint64_t entries_ = 0;
};

}  // namespace

Result<WrittenLayer> write_layer(const std::string& dir, const std::string& tar_path,
                                 const LayerWriteOptions& options) {
  const std::string what = "write layer of `" + dir + "` to `" + tar_path + "`";
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::from_errno("open", dir).context(what);
  TarOutput out;
  UniqueFd tar(::open(tar_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!tar) return Error::from_errno("create", tar_path).context(what);
  out.fd = tar.get();

  ArchiveWriter writer(archive_write_new());
  if (!writer) return Error("out of memory").context(what);
  archive* a = writer.get();
  // pax "restricted": plain ustar headers unless a field needs more (a long name, an
  // xattr, a big uid), then a pax extended header, as Go's archive/tar (Docker) does.
  archive_write_set_format_pax_restricted(a);
  // xattrs once, in the SCHILY form every tar reader knows (not also LIBARCHIVE.xattr).
  archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
  archive_write_add_filter_none(a);
  // Large blocks, but no padding of the last block: the tar ends right after its two
  // zero records, as Docker's do, so equal trees give equal bytes whatever block size.
  archive_write_set_bytes_per_block(a, static_cast<int>(kBufferSize));
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open2(a, &out, nullptr, write_block, nullptr, nullptr) != ARCHIVE_OK) {
    return Error("open tar writer: " + archive_error_text(a)).context(what);
  }

  TreeWriter tree(a, dir, options);
  auto walked = tree.write_directory(root.get(), "");
  if (!walked) {
    ::unlink(tar_path.c_str());  // a half-written layer must not be mistaken for one
    return std::move(walked).error().context(what);
  }
  if (archive_write_close(a) != ARCHIVE_OK) {
    std::string text = archive_error_text(a);
    ::unlink(tar_path.c_str());
    return Error("close tar: " + text).context(what);
  }
  // No fsync here: the store makes a blob durable when it moves it into place.
  WrittenLayer layer;
  layer.diff_id = out.hash.finish();
  layer.size = out.size;
  layer.entries = tree.entries();
  return layer;
}

}  // namespace imagebuilder::store
