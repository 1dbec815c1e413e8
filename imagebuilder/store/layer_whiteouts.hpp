/**
 * @file layer_whiteouts.hpp
 * @brief Deletions in a layer: OCI whiteout files and overlayfs whiteouts.
 *
 * A layer is a *changeset*: files added or changed since the layer below, and files
 * deleted. A tar cannot hold "nothing here any more", so both formats invent a marker.
 *
 *   what happened        overlayfs upper dir (on disk)        OCI layer tar
 *   rm /etc/motd         `etc/motd`: char device 0/0          `etc/.wh.motd` (empty file)
 *   rm -r /opt; mkdir    `opt/` with xattr                    `opt/` then
 *     /opt (new, empty)    trusted.overlay.opaque=y            `opt/.wh..wh..opq`
 *
 * A *whiteout* hides one name of the layers below; an *opaque* directory hides all of
 * the lower directory's contents while keeping its own. The writer turns the overlay
 * form into the OCI form; the unpacker turns it back (or, when flattening layers into
 * one directory, simply deletes). Names that start with `.wh..wh.` other than the
 * opaque marker are aufs bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`) and are skipped,
 * as Docker skips them.
 *
 * Spec: OCI image-spec `layer.md` (Whiteouts). Kernel docs:
 * Documentation/filesystems/overlayfs.rst ("whiteouts and opaque directories").
 * Lab: labs/06-layers-overlayfs (`rm` a file in a container, then look at its upper dir).
 */
#pragma once

#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace imagebuilder::store {

/// Prefix of a whiteout file in an OCI layer: `.wh.motd` deletes `motd`.
inline constexpr std::string_view kWhiteoutPrefix = ".wh.";
/// The opaque marker: `dir/.wh..wh..opq` hides everything below `dir` in lower layers.
inline constexpr std::string_view kOpaqueWhiteout = ".wh..wh..opq";
/// Prefix of the names reserved for metadata (aufs used `.wh..wh.plnk` and friends).
inline constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";

/// The overlayfs xattr that marks an opaque directory (value `y`). Overlay mounted with
/// `userxattr` (unprivileged) uses the `user.overlay.` prefix instead of `trusted.overlay.`.
inline constexpr std::string_view kOverlayOpaqueXattr = "trusted.overlay.opaque";
/// Prefix of every xattr overlayfs keeps for itself in an upper dir.
inline constexpr std::string_view kOverlayXattrPrefix = "trusted.overlay.";

/// What the last component of an entry name means.
enum class WhiteoutKind {
  none,    ///< an ordinary name
  file,    ///< `.wh.X`: delete X
  opaque,  ///< `.wh..wh..opq`: hide the lower contents of the directory
  meta,    ///< another `.wh..wh.*` name: aufs metadata, skipped
};

struct WhiteoutName {
  WhiteoutKind kind = WhiteoutKind::none;
  std::string target;  ///< for `file`: the name deleted (X)
};

/// Classifies a base name. `.wh.` alone, `.wh..` and `.wh...` are refused: they would
/// delete the directory itself or its parent (a whiteout that climbs out).
minirun::sys::Result<WhiteoutName> classify_whiteout(std::string_view base_name);

/// The OCI name of a whiteout for `name` (`.wh.` + name).
inline std::string whiteout_name_for(std::string_view name) { return std::string(kWhiteoutPrefix) + std::string(name); }

}  // namespace imagebuilder::store
