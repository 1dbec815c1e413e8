/**
 * @file context_sources.hpp
 * @brief The sources of `COPY` and `ADD`: finding them in the build context (or in an
 * earlier stage's root), walking them, and hashing them for the build cache.
 *
 * `COPY requirements.txt src /app/` names its sources relative to a *root*: the
 * build context (a directory on the host, filtered by `.dockerignore`) or, with
 * `COPY --from=stage`, that stage's root filesystem. Three things are asked of them:
 *
 * 1. **Which files?** match_sources() turns one written source into the list of
 *    matching paths. A leading `/` or `./` means nothing (the root is `/`). Each path
 *    component may be a glob (`*`, `?`, `[a-z]`), matched by fnmatch(3) one component at
 *    a time, so `*` never crosses a `/`, and, as in Go's `filepath.Match` that Docker
 *    uses, a `*` also matches names that start with a dot. A `..` that climbs above the
 *    root is refused (Docker: "forbidden path outside the build context").
 * 2. **What is in them?** walk_source() visits a source and, for a directory,
 *    everything below it in sorted order; source_digest() hashes what it visits.
 * 3. **Which entries are ignored?** An entry is left out when the `.dockerignore`
 *    predicate says so, except a directory that still holds an entry the predicate
 *    keeps (a `!exception` line re-including `node_modules/keep.js`): it stays, with
 *    only what is kept inside. That is what Docker's context transfer does.
 *
 * ## Symlinks, and why every path is resolved inside the root
 * The context is the user's, but an earlier stage's root is whatever that stage's `RUN`
 * steps made, and even a context can hold `passwd -> /etc/passwd`. Following such a
 * link on the host would put a host file into an image (Docker had this bug class:
 * CVE-2014-9356 and the `docker cp` race CVE-2018-15664). So every path is opened with
 * openat2(2) and RESOLVE_IN_ROOT: the kernel walks it as if the root were `/`, and the
 * link above leads to the *root's own* `etc/passwd`, or to nothing. A symlink named
 * directly as a source is followed that way (BuildKit does the same); a symlink met
 * *inside* a copied directory is not followed at all: it is copied as a symlink and
 * hashed as its target text. Sockets are skipped (a tar cannot hold them).
 *
 * ## What the digest covers
 * For every entry: its type, permission bits with setuid/setgid/sticky, uid, gid, name
 * relative to the source, and its content (regular files), target (symlinks) or
 * device number. Not its times: a `touch` or a fresh `git clone` must not miss the
 * cache, while a `chmod` or an edit must (cache_key.hpp says how the digest is used).
 *
 * Man pages: openat2(2), fnmatch(3), glob(7), readdir(3), fstatat(2).
 * Docs: Dockerfile reference, COPY and `.dockerignore`.
 * Lab: labs/07-build-cache (edit one file, rebuild, read `--explain-cache`).
 */
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;
using minirun::sys::Result;
using minirun::sys::UniqueFd;

/// The `.dockerignore` test: true when the path (relative to the root, no leading `/`,
/// e.g. `node_modules/x.js`) is excluded. An empty function excludes nothing
/// (`COPY --from`, which has no ignore file).
using ExcludedFn = std::function<bool(std::string_view)>;

/// `pattern` as written, made relative and clean: leading `/` and `./` dropped, `.`
/// and `..` resolved by text; `.` for the root itself. A `..` above the root is an
/// error naming the pattern and `shown_root` (e.g. "the build context").
Result<std::string> clean_source_path(std::string_view pattern, std::string_view shown_root);

/// True when `text` holds a glob character (`*`, `?`, `[` or the escape `\`).
bool has_glob(std::string_view text);

/// The paths in `root_fd` that the source `pattern` names, sorted, each relative to the
/// root (`.` for the root itself). None is an error such as
/// ``source `app.py` not found in the build context (or excluded by .dockerignore)``;
/// the caller adds `COPY` or `ADD` in front with Error::context().
Result<std::vector<std::string>> match_sources(int root_fd, std::string_view pattern, const ExcludedFn& excluded,
                                               std::string_view shown_root);

/// Opens `relative` inside `root_fd` as if root_fd were `/` (openat2 RESOLVE_IN_ROOT |
/// RESOLVE_NO_MAGICLINKS), following symlinks inside the root, with `flags` (O_CLOEXEC
/// is added). The error names `relative`.
Result<UniqueFd> open_in_source_root(int root_fd, const std::string& relative, int flags);

/// The target of the symlink `name` in `dir_fd` (readlinkat(2), any length); the error
/// names `shown`.
Result<std::string> read_link_at(int dir_fd, const std::string& name, const std::string& shown);

/// The non-empty components of a slash-separated path (`/a//b/` -> `a`, `b`).
std::vector<std::string> split_components(std::string_view path);

/// `parent/name`, or `name` when parent is `.` or empty.
std::string join_relative(std::string_view parent, std::string_view name);

/// One entry met by walk_source().
struct SourceEntry {
  /// Relative to the source: empty for the source itself, then `a`, `a/b`, ...
  std::string path;
  /// fstatat(2) of the entry without following it (the source itself is followed).
  struct stat info {};
  /// A regular file open for reading, a directory open with O_DIRECTORY; else -1.
  /// Valid only during the call that receives the entry.
  int fd = -1;
  /// The target text of a symlink.
  std::string link_target;
};

/// What walk_source() calls: enter() for every entry, a directory before its children;
/// leave_directory() after a directory's last child (where a copier sets the
/// directory's mode and times, which writing the children would have changed).
class SourceVisitor {
 public:
  virtual ~SourceVisitor() = default;
  virtual Result<void> enter(const SourceEntry& entry) = 0;
  virtual Result<void> leave_directory(const SourceEntry& entry) {
    (void)entry;
    return minirun::sys::ok();
  }
};

/// Walks the source `relative` (as returned by match_sources) in `root_fd`: the source
/// itself, then, for a directory, every entry below it in byte order of names, left out
/// when `excluded` says so (see the file comment for excluded directories). Symlinks
/// below the source are reported, never followed; sockets are skipped.
Result<void> walk_source(int root_fd, const std::string& relative, const ExcludedFn& excluded,
                         SourceVisitor& visitor);

/// `sha256:<hex>` of the source `relative`: what it is and holds, not when it was
/// touched (see the file comment).
Result<std::string> source_digest(int root_fd, std::string_view relative, const ExcludedFn& excluded);

}  // namespace imagebuilder::build
