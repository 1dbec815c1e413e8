/**
 * @file layer_unpack.hpp
 * @brief Unpacking a layer tar that may be hostile into a directory, safely.
 *
 * Images come from elsewhere: `load` of a tarball, a registry, a colleague. A layer tar
 * is therefore untrusted input that the kit unpacks *as root*, which is exactly the
 * situation of every tar-slip CVE. unpack_layer() reads the tar with libarchive (gzip,
 * zstd, xz, bzip2 or plain, see layer_stream.hpp) but creates every file itself with *at()
 * syscalls relative to directory fds opened by openat2(2), so that it never writes
 * outside `target_dir`, whatever the tar says:
 *
 *  | the tar says                        | what happens                                |
 *  |-------------------------------------|---------------------------------------------|
 *  | `/etc/passwd` (absolute)            | neutralized: leading `/` stripped, as Docker|
 *  | `../x`, `a/../../x`, `a/../b`       | refused: any `..` component (layer_path.hpp)|
 *  | `evil -> /etc` then `evil/passwd`   | the link is made (a link is data); writing  |
 *  |                                     | through it is refused (layer_fs.hpp)        |
 *  | an existing link, then a file of    | the link is removed and a new file created  |
 *  | that name                           | (O_EXCL|O_NOFOLLOW): never written through  |
 *  | hardlink to `../../victim/file`     | refused (`..`); `/etc/passwd` is stripped to|
 *  |                                     | `etc/passwd` and must exist in the tree     |
 *  | hardlink to a file not yet unpacked | refused, naming both                        |
 *  | char/block device                   | refused unless allow_devices (fifos are ok) |
 *  | setuid/setgid bits                  | kept, or stripped when !keep_setuid         |
 *  | `.wh..`, `a/.wh...`                 | refused: a whiteout of `.`/`..` climbs out  |
 *  | xattrs                              | only `user.*` and `security.capability`;    |
 *  |                                     | `trusted.*` (overlay's own metadata, e.g. a |
 *  |                                     | forged `trusted.overlay.redirect`) and      |
 *  |                                     | `security.selinux` (host policy) are dropped|
 *  | an entry for the layer root (`./`)  | skipped: the target dir is the caller's     |
 *
 * Whiteouts (layer_whiteouts.hpp) have two meanings, chosen by the caller:
 *  - overlay_whiteouts (default): the directory will be an overlayfs *lower* dir, so
 *    `.wh.X` becomes a character device 0/0 named X (mknod, needs root or kernel >= 5.8)
 *    and `.wh..wh..opq` the xattr `trusted.overlay.opaque=y` on its directory (root);
 *  - otherwise the layer is applied on top of the tree already in `target_dir`
 *    (flattening, for `export`): `.wh.X` deletes X, an opaque marker empties the
 *    directory. Either way a whiteout only hides what was there *before* this layer
 *    (OCI layer.md), never a file this same layer created.
 *
 * Order of work per entry: contents first, then owner (chown clears setuid bits and
 * file capabilities, so it must come before chmod and xattrs), mode, xattrs, and times
 * last (every other change would move the times). Directories get their mode and times
 * at the very end, deepest first, since creating their children changes their mtime and
 * a read-only directory mode would stop the unpack from creating them.
 *
 * Spec: OCI image-spec `layer.md`. Man pages: openat2(2), mknod(2), linkat(2),
 * fchownat(2), utimensat(2), xattr(7). Design note: docs/design/image-layers.md.
 * Lab: labs/06-layers-overlayfs (unpack a crafted layer and read why it was refused).
 */
#pragma once

#include <cstdint>
#include <string>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::store {

struct UnpackOptions {
  /// Create character and block devices. Off by default: an image has no business
  /// shipping `/dev/sda`; the runtime makes the few devices a container gets.
  bool allow_devices = false;
  /// Keep setuid/setgid bits and `security.capability`; off strips all three (setgid
  /// on directories, which only passes a group down, is kept).
  bool keep_setuid = true;
  /// chown every file to the tar's numeric uid/gid (needs root). Off: files belong to
  /// the caller (unpacking as a normal user, tests).
  bool same_owner = true;
  /// true: make overlayfs whiteouts (for a lower dir); false: apply whiteouts by
  /// deleting (flattening layers into one tree).
  bool overlay_whiteouts = true;
  /// Keep the allowed xattrs (`user.*`, `security.capability`); off keeps none.
  bool keep_xattrs = true;
};

/// What was unpacked, and the digest of the layer's uncompressed tar.
struct UnpackStats {
  Digest diff_id;
  std::uint64_t size = 0;          ///< uncompressed tar bytes
  std::string compression;         ///< "none", "gzip", "zstd", ...
  std::uint64_t entries = 0;       ///< tar entries read
  std::uint64_t whiteouts = 0;     ///< whiteout and opaque entries applied
  std::uint64_t dropped_xattrs = 0;  ///< xattrs not allowed by the rules above
};

/// Unpacks the layer at `tar_path` into `target_dir` (created if missing). On error
/// the message names the layer and the entry, e.g.
/// ``layer `x.tar`: entry `../../etc/passwd` climbs out of the layer``; what was
/// unpacked before the bad entry stays (the caller unpacks into a fresh directory
/// and removes it on failure).
Result<UnpackStats> unpack_layer(const std::string& tar_path, const std::string& target_dir,
                                 const UnpackOptions& options = {});

}  // namespace imagebuilder::store
