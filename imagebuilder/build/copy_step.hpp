/**
 * @file copy_step.hpp
 * @brief `COPY` and `ADD`: putting sources into the root filesystem being built.
 *
 * The build engine mounts the image built so far as a writable overlay, calls
 * copy_sources(), unmounts, and the overlay's upper directory becomes the step's layer.
 * Everything Docker's reference promises about where files land is decided here:
 *
 *  | sources              | destination                  | result                          |
 *  |----------------------|------------------------------|---------------------------------|
 *  | one file             | `/x` (missing, or a file)    | the file *is* `/x`              |
 *  | one file             | `/x/`, or `/x` a directory   | `/x/<name>`                     |
 *  | a directory          | `/x` or `/x/`                | its *contents* go into `/x`     |
 *  | several, or a glob   | `/x/`                        | each goes into `/x` as above    |
 *  | several named        | `/x` (no trailing `/`)       | error, as Docker                |
 *  | ADD a tar archive    | `/x`                         | unpacked into directory `/x`    |
 *
 * A relative destination is taken from WORKDIR; `.` means that directory. Missing
 * directories on the way are made 0755 and owned by the `--chown` user (root without
 * it). Copied entries belong to 0:0, never to their owner in the context (a uid on the
 * build host means nothing in the image), unless `--chown user[:group]`, whose names
 * are looked up in the *image's* /etc/passwd and /etc/group (user_lookup.hpp); a bare
 * number is used as both uid and gid, as BuildKit does. Modes are kept unless
 * `--chmod`, which BuildKit applies to files and directories alike; mtimes are kept;
 * symlinks are copied as symlinks; files hard-linked inside one source stay linked.
 *
 * ## Writing into an image without leaving it
 * The image may contain `app -> /etc` (or `../../../etc`). A naive `open(rootfs +
 * "/app/x")` would follow it into the *host's* /etc, as root. Here every directory is
 * opened with openat2(2) RESOLVE_IN_ROOT on the rootfs fd, so the link leads to
 * `<rootfs>/etc`, and the last component is created with *at() calls and
 * O_NOFOLLOW/O_EXCL after removing whatever was there: an existing symlink at a
 * destination file is replaced, never written through. `ADD` hands unpack_layer() the
 * destination as `/proc/self/fd/N` of such an fd, so nothing can redirect it between
 * the check and the use.
 *
 * ## ADD, offline
 * Beyond COPY, ADD unpacks a *local* tar archive (plain, gzip, bzip2, xz or zstd,
 * recognised by content with libarchive, as Docker sniffs the bytes, never the name);
 * the entries keep the tar's owners and modes. `http://` and `https://` sources are
 * refused: this kit never touches the network. `file:///abs/path` copies that file from
 * the build host, not unpacked and with mode 0600, the way Docker treats a download.
 *
 * Man pages: openat2(2), copy_file_range(2), linkat(2), fchownat(2), utimensat(2).
 * Docs: Dockerfile reference, COPY and ADD. Lab: labs/06-layers-overlayfs.
 */
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imagebuilder/build/context_sources.hpp"

namespace imagebuilder::build {

/// One COPY or ADD step, with its sources already matched.
struct CopyRequest {
  /// The build context or the `--from` stage's root (an fd on a directory).
  int source_root_fd = -1;
  /// From match_sources(), in order; for ADD, URL sources as written.
  std::vector<std::string> sources;
  /// How many sources the instruction names, before globs: more than one needs a
  /// destination ending in `/`.
  std::size_t source_arguments = 1;
  /// As written, variables already expanded.
  std::string dest;
  /// The image's WORKDIR, for a relative dest.
  std::string workdir = "/";
  /// `user[:group]`, resolved in the destination rootfs.
  std::optional<std::string> chown;
  std::optional<mode_t> chmod;
  bool is_add = false;
  /// The `.dockerignore` predicate; empty for `--from`.
  ExcludedFn excluded;
};

/// What a copy wrote.
struct CopyStats {
  std::uint64_t files = 0;
  std::uint64_t directories = 0;
  std::uint64_t symlinks = 0;
  std::uint64_t hardlinks = 0;
  std::uint64_t bytes = 0;
  std::uint64_t archives = 0;  ///< ADD: tar archives unpacked
};

/// Copies the request's sources into `rootfs` (a writable directory) by the rules in
/// the file comment. Errors name the source and the destination.
Result<CopyStats> copy_sources(const CopyRequest& request, const std::string& rootfs);

/// What an ADD source is: std::nullopt for a path in the build context, the absolute
/// host path for `file:///...`; an error for `http(s)://` (offline kit) and for any
/// other `scheme://`. The engine calls it before match_sources().
Result<std::optional<std::string>> add_url_host_path(std::string_view source);

/// The destination as an absolute, lexically clean image path (`..` stops at `/`).
std::string image_dest_path(std::string_view dest, std::string_view workdir);

/// True when `dest` names a directory by its spelling: a trailing `/`, or `.`/`..` last.
bool dest_names_directory(std::string_view dest);

}  // namespace imagebuilder::build
