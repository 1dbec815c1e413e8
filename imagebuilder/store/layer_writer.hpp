/**
 * @file layer_writer.hpp
 * @brief Writing a directory (a build step's overlayfs upper dir) as an OCI layer tar.
 *
 * After a `RUN` step, everything the step changed sits in the overlay's upper dir:
 * new and modified files, and whiteouts for deletions. write_layer() turns that
 * directory into the layer an image is made of: an uncompressed POSIX (pax) tar, media
 * type `application/vnd.oci.image.layer.v1.tar`, whose SHA-256 is the layer's
 * `diff_id` (see compression.hpp for diff_id vs blob digest).
 *
 * What goes into the tar, and why:
 *  - names relative to the directory, without `./` (`etc/`, `etc/passwd`), as Docker
 *    writes them; a directory's entry comes before its contents;
 *  - entries sorted by name within each directory, owners as numeric uid/gid only, no
 *    atime/ctime, mtimes to the second (as Docker does): the same tree always gives the
 *    same bytes, hence the same diff_id, which is what makes the build cache work;
 *  - hardlinks within the tree as hardlink entries, symlinks as symlinks (never
 *    followed), setuid/setgid/sticky bits, device nodes and fifos as they are;
 *  - extended attributes (e.g. `security.capability`, what `setcap` writes for
 *    `ping`) in pax `SCHILY.xattr.*` records, except overlayfs's own `trusted.overlay.*`;
 *  - overlayfs whiteouts become OCI whiteouts (layer_whiteouts.hpp). Directories that
 *    overlay renamed (`trusted.overlay.redirect`) or copied up metadata-only
 *    (`trusted.overlay.metacopy`) are refused: their content lives in a lower layer, so
 *    no tar of the upper dir alone can be right. The build mounts overlay with
 *    `redirect_dir=off,metacopy=off` so these never appear.
 * Sockets are skipped (a tar cannot hold one; Docker skips them too).
 *
 * The diff_id is computed while writing: libarchive hands each output block to a
 * callback that hashes it and writes it, so the tar is never read back.
 *
 * Spec: OCI image-spec `layer.md`, `config.md` (rootfs.diff_ids). Man pages: tar(5),
 * archive_write(3), listxattr(2), overlayfs docs. Design note: docs/design/image-layers.md.
 * Lab: labs/06-layers-overlayfs (build a step, then `tar tvf` its layer).
 */
#pragma once

#include <cstdint>
#include <string>

#include "imagebuilder/store/digest.hpp"
#include "imagebuilder/store/layer_whiteouts.hpp"

namespace imagebuilder::store {

struct LayerWriteOptions {
  /// Convert overlayfs whiteouts (char device 0/0, opaque xattr) into OCI whiteout
  /// entries. Off: the tree is written as it is (e.g. exporting a flat rootfs).
  bool overlay_whiteouts = true;
  /// Prefix of overlayfs's private xattrs: `trusted.overlay.`, or `user.overlay.` for an
  /// overlay mounted with `userxattr` (unprivileged). Such xattrs are never written.
  std::string overlay_xattr_prefix = std::string(kOverlayXattrPrefix);
  /// Keep the other extended attributes; off writes none.
  bool keep_xattrs = true;
};

/// What was written: the uncompressed tar's digest and size, and how many entries.
struct WrittenLayer {
  Digest diff_id;
  std::uint64_t size = 0;     ///< bytes in the tar file
  std::uint64_t entries = 0;  ///< tar entries, whiteouts included
};

/// Writes everything below `dir` (not `dir` itself) to a new tar at `tar_path`
/// (replaced if it exists). The error names the file that could not be written.
Result<WrittenLayer> write_layer(const std::string& dir, const std::string& tar_path,
                                 const LayerWriteOptions& options = {});

}  // namespace imagebuilder::store
