/**
 * @file copy_step.cpp
 * @brief COPY and ADD into a root filesystem, confined to it; rules in copy_step.hpp.
 *
 * The pieces, in the order a copy uses them: the destination path and owner are
 * worked out; make_directories_in_root() opens (creating if needed) the destination
 * directory inside the rootfs; then either unpack_layer() (ADD of a tar) or a
 * TreeCopier fed by walk_source() writes the entries, each created afresh with *at()
 * calls in a directory fd that was itself resolved inside the rootfs.
 */
#include "imagebuilder/build/copy_step.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <utility>

#include "imagebuilder/store/layer_archive.hpp"
#include "imagebuilder/store/layer_unpack.hpp"
#include "minirun/runtime/user_lookup.hpp"
#include "minirun/sys/mount.hpp"

namespace imagebuilder::build {

using minirun::sys::ok;

namespace {

/// Owner of everything a copy creates.
struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
};

std::string base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string parent_path(const std::string& absolute) {
  size_t slash = absolute.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : absolute.substr(0, slash);
}

/// `--chown`: a bare number is both uid and gid (BuildKit); names come from the image.
Result<Owner> resolve_owner(const std::optional<std::string>& spec, const std::string& rootfs) {
  if (!spec) return Owner{};
  if (!spec->empty() && std::all_of(spec->begin(), spec->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    auto id = static_cast<uid_t>(std::stoul(*spec));
    return Owner{id, static_cast<gid_t>(id)};
  }
  auto user = minirun::runtime::resolve_user_in_rootfs(rootfs, *spec);
  if (!user) return std::move(user).error().context("--chown=" + *spec);
  return Owner{user->uid, user->gid};
}

/// mkdir -p of the image path `path` inside the rootfs `root_fd`, following symlinks the
/// way the image itself would see them (inside the root); returns the directory open
/// for *at() calls. A missing directory is made 0755 and given to `owner`. A dangling
/// symlink on the way (`app -> /srv/app`, no /srv/app yet) is resolved by creating its
/// target inside the root, as `mkdir -p` in a chroot would.
Result<UniqueFd> make_directories_in_root(int root_fd, std::string path, Owner owner, CopyStats& stats) {
  const std::string shown = path;
  for (int links = 0;; ++links) {
    // Linux's own limit on symlinks followed in one lookup (path_resolution(7)).
    if (links > 40) return Error::from_errno("mkdir", shown, ELOOP);
    std::vector<std::string> parts = split_components(path);
    std::string done = "/";
    bool restarted = false;
    for (size_t i = 0; i < parts.size() && !restarted; ++i) {
      std::string next = done == "/" ? "/" + parts[i] : done + "/" + parts[i];
      auto found = open_in_source_root(root_fd, next, O_PATH);
      if (found) {
        struct stat st {};
        if (::fstat(found->get(), &st) < 0) return Error::from_errno("stat", next);
        if (!S_ISDIR(st.st_mode)) return Error::from_errno("mkdir", next, ENOTDIR);
        done = next;
        continue;
      }
      if (found.error().code() != ENOENT) return std::move(found).error();
      auto parent = open_in_source_root(root_fd, done, O_RDONLY | O_DIRECTORY);
      if (!parent) return std::move(parent).error();
      struct stat st {};
      if (::fstatat(parent->get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        // Dangling link: continue the walk through its target text (absolute targets
        // are relative to the root under RESOLVE_IN_ROOT, so `/srv` is `<rootfs>/srv`).
        auto target = read_link_at(parent->get(), parts[i], next);
        if (!target) return std::move(target).error();
        std::string rest;
        for (size_t j = i + 1; j < parts.size(); ++j) rest += "/" + parts[j];
        path = (target->rfind('/', 0) == 0 ? *target : done + "/" + *target) + rest;
        restarted = true;
        break;
      }
      if (::mkdirat(parent->get(), parts[i].c_str(), 0755) < 0 && errno != EEXIST) {
        return Error::from_errno("mkdir", next);
      }
      UniqueFd made(::openat(parent->get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!made) return Error::from_errno("open", next);
      // Exactly 0755 whatever the umask; chown first (it would clear setgid bits).
      if (::fchown(made.get(), owner.uid, owner.gid) < 0) return Error::from_errno("chown", next);
      if (::fchmod(made.get(), 0755) < 0) return Error::from_errno("chmod", next);
      ++stats.directories;
      done = next;
    }
    if (!restarted) return open_in_source_root(root_fd, done, O_RDONLY | O_DIRECTORY);
  }
}

/// Makes room for `name` in `dir_fd`: what is there is removed, never followed, except
/// a directory where a directory goes (the copy merges into it).
Result<bool> clear_slot(int dir_fd, const std::string& name, bool want_directory, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return false;
    return Error::from_errno("stat", shown);
  }
  if (S_ISDIR(st.st_mode)) {
    if (want_directory) return true;
    return Error("cannot replace directory `" + shown + "` with a file");
  }
  if (::unlinkat(dir_fd, name.c_str(), 0) < 0) return Error::from_errno("unlink", shown);
  return false;
}

/// Copies the bytes of `in` to `out`: copy_file_range(2) (reflinks or in-kernel copy),
/// or read/write where the filesystems cannot do that.
Result<std::uint64_t> copy_data(int in, int out) {
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n > 0) {
      total += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) return total;
    if (errno == EINTR) continue;
    if (total == 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) break;
    return Error::from_errno("copy_file_range");
  }
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("read");
    if (n == 0) return total;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buffer.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Error::from_errno("write");
      off += w;
    }
    total += static_cast<std::uint64_t>(n);
  }
}

/// Opens `relative` below `dir_fd` following no symlink and staying beneath it.
Result<UniqueFd> open_beneath(int dir_fd, const std::string& relative, int flags) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, dir_fd, relative.c_str(), &how, sizeof how));
  if (fd < 0) return Error::from_errno("openat2", relative);
  return UniqueFd(fd);
}

/// Where a walked source goes: into directory `dir_fd` as `name`, or, with an empty
/// name, a directory source whose contents go into `dir_fd`.
struct Target {
  int dir_fd = -1;
  std::string name;
  std::string shown;  ///< the destination as an image path, for errors
};

/// Recreates what walk_source() reports below a Target.
class TreeCopier : public SourceVisitor {
 public:
  TreeCopier(Target target, Owner owner, std::optional<mode_t> mode, CopyStats& stats)
      : target_(std::move(target)), owner_(owner), mode_(mode), stats_(stats) {}

  Result<void> enter(const SourceEntry& entry) override {
    if (entry.path.empty() && target_.name.empty()) {
      int top = ::fcntl(target_.dir_fd, F_DUPFD_CLOEXEC, 0);
      if (top < 0) return Error::from_errno("dup", target_.shown);
      dirs_.emplace_back(top);
      return ok();
    }
    const int dir = entry.path.empty() ? target_.dir_fd : dirs_.back().get();
    const std::string name = entry.path.empty() ? target_.name : base_name(entry.path);
    const std::string shown = entry.path.empty() ? target_.shown : target_.shown + "/" + entry.path;
    if (S_ISDIR(entry.info.st_mode)) return open_directory(dir, name, shown);
    auto existed = clear_slot(dir, name, false, shown);
    if (!existed) return std::move(existed).error();
    switch (entry.info.st_mode & S_IFMT) {
      case S_IFREG: return copy_file(entry, dir, name, shown);
      case S_IFLNK: return copy_symlink(entry, dir, name, shown);
      case S_IFIFO:
        if (::mkfifoat(dir, name.c_str(), 0600) < 0) return Error::from_errno("mkfifo", shown);
        return set_metadata_at(dir, name, entry, shown);
      default:
        // Same rule as unpack_layer's default: an image gets no device nodes this way.
        return Error("`" + shown + "` would be a device node: COPY and ADD do not create devices");
    }
  }

  Result<void> leave_directory(const SourceEntry& entry) override {
    UniqueFd dir = std::move(dirs_.back());
    dirs_.pop_back();
    // The destination directory itself keeps what it had (or was made with).
    if (entry.path.empty()) return ok();
    // Last, after the children: creating them moved the mtime, and a 0555 mode set
    // earlier would have stopped root-less writers.
    return set_metadata(dir.get(), entry, target_.shown + "/" + entry.path);
  }

 private:
  Result<void> open_directory(int dir, const std::string& name, const std::string& shown) {
    auto merge = clear_slot(dir, name, true, shown);
    if (!merge) return std::move(merge).error();
    if (!*merge && ::mkdirat(dir, name.c_str(), 0700) < 0) return Error::from_errno("mkdir", shown);
    UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Error::from_errno("open", shown);
    ++stats_.directories;
    dirs_.push_back(std::move(fd));
    return ok();
  }

  Result<void> copy_file(const SourceEntry& entry, int dir, const std::string& name, const std::string& shown) {
    // Files linked to each other inside one directory source stay one inode.
    const bool linkable = entry.info.st_nlink > 1 && target_.name.empty();
    const std::pair<dev_t, ino_t> inode{entry.info.st_dev, entry.info.st_ino};
    if (linkable) {
      auto first = copied_.find(inode);
      if (first != copied_.end()) return link_to(first->second, dir, name, shown);
    }
    UniqueFd out(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return Error::from_errno("create", shown);
    auto bytes = copy_data(entry.fd, out.get());
    if (!bytes) return std::move(bytes).error().context("copy to `" + shown + "`");
    stats_.bytes += *bytes;
    ++stats_.files;
    if (linkable) copied_[inode] = entry.path;
    return set_metadata(out.get(), entry, shown);
  }

  Result<void> link_to(const std::string& first_path, int dir, const std::string& name, const std::string& shown) {
    // The first copy's directory, found again below the destination without following
    // any symlink: the name was made by this walk, so it is a real path of directories.
    const size_t slash = first_path.rfind('/');
    const std::string first_dir = slash == std::string::npos ? "." : first_path.substr(0, slash);
    auto parent = open_beneath(dirs_.front().get(), first_dir, O_PATH | O_DIRECTORY);
    if (!parent) return std::move(parent).error().context("hard link `" + shown + "`");
    if (::linkat(parent->get(), base_name(first_path).c_str(), dir, name.c_str(), 0) < 0) {
      return Error::from_errno("link", shown);
    }
    ++stats_.hardlinks;
    return ok();
  }

  Result<void> copy_symlink(const SourceEntry& entry, int dir, const std::string& name, const std::string& shown) {
    if (::symlinkat(entry.link_target.c_str(), dir, name.c_str()) < 0) return Error::from_errno("symlink", shown);
    if (::fchownat(dir, name.c_str(), owner_.uid, owner_.gid, AT_SYMLINK_NOFOLLOW) < 0) {
      return Error::from_errno("chown", shown);
    }
    const struct timespec times[2] = {entry.info.st_atim, entry.info.st_mtim};
    if (::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) return Error::from_errno("utimensat", shown);
    ++stats_.symlinks;
    return ok();
  }

  mode_t mode_for(const SourceEntry& entry) const { return mode_ ? *mode_ : entry.info.st_mode & 07777; }

  /// Owner, then mode (chown clears setuid bits), then times (everything else moves them).
  Result<void> set_metadata(int fd, const SourceEntry& entry, const std::string& shown) {
    if (::fchown(fd, owner_.uid, owner_.gid) < 0) return Error::from_errno("chown", shown);
    if (::fchmod(fd, mode_for(entry)) < 0) return Error::from_errno("chmod", shown);
    const struct timespec times[2] = {entry.info.st_atim, entry.info.st_mtim};
    if (::futimens(fd, times) < 0) return Error::from_errno("futimens", shown);
    return ok();
  }

  /// The same for an entry that cannot be opened without side effects (a fifo).
  Result<void> set_metadata_at(int dir, const std::string& name, const SourceEntry& entry, const std::string& shown) {
    UniqueFd fd(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Error::from_errno("open", shown);
    if (::fchownat(fd.get(), "", owner_.uid, owner_.gid, AT_EMPTY_PATH) < 0) return Error::from_errno("chown", shown);
    if (::fchmodat(dir, name.c_str(), mode_for(entry), AT_SYMLINK_NOFOLLOW) < 0) {
      return Error::from_errno("chmod", shown);
    }
    const struct timespec times[2] = {entry.info.st_atim, entry.info.st_mtim};
    if (::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) return Error::from_errno("utimensat", shown);
    ++stats_.files;
    return ok();
  }

  Target target_;
  Owner owner_;
  std::optional<mode_t> mode_;
  CopyStats& stats_;
  std::vector<UniqueFd> dirs_;  ///< destination directories open along the walk
  std::map<std::pair<dev_t, ino_t>, std::string> copied_;  ///< linked inode -> first path
};

/// True when the regular file `fd` is a tar archive, maybe compressed: libarchive finds
/// a first tar header. Docker sniffs the same way (an empty tar counts as not one).
bool is_tar_archive(int fd) {
  store::ArchiveReader reader(archive_read_new());
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_filter_xz(reader.get());
  archive_read_support_filter_zstd(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_fd(reader.get(), fd, 1 << 16) != ARCHIVE_OK) return false;
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(reader.get(), &entry);
  return r == ARCHIVE_OK || r == ARCHIVE_WARN;
}

/// Everything one copy_sources() call shares.
struct CopyPlan {
  int rootfs_fd = -1;
  std::string dest_path;     ///< absolute image path
  bool dest_is_dir = false;  ///< sources go *into* dest_path
  Owner owner;
  std::optional<mode_t> mode;
};

/// ADD of a tar: unpacked into dest_path, which is a directory whatever its spelling.
Result<void> unpack_archive(const CopyPlan& plan, int archive_fd, CopyStats& stats) {
  auto dest = make_directories_in_root(plan.rootfs_fd, plan.dest_path, plan.owner, stats);
  if (!dest) return std::move(dest).error();
  // Both paths are magic links to fds already resolved inside their roots.
  auto unpacked = store::unpack_layer(minirun::sys::fd_path(archive_fd), minirun::sys::fd_path(dest->get()),
                                      {.allow_devices = false, .same_owner = true, .overlay_whiteouts = false});
  if (!unpacked) return std::move(unpacked).error();
  ++stats.archives;
  return ok();
}

/// Copies one source (`relative` in `source_root_fd`) by the table in copy_step.hpp.
Result<void> copy_one(const CopyPlan& plan, int source_root_fd, const std::string& relative, const ExcludedFn& excluded,
                      bool unpack_tars, std::optional<mode_t> mode, CopyStats& stats) {
  auto source = open_in_source_root(source_root_fd, relative, O_PATH);
  if (!source) return std::move(source).error();
  struct stat st {};
  if (::fstat(source->get(), &st) < 0) return Error::from_errno("stat", relative);

  if (unpack_tars && S_ISREG(st.st_mode)) {
    auto file = open_in_source_root(source_root_fd, relative, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (!file) return std::move(file).error();
    if (is_tar_archive(file->get())) return unpack_archive(plan, file->get(), stats);
  }
  Target target;
  UniqueFd dir;
  if (S_ISDIR(st.st_mode)) {
    auto made = make_directories_in_root(plan.rootfs_fd, plan.dest_path, plan.owner, stats);
    if (!made) return std::move(made).error();
    dir = std::move(*made);
    target = Target{dir.get(), "", plan.dest_path};
  } else {
    const std::string inside = (plan.dest_path == "/" ? "" : plan.dest_path) + "/" + base_name(relative);
    const std::string path = plan.dest_is_dir ? inside : plan.dest_path;
    auto made = make_directories_in_root(plan.rootfs_fd, parent_path(path), plan.owner, stats);
    if (!made) return std::move(made).error();
    dir = std::move(*made);
    target = Target{dir.get(), base_name(path), path};
  }
  TreeCopier copier(target, plan.owner, mode, stats);
  return walk_source(source_root_fd, relative, excluded, copier);
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string image_dest_path(std::string_view dest, std::string_view workdir) {
  std::string joined =
      !dest.empty() && dest[0] == '/' ? std::string(dest) : std::string(workdir) + "/" + std::string(dest);
  std::vector<std::string> kept;
  for (auto& part : split_components(joined)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!kept.empty()) kept.pop_back();  // `/..` is `/`, as path.Join in Docker
      continue;
    }
    kept.push_back(std::move(part));
  }
  std::string out;
  for (const auto& part : kept) out += "/" + part;
  return out.empty() ? "/" : out;
}

bool dest_names_directory(std::string_view dest) {
  if (dest.empty() || dest.back() == '/') return true;
  std::string last = base_name(dest);
  return last == "." || last == "..";
}

Result<std::optional<std::string>> add_url_host_path(std::string_view source) {
  size_t scheme_end = source.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::optional<std::string>{};
  std::string_view scheme = source.substr(0, scheme_end);
  auto scheme_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; };
  // `weird name://x` is a file name with a colon in it, not a URL.
  if (!std::all_of(scheme.begin(), scheme.end(), scheme_char)) return std::optional<std::string>{};
  if (scheme == "http" || scheme == "https") {
    return Error("ADD: remote URLs are not supported in this offline kit: download the file into the build "
                 "context and ADD it from there (`" + std::string(source) + "`)");
  }
  if (scheme == "file") {
    std::string_view path = source.substr(scheme_end + 3);
    if (path.empty() || path[0] != '/') {
      return Error("ADD: `" + std::string(source) + "`: only `file:///absolute/path` (no host name) is supported");
    }
    return std::optional<std::string>(std::string(path));
  }
  return Error("ADD: unsupported URL scheme `" + std::string(scheme) + "` in `" + std::string(source) + "`");
}

Result<CopyStats> copy_sources(const CopyRequest& request, const std::string& rootfs) {
  const char* step = request.is_add ? "ADD" : "COPY";
  if (request.sources.empty()) return Error(std::string(step) + ": no source files were specified");
  CopyPlan plan;
  plan.dest_is_dir = dest_names_directory(request.dest);
  if (request.source_arguments > 1 && !plan.dest_is_dir) {
    return Error(std::string("When using ") + step +
                 " with more than one source file, the destination must be a directory and end with a /");
  }
  plan.dest_path = image_dest_path(request.dest, request.workdir.empty() ? "/" : request.workdir);
  plan.mode = request.chmod;
  auto owner = resolve_owner(request.chown, rootfs);
  if (!owner) return std::move(owner).error().context(step);
  plan.owner = *owner;
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::from_errno("open", rootfs).context(step);
  plan.rootfs_fd = root.get();

  // A glob that matched several files, or an existing directory (followed inside the
  // root, as Docker does), also makes the destination a directory.
  if (request.sources.size() > 1) plan.dest_is_dir = true;
  if (!plan.dest_is_dir) {
    auto existing = open_in_source_root(plan.rootfs_fd, plan.dest_path, O_PATH);
    struct stat st {};
    if (existing && ::fstat(existing->get(), &st) == 0 && S_ISDIR(st.st_mode)) plan.dest_is_dir = true;
  }

  CopyStats stats;
  for (const auto& source : request.sources) {
    const std::string what = std::string(step) + " `" + source + "` to `" + request.dest + "`";
    if (request.is_add) {
      auto host_path = add_url_host_path(source);
      if (!host_path) return std::move(host_path).error();
      if (*host_path) {
        // file:// is a "download": one host file, not unpacked, mode 0600 unless --chmod.
        UniqueFd host_root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!host_root) return Error::from_errno("open", "/").context(what);
        struct stat st {};
        if (::stat((*host_path)->c_str(), &st) < 0) return Error::from_errno("stat", **host_path).context(what);
        if (!S_ISREG(st.st_mode)) return Error("`" + **host_path + "` is not a regular file").context(what);
        MINIRUN_TRY(copy_one(plan, host_root.get(), (*host_path)->substr(1), {}, false,
                             request.chmod ? request.chmod : std::optional<mode_t>(0600), stats),
                    what);
        continue;
      }
    } else if (source.find("://") != std::string::npos && starts_with(source, "http")) {
      return Error(std::string(step) + ": source can't be a URL (use ADD, or download it first): `" + source + "`");
    }
    MINIRUN_TRY(copy_one(plan, request.source_root_fd, source, request.excluded, request.is_add, plan.mode, stats),
                what);
  }
  return stats;
}

}  // namespace imagebuilder::build
