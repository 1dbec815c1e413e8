/**
 * @file copy_files.cpp
 * @brief `minirun cp`: Docker's copy rules, and a tree copier that only uses *at() calls.
 *
 * Read in this order: locate() turns a path given by the user into "this directory fd,
 * this name" (the one place a container path is resolved, with RESOLVE_IN_ROOT);
 * copy_between() applies Docker's table from copy_files.hpp; TreeCopier walks the two
 * trees below those fds, never following a link. Rules and threats: copy_files.hpp.
 */
#include "minirun/engine/copy_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "minirun/sys/file.hpp"
#include "minirun/sys/mount.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::engine {

using sys::Error;
using sys::ok;
using sys::UniqueFd;

namespace {

/// Linux's own limit on symlinks followed in one lookup (path_resolution(7)).
constexpr int kMaxSymlinks = 40;

/// One side of a copy: the container's rootfs (paths resolved inside it) or the host.
struct Side {
  int root_fd = -1;          ///< the rootfs, opened O_PATH; -1 for the host
  const char* label = "";    ///< "container path" / "host path", the start of every error
  bool in_root() const { return root_fd >= 0; }
};

/// "op: container path `/x`: strerror": which side, which path, what failed.
Error path_error(const char* label, const std::string& shown, int err, std::string_view op = {}) {
  Error e = Error::from_errno(label, shown, err);
  if (!op.empty()) e.context(op);
  return e;
}

/// An error about a path that is not a failed syscall.
Error path_problem(const char* label, const std::string& shown, const std::string& problem, int err = 0) {
  return Error(std::string(label) + " `" + shown + "`: " + problem, err);
}

/// Lexical cleaning, as Go's filepath.Clean that Docker applies: no `.`, no `x/..`,
/// no doubled `/`; `..` above `/` stays at `/`, above a relative start it is kept.
std::string clean_path(std::string_view raw, bool absolute) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t end = raw.find('/', pos);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view part = raw.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir == "/") return "/" + name;
  return dir + "/" + name;
}

/// A path as the user wrote it, and what its spelling means to Docker.
struct PathSpec {
  std::string written;
  std::string clean;
  bool trailing_slash = false;  ///< `x/`: must be a directory
  bool contents_only = false;   ///< `x/.`: a directory's contents, not the directory
};

Result<PathSpec> parse_path(const std::string& raw, const Side& side) {
  if (raw.empty()) return Error(std::string(side.label) + " is empty: give a file or directory");
  PathSpec spec;
  spec.written = raw;
  spec.trailing_slash = raw.back() == '/';
  spec.contents_only = raw == "." || (raw.size() >= 2 && raw.compare(raw.size() - 2, 2, "/.") == 0);
  // Container paths start at the container's `/` whether or not they say so.
  spec.clean = clean_path(raw, side.in_root() || raw.front() == '/');
  return spec;
}

/// A directory as a readable fd for *at() calls. On the container side it is
/// resolved with openat2 RESOLVE_IN_ROOT (sys::open_in_root): links and `..` stay in
/// the rootfs. The O_PATH fd that returns is reopened through "." to list entries.
Result<UniqueFd> open_directory(const Side& side, const std::string& path) {
  if (!side.in_root()) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return path_error(side.label, path, errno);
    return fd;
  }
  auto found = sys::open_in_root(side.root_fd, path, sys::CreateAs::nothing, path);
  if (!found) return path_error(side.label, path, found.error().code());
  UniqueFd fd(::openat(found->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return path_error(side.label, path, errno);
  return fd;
}

/// readlinkat(2), growing the buffer until the target fits.
Result<std::string> read_link_at(int dir_fd, const std::string& name, const char* label, const std::string& shown) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) return path_error(label, shown, errno, "readlink");
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

/// Splits a clean path into the directory that holds it and its name. `/`, `.` and a
/// trailing `..` have no name of their own: they are opened whole, with the name ".".
std::pair<std::string, std::string> split_last(const std::string& clean) {
  size_t slash = clean.rfind('/');
  std::string last = slash == std::string::npos ? clean : clean.substr(slash + 1);
  if (clean == "/" || last == "." || last == "..") return {clean, "."};
  if (slash == std::string::npos) return {".", clean};
  if (slash == 0) return {"/", last};
  return {clean.substr(0, slash), last};
}

/// Where a user's path leads: the directory fd holding it, its name there, and what
/// is there now (if anything).
struct Located {
  UniqueFd dir;
  std::string name;
  std::string shown;  ///< the path after following links
  bool exists = false;
  struct stat st {};
};

/// Resolves `path` on `side`. Every directory on the way is opened by open_directory()
/// (inside the root for the container); the last component is looked at without
/// following it, and, when `follow_last`, a symlink there is replaced by its target
/// (a relative one from the link's directory, an absolute one from the side's `/`) and
/// the walk starts again, as the kernel would, but never leaving the root.
Result<Located> locate(const Side& side, std::string path, bool follow_last) {
  for (int links = 0;; ++links) {
    if (links > kMaxSymlinks) return path_error(side.label, path, ELOOP);
    auto [dir, name] = split_last(path);
    auto dir_fd = open_directory(side, dir);
    if (!dir_fd) return std::move(dir_fd).error();
    Located found;
    found.name = name;
    found.shown = path;
    if (::fstatat(dir_fd->get(), name.c_str(), &found.st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT) return path_error(side.label, path, errno, "stat");
      found.dir = std::move(*dir_fd);
      return found;
    }
    if (follow_last && S_ISLNK(found.st.st_mode)) {
      auto target = read_link_at(dir_fd->get(), name, side.label, path);
      if (!target) return std::move(target).error();
      std::string next = target->front() == '/' ? *target : join_path(dir, *target);
      path = clean_path(next, side.in_root() || next.front() == '/');
      continue;
    }
    found.exists = true;
    found.dir = std::move(*dir_fd);
    return found;
  }
}

/// Copies the bytes of `in` to `out`: copy_file_range(2) (an in-kernel copy, or a
/// reflink), or read/write where the filesystems cannot do that.
Result<void> copy_data(int in, int out, const char* in_label, const std::string& in_shown, const char* out_label,
                       const std::string& out_shown) {
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
    if (n == 0) return ok();
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) break;
    return path_error(in_label, in_shown, errno, "copy");
  }
  char buffer[64 * 1024];
  for (;;) {
    ssize_t n = ::read(in, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return path_error(in_label, in_shown, errno, "read");
    if (n == 0) return ok();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buffer + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return path_error(out_label, out_shown, errno, "write");
      done += w;
    }
  }
}

/// Walks a source tree and recreates it in a destination tree, with *at() calls on
/// directory fds only, never following a symlink on either side.
class TreeCopier {
 public:
  TreeCopier(const CopyOptions& options, const char* source_label, const char* dest_label)
      : options_(options), source_label_(source_label), dest_label_(dest_label) {}

  /// Copies `source_name` in `source_dir` to `dest_name` in `dest_dir`, whatever it is.
  Result<void> copy_entry(int source_dir, const std::string& source_name, const std::string& source_shown,
                          int dest_dir, const std::string& dest_name, const std::string& dest_shown) {
    struct stat st {};
    if (::fstatat(source_dir, source_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      return path_error(source_label_, source_shown, errno, "stat");
    }
    const Names names{source_dir, source_name, source_shown, dest_dir, dest_name, dest_shown};
    if (S_ISDIR(st.st_mode)) {
      // A directory this copy made is never a source: `cp dir dir/sub` must not recurse
      // into its own output forever.
      if (made_.count({st.st_dev, st.st_ino}) != 0) return ok();
      return copy_directory(names);
    }
    if (S_ISREG(st.st_mode)) return copy_regular(names);
    if (S_ISLNK(st.st_mode)) return copy_symlink(names, st);
    if (S_ISSOCK(st.st_mode)) return ok();  // a socket is a live endpoint, not content (tar skips them too)
    return copy_special(names, st);
  }

  /// Copies every entry of directory `source` into directory `dest`.
  Result<void> copy_children(int source, const std::string& source_shown, int dest, const std::string& dest_shown) {
    auto names = list_directory(source, source_shown);
    if (!names) return std::move(names).error();
    for (const std::string& name : *names) {
      // No context added per level: the error already names the full path.
      auto copied = copy_entry(source, name, join_path(source_shown, name), dest, name, join_path(dest_shown, name));
      if (!copied) return copied;
    }
    return ok();
  }

 private:
  struct Names {
    int source_dir;
    const std::string& source_name;
    const std::string& source_shown;
    int dest_dir;
    const std::string& dest_name;
    const std::string& dest_shown;
  };

  Result<std::vector<std::string>> list_directory(int dir_fd, const std::string& shown) {
    // Listed first, copied after: the copy may add entries to this very directory.
    auto names = sys::list_directory(dir_fd, shown);
    if (!names) return path_error(source_label_, shown, names.error().code(), "list");
    return names;
  }

  /// Frees the destination name for a new entry. What is there is removed (never
  /// followed), except Docker's two refusals; returns true when a directory is there
  /// and a directory is coming (the copy merges into it).
  Result<bool> prepare_slot(const Names& n, bool directory) {
    struct stat st {};
    if (::fstatat(n.dest_dir, n.dest_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) return false;
      return path_error(dest_label_, n.dest_shown, errno, "stat");
    }
    bool is_directory = S_ISDIR(st.st_mode);
    if (is_directory && directory) return true;
    if (is_directory) {
      return path_problem(dest_label_, n.dest_shown, "is a directory; `" + n.source_shown + "` is not, and cannot replace it");
    }
    if (directory) {
      return path_problem(dest_label_, n.dest_shown,
                          "exists and is not a directory; the directory `" + n.source_shown + "` cannot replace it");
    }
    if (::unlinkat(n.dest_dir, n.dest_name.c_str(), 0) < 0) return path_error(dest_label_, n.dest_shown, errno, "unlink");
    return false;
  }

  /// Owner (with `archive`), mode, then times: chown first because it clears set-ID
  /// bits, times last because writing the content or chmod would change them.
  Result<void> apply_metadata(int fd, const struct stat& st, const std::string& shown) {
    mode_t mode = st.st_mode & 07777;
    if (options_.archive) {
      if (::fchown(fd, st.st_uid, st.st_gid) < 0) return path_error(dest_label_, shown, errno, "chown");
    } else if (S_ISREG(st.st_mode)) {
      mode &= ~static_cast<mode_t>(S_ISUID | S_ISGID);  // a new owner, as cp(1) without -p
    }
    if (::fchmod(fd, mode) < 0) return path_error(dest_label_, shown, errno, "chmod");
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(fd, times) < 0) return path_error(dest_label_, shown, errno, "set times");
    return ok();
  }

  Result<void> copy_regular(const Names& n) {
    // O_NONBLOCK|O_NOCTTY: if the name became a FIFO or a terminal since fstatat, the
    // open neither hangs nor adopts a terminal; the fstat below then refuses it.
    UniqueFd in(::openat(n.source_dir, n.source_name.c_str(),
                         O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!in) return path_error(source_label_, n.source_shown, errno, "open");
    struct stat st {};
    if (::fstat(in.get(), &st) < 0) return path_error(source_label_, n.source_shown, errno, "stat");
    if (!S_ISREG(st.st_mode)) return path_problem(source_label_, n.source_shown, "changed while being copied", EAGAIN);
    auto slot = prepare_slot(n, false);
    if (!slot) return std::move(slot).error();
    // O_EXCL|O_NOFOLLOW: a symlink put back at this name since the unlink makes the
    // create fail instead of being written through.
    UniqueFd out(::openat(n.dest_dir, n.dest_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return path_error(dest_label_, n.dest_shown, errno, "create");
    auto written = copy_data(in.get(), out.get(), source_label_, n.source_shown, dest_label_, n.dest_shown);
    if (written) written = apply_metadata(out.get(), st, n.dest_shown);
    if (!written) ::unlinkat(n.dest_dir, n.dest_name.c_str(), 0);  // no half file left behind
    return written;
  }

  Result<void> copy_symlink(const Names& n, const struct stat& st) {
    auto target = read_link_at(n.source_dir, n.source_name, source_label_, n.source_shown);
    if (!target) return std::move(target).error();
    auto slot = prepare_slot(n, false);
    if (!slot) return std::move(slot).error();
    if (::symlinkat(target->c_str(), n.dest_dir, n.dest_name.c_str()) < 0) {
      return path_error(dest_label_, n.dest_shown, errno, "symlink");
    }
    // Both calls act on the link itself (AT_SYMLINK_NOFOLLOW); links have no mode.
    if (options_.archive && ::fchownat(n.dest_dir, n.dest_name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
      return path_error(dest_label_, n.dest_shown, errno, "chown");
    }
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(n.dest_dir, n.dest_name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0) {
      return path_error(dest_label_, n.dest_shown, errno, "set times");
    }
    return ok();
  }

  /// FIFOs and device nodes (devices need CAP_MKNOD: as root only).
  Result<void> copy_special(const Names& n, const struct stat& st) {
    auto slot = prepare_slot(n, false);
    if (!slot) return std::move(slot).error();
    if (::mknodat(n.dest_dir, n.dest_name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) {
      return path_error(dest_label_, n.dest_shown, errno, "mknod");
    }
    // Opening a FIFO or a device to fchmod it could block or wake a driver, and a
    // name-based chmod would follow a symlink swapped in meanwhile. So: an O_PATH fd of
    // exactly the new node, and chmod/utimensat through its /proc/self/fd magic link.
    UniqueFd node(::openat(n.dest_dir, n.dest_name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node) return path_error(dest_label_, n.dest_shown, errno, "open");
    struct stat made {};
    if (::fstat(node.get(), &made) < 0) return path_error(dest_label_, n.dest_shown, errno, "stat");
    if ((made.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
      return path_problem(dest_label_, n.dest_shown, "changed while being copied", EAGAIN);
    }
    if (options_.archive && ::fchownat(node.get(), "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0) {
      return path_error(dest_label_, n.dest_shown, errno, "chown");
    }
    const std::string magic = sys::fd_path(node.get());
    if (::chmod(magic.c_str(), st.st_mode & 07777) < 0) return path_error(dest_label_, n.dest_shown, errno, "chmod");
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(AT_FDCWD, magic.c_str(), times, 0) < 0) {
      return path_error(dest_label_, n.dest_shown, errno, "set times");
    }
    return ok();
  }

  Result<void> copy_directory(const Names& n) {
    UniqueFd source(::openat(n.source_dir, n.source_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!source) return path_error(source_label_, n.source_shown, errno, "open");
    struct stat st {};
    if (::fstat(source.get(), &st) < 0) return path_error(source_label_, n.source_shown, errno, "stat");
    auto existing = prepare_slot(n, true);
    if (!existing) return std::move(existing).error();
    // A new directory starts 0700 (ours alone while it fills) and gets its real mode
    // after its children: a read-only source directory can still be filled.
    if (!*existing && ::mkdirat(n.dest_dir, n.dest_name.c_str(), 0700) < 0) {
      return path_error(dest_label_, n.dest_shown, errno, "mkdir");
    }
    UniqueFd dest(::openat(n.dest_dir, n.dest_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dest) return path_error(dest_label_, n.dest_shown, errno, "open");
    if (!*existing) {
      struct stat made {};
      if (::fstat(dest.get(), &made) < 0) return path_error(dest_label_, n.dest_shown, errno, "stat");
      made_.insert({made.st_dev, made.st_ino});
    }
    auto children = copy_children(source.get(), n.source_shown, dest.get(), n.dest_shown);
    if (!children) return children;
    return apply_metadata(dest.get(), st, n.dest_shown);
  }

  const CopyOptions& options_;
  const char* source_label_;
  const char* dest_label_;
  std::set<std::pair<dev_t, ino_t>> made_;  ///< directories this copy created
};

/// Docker's table (copy_files.hpp) for one source and one destination.
Result<void> copy_between(const Side& from, const std::string& source, const Side& to, const std::string& dest,
                          const CopyOptions& options) {
  auto source_spec = parse_path(source, from);
  if (!source_spec) return std::move(source_spec).error();
  auto dest_spec = parse_path(dest, to);
  if (!dest_spec) return std::move(dest_spec).error();

  // `x/` and `x/.` name the directory a link points to, as they would in a shell.
  bool follow = options.follow_link || source_spec->trailing_slash || source_spec->contents_only;
  auto src = locate(from, source_spec->clean, follow);
  if (!src) return std::move(src).error();
  if (!src->exists) return path_error(from.label, src->shown, ENOENT);
  bool source_is_directory = S_ISDIR(src->st.st_mode);
  if ((source_spec->trailing_slash || source_spec->contents_only) && !source_is_directory) {
    return path_error(from.label, source_spec->written, ENOTDIR);
  }
  bool contents_only = source_is_directory && (source_spec->contents_only || src->name == ".");
  // With -L the copy keeps the link's name, not its target's (Docker "rebases" it).
  std::string source_name = split_last(source_spec->clean).second;

  auto dst = locate(to, dest_spec->clean, true);
  if (!dst) return std::move(dst).error();
  TreeCopier copier(options, from.label, to.label);

  if (!dst->exists) {
    if (!source_is_directory && dest_spec->trailing_slash) {
      return path_problem(to.label, dest_spec->written, "no such directory (a destination ending in `/` must exist)",
                          ENOENT);
    }
    return copier.copy_entry(src->dir.get(), src->name, src->shown, dst->dir.get(), dst->name, dst->shown);
  }
  if (!S_ISDIR(dst->st.st_mode)) {
    if (source_is_directory) {
      return path_problem(to.label, dst->shown, "is not a directory; cannot copy the directory `" + src->shown + "` onto it");
    }
    if (dest_spec->trailing_slash) return path_error(to.label, dest_spec->written, ENOTDIR);
    return copier.copy_entry(src->dir.get(), src->name, src->shown, dst->dir.get(), dst->name, dst->shown);
  }
  UniqueFd into(::openat(dst->dir.get(), dst->name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!into) return path_error(to.label, dst->shown, errno);
  if (contents_only) {
    UniqueFd contents(::openat(src->dir.get(), src->name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!contents) return path_error(from.label, src->shown, errno);
    return copier.copy_children(contents.get(), src->shown, into.get(), dst->shown);
  }
  return copier.copy_entry(src->dir.get(), src->name, src->shown, into.get(), source_name,
                           join_path(dst->shown, source_name));
}

Result<UniqueFd> open_root(const std::string& root) {
  UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return Error::from_errno("open container root", root);
  return fd;
}

}  // namespace

Result<void> copy_into_root(const std::string& host_source, const std::string& root,
                            const std::string& container_dest, const CopyOptions& options) {
  auto root_fd = open_root(root);
  if (!root_fd) return std::move(root_fd).error();
  return copy_between(Side{-1, "host path"}, host_source, Side{root_fd->get(), "container path"}, container_dest,
                      options);
}

Result<void> copy_out_of_root(const std::string& root, const std::string& container_source,
                              const std::string& host_dest, const CopyOptions& options) {
  auto root_fd = open_root(root);
  if (!root_fd) return std::move(root_fd).error();
  return copy_between(Side{root_fd->get(), "container path"}, container_source, Side{-1, "host path"}, host_dest,
                      options);
}

Result<void> copy_directory_contents(int source_dir_fd, const std::string& source_shown, int dest_dir_fd,
                                     const std::string& dest_shown, const CopyOptions& options) {
  TreeCopier copier(options, "source", "destination");
  return copier.copy_children(source_dir_fd, source_shown, dest_dir_fd, dest_shown);
}

}  // namespace minirun::engine
