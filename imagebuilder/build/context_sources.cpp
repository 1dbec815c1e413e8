/**
 * @file context_sources.cpp
 * @brief Matching, walking and hashing COPY/ADD sources inside their root; see
 * context_sources.hpp for the rules.
 */
#include "imagebuilder/build/context_sources.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::build {

using minirun::sys::ok;

namespace {


/// The names in directory `dir_fd`, sorted by bytes, without `.` and `..`. The fd is
/// dup'ed because closedir(3) closes the fd it was given.
Result<std::vector<std::string>> list_directory(int dir_fd, const std::string& shown) {
  int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return Error::from_errno("dup", shown);
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    Error error = Error::from_errno("fdopendir", shown);
    ::close(copy);
    return error;
  }
  // A dup shares the file offset: an earlier listing of the same fd left it at the end.
  ::rewinddir(dir);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    errno = 0;
  }
  int saved = errno;
  ::closedir(dir);
  if (saved != 0) return Error::from_errno("readdir", shown, saved);
  std::sort(names.begin(), names.end());
  return names;
}

bool is_excluded(const ExcludedFn& excluded, const std::string& relative) {
  return excluded && relative != "." && excluded(relative);
}

/// True when directory `dir_fd` (at `relative` in the root) holds, at any depth, an
/// entry that `excluded` keeps: the reason an excluded directory is still copied.
Result<bool> holds_kept_entry(int dir_fd, const std::string& relative, const ExcludedFn& excluded) {
  auto names = list_directory(dir_fd, relative);
  if (!names) return std::move(names).error();
  for (const auto& name : *names) {
    std::string child = join_relative(relative, name);
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return Error::from_errno("stat", child);
    if (S_ISSOCK(st.st_mode)) continue;
    if (!excluded(child)) return true;
    if (!S_ISDIR(st.st_mode)) continue;
    UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) return Error::from_errno("open", child);
    auto kept = holds_kept_entry(sub.get(), child, excluded);
    if (!kept || *kept) return kept;
  }
  return false;
}

/// Whether the match `relative` (already opened as `fd`, stat `st`) survives .dockerignore.
Result<bool> match_is_kept(int root_fd, const std::string& relative, const struct stat& st,
                           const ExcludedFn& excluded) {
  if (!is_excluded(excluded, relative)) return true;
  if (!S_ISDIR(st.st_mode)) return false;
  auto dir = open_in_source_root(root_fd, relative, O_RDONLY | O_DIRECTORY);
  if (!dir) return std::move(dir).error();
  return holds_kept_entry(dir->get(), relative, excluded);
}

/// Matches components[index..] below `dir_relative`, appending whole matches to `found`.
Result<void> match_components(int root_fd, const std::string& dir_relative, const std::vector<std::string>& components,
                              size_t index, const ExcludedFn& excluded, std::vector<std::string>& found) {
  const std::string& component = components[index];
  const bool last = index + 1 == components.size();
  std::vector<std::string> candidates;
  if (!has_glob(component)) {
    candidates.push_back(component);
  } else {
    auto dir = open_in_source_root(root_fd, dir_relative, O_RDONLY | O_DIRECTORY);
    if (!dir) {
      // A glob below something missing or not a directory simply matches nothing.
      if (dir.error().code() == ENOENT || dir.error().code() == ENOTDIR) return ok();
      return std::move(dir).error();
    }
    auto names = list_directory(dir->get(), dir_relative);
    if (!names) return std::move(names).error();
    for (const auto& name : *names) {
      // No FNM_PERIOD: Go's filepath.Match, which Docker uses, lets `*` match `.env`.
      if (::fnmatch(component.c_str(), name.c_str(), 0) == 0) candidates.push_back(name);
    }
  }
  for (const auto& name : candidates) {
    std::string relative = join_relative(dir_relative, name);
    auto fd = open_in_source_root(root_fd, relative, O_PATH);
    if (!fd) {
      int code = fd.error().code();
      if (code == ENOENT || code == ENOTDIR || code == ELOOP) continue;
      return std::move(fd).error();
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0) return Error::from_errno("stat", relative);
    if (!last) {
      if (!S_ISDIR(st.st_mode)) continue;
      if (auto deeper = match_components(root_fd, relative, components, index + 1, excluded, found); !deeper) {
        return deeper;
      }
      continue;
    }
    auto kept = match_is_kept(root_fd, relative, st, excluded);
    if (!kept) return std::move(kept).error();
    if (*kept) found.push_back(relative);
  }
  return ok();
}


bool same_inode(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

/// Walks the children of directory `dir_fd`; `source` is the source's path in the root
/// (for the ignore test) and `below` the directory's path relative to the source.
Result<void> walk_children(int dir_fd, const std::string& source, const std::string& below, const ExcludedFn& excluded,
                           SourceVisitor& visitor) {
  auto names = list_directory(dir_fd, join_relative(source, below));
  if (!names) return std::move(names).error();
  for (const auto& name : *names) {
    SourceEntry entry;
    entry.path = below.empty() ? name : below + "/" + name;
    const std::string in_root = join_relative(source, entry.path);
    if (::fstatat(dir_fd, name.c_str(), &entry.info, AT_SYMLINK_NOFOLLOW) < 0) {
      return Error::from_errno("stat", in_root);
    }
    const mode_t type = entry.info.st_mode & S_IFMT;
    if (type == S_IFSOCK) continue;
    const bool ignored = is_excluded(excluded, in_root);
    if (ignored && type != S_IFDIR) continue;
    UniqueFd fd;
    if (type == S_IFDIR || type == S_IFREG) {
      // O_NOFOLLOW and the inode check below: if the entry was swapped for a symlink
      // since fstatat, the open fails instead of reading whatever the link names.
      int flags = type == S_IFDIR ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NOCTTY | O_NONBLOCK;
      fd.reset(::openat(dir_fd, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) return Error::from_errno("open", in_root);
      struct stat now {};
      if (::fstat(fd.get(), &now) < 0) return Error::from_errno("stat", in_root);
      if (!same_inode(now, entry.info)) return Error("`" + in_root + "` changed while it was being read");
      entry.fd = fd.get();
    }
    if (ignored) {
      auto kept = holds_kept_entry(fd.get(), in_root, excluded);
      if (!kept) return std::move(kept).error();
      if (!*kept) continue;
    }
    if (type == S_IFLNK) {
      auto target = read_link_at(dir_fd, name, in_root);
      if (!target) return std::move(target).error();
      entry.link_target = std::move(*target);
    }
    MINIRUN_TRY(visitor.enter(entry), "`" + in_root + "`");
    if (type == S_IFDIR) {
      // No context added here: the entry that failed names its own full path.
      if (auto walked = walk_children(fd.get(), source, entry.path, excluded, visitor); !walked) return walked;
      MINIRUN_TRY(visitor.leave_directory(entry), "`" + in_root + "`");
    }
  }
  return ok();
}

/// Hashes what walk_source() shows it, in a framing that cannot be confused: each
/// entry is one header line with length-prefixed names, then exactly `size` bytes.
class DigestVisitor : public SourceVisitor {
 public:
  Result<void> enter(const SourceEntry& entry) override {
    const struct stat& st = entry.info;
    char type = '?';
    switch (st.st_mode & S_IFMT) {
      case S_IFREG: type = 'f'; break;
      case S_IFDIR: type = 'd'; break;
      case S_IFLNK: type = 'l'; break;
      case S_IFIFO: type = 'p'; break;
      case S_IFCHR: type = 'c'; break;
      case S_IFBLK: type = 'b'; break;
      default: break;
    }
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    std::string header = std::string(1, type) + " " + mode + " " + std::to_string(st.st_uid) + " " +
                         std::to_string(st.st_gid) + " " + std::to_string(entry.path.size()) + ":" + entry.path;
    if (type == 'l') header += " -> " + std::to_string(entry.link_target.size()) + ":" + entry.link_target;
    if (type == 'c' || type == 'b') {
      header += " " + std::to_string(major(st.st_rdev)) + "," + std::to_string(minor(st.st_rdev));
    }
    if (type == 'f') header += " size " + std::to_string(st.st_size);
    header += "\n";
    sha_.update(header);
    if (type == 'f') return hash_content(entry);
    return ok();
  }

  std::string finish() { return sha_.finish().str(); }

 private:
  Result<void> hash_content(const SourceEntry& entry) {
    ::posix_fadvise(entry.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (buffer_.empty()) buffer_.resize(1 << 20);
    off_t total = 0;
    for (;;) {
      ssize_t n = ::read(entry.fd, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::from_errno("read");
      if (n == 0) break;
      sha_.update(buffer_.data(), static_cast<size_t>(n));
      total += n;
    }
    // The header promised st_size bytes; a file still being written would break the
    // framing and give a digest of content that never existed as a whole.
    if (total != entry.info.st_size) return Error("file changed size while being hashed");
    return ok();
  }

  store::Sha256 sha_;
  std::vector<char> buffer_;
};

}  // namespace

std::vector<std::string> split_components(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    if (end > pos) parts.emplace_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}

Result<std::string> read_link_at(int dir_fd, const std::string& name, const std::string& shown) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) return Error::from_errno("readlink", shown);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

Result<std::string> clean_source_path(std::string_view pattern, std::string_view shown_root) {
  std::vector<std::string> kept;
  for (auto& part : split_components(pattern)) {
    if (part == ".") continue;
    if (part == "..") {
      if (kept.empty()) {
        return Error("source `" + std::string(pattern) + "` is outside " + std::string(shown_root) +
                     ": a source may not climb above it with `..`");
      }
      kept.pop_back();
      continue;
    }
    kept.push_back(std::move(part));
  }
  if (kept.empty()) return std::string(".");
  std::string out = kept[0];
  for (size_t i = 1; i < kept.size(); ++i) out += "/" + kept[i];
  return out;
}

bool has_glob(std::string_view text) { return text.find_first_of("*?[\\") != std::string_view::npos; }

std::string join_relative(std::string_view parent, std::string_view name) {
  if (parent.empty() || parent == ".") return std::string(name);
  return std::string(parent) + "/" + std::string(name);
}

Result<UniqueFd> open_in_source_root(int root_fd, const std::string& relative, int flags) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  // IN_ROOT: `..` and absolute symlinks stop at root_fd, as if it were `/`.
  // NO_MAGICLINKS: a `/proc/self/fd/N`-style link cannot jump anywhere else.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how));
  if (fd < 0) return Error::from_errno("openat2", relative);
  return UniqueFd(fd);
}

Result<std::vector<std::string>> match_sources(int root_fd, std::string_view pattern, const ExcludedFn& excluded,
                                               std::string_view shown_root) {
  auto clean = clean_source_path(pattern, shown_root);
  if (!clean) return std::move(clean).error();
  std::vector<std::string> found;
  if (*clean == ".") {
    found.push_back(".");  // the root itself is never excluded
    return found;
  }
  MINIRUN_TRY(match_components(root_fd, ".", split_components(*clean), 0, excluded, found),
              "source `" + std::string(pattern) + "`");
  if (found.empty()) {
    std::string message = "source `" + std::string(pattern) + "` " +
                          (has_glob(*clean) ? "matches no file in " : "not found in ") + std::string(shown_root);
    if (excluded) message += " (or excluded by .dockerignore)";
    return Error(message);
  }
  std::sort(found.begin(), found.end());
  return found;
}

Result<void> walk_source(int root_fd, const std::string& relative, const ExcludedFn& excluded,
                         SourceVisitor& visitor) {
  // The source itself is followed (inside the root) when it is a symlink.
  auto path_fd = open_in_source_root(root_fd, relative, O_PATH);
  if (!path_fd) return std::move(path_fd).error();
  SourceEntry entry;
  if (::fstat(path_fd->get(), &entry.info) < 0) return Error::from_errno("stat", relative);
  const mode_t type = entry.info.st_mode & S_IFMT;
  if (type == S_IFSOCK) return Error("`" + relative + "` is a socket, which cannot be copied");
  UniqueFd fd;
  if (type == S_IFDIR || type == S_IFREG) {
    int flags = type == S_IFDIR ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NOCTTY | O_NONBLOCK;
    auto opened = open_in_source_root(root_fd, relative, flags);
    if (!opened) return std::move(opened).error();
    struct stat now {};
    if (::fstat(opened->get(), &now) < 0) return Error::from_errno("stat", relative);
    if (!same_inode(now, entry.info)) return Error("`" + relative + "` changed while it was being read");
    fd = std::move(*opened);
    entry.fd = fd.get();
  }
  MINIRUN_TRY(visitor.enter(entry), "`" + relative + "`");
  if (type == S_IFDIR) {
    if (auto walked = walk_children(fd.get(), relative, "", excluded, visitor); !walked) return walked;
    MINIRUN_TRY(visitor.leave_directory(entry), "`" + relative + "`");
  }
  return ok();
}

Result<std::string> source_digest(int root_fd, std::string_view relative, const ExcludedFn& excluded) {
  DigestVisitor visitor;
  MINIRUN_TRY(walk_source(root_fd, std::string(relative), excluded, visitor), "hash source");
  return visitor.finish();
}

}  // namespace imagebuilder::build
