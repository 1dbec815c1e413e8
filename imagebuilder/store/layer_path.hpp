/**
 * @file layer_path.hpp
 * @brief Turning the name a tar entry claims into a path that stays inside the layer.
 *
 * A tar entry's name is just bytes chosen by whoever made the tar. `../../etc/passwd`,
 * `/etc/shadow` and `a/../../x` are all legal tar names, and an unpacker that joins
 * them to its target directory writes wherever they point: the "tar slip" / "zip slip"
 * family of bugs, and the reason Docker checks every name it unpacks (CVE-2014-6407,
 * CVE-2014-9356 were escapes of exactly this kind through `docker load`/`pull`).
 *
 * The rules here, which layer_unpack.cpp applies to every entry name *and* every
 * hardlink target:
 *  - a leading `/` is stripped, as Docker and GNU tar do: `/etc/passwd` in a layer
 *    means the image's `/etc/passwd`, i.e. `etc/passwd` below the layer root;
 *  - `.` components and repeated or trailing slashes are dropped (`./etc//x/` -> `etc/x`);
 *  - any `..` component is refused, even one that would stay inside (`a/../b`): a layer
 *    written by a real tool never contains one, and refusing is simpler to reason
 *    about than cleaning (Docker cleans first, then refuses what still climbs out).
 *
 * This is only the *lexical* half. Symlinks are the other half: `evil -> /` makes the
 * clean name `evil/etc/passwd` dangerous too. That half is done by the kernel while
 * opening (openat2 with RESOLVE_NO_SYMLINKS; see layer_fs.hpp).
 *
 * Spec: OCI image-spec `layer.md` (File types, Changesets). Man page: tar(5).
 * Lab: labs/06-layers-overlayfs (unpack a hostile layer and watch it be refused).
 */
#pragma once

#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace imagebuilder::store {

/// `name` as a clean relative path (`etc/passwd`); the empty string means the layer
/// root itself (`./`, `/`). The error says why a name is refused, naming it.
minirun::sys::Result<std::string> clean_entry_path(std::string_view name);

/// The directory part of a clean path (`a/b` for `a/b/c`, `` for `c`).
std::string parent_of(std::string_view clean_path);
/// The last component of a clean path (`c` for `a/b/c`).
std::string base_of(std::string_view clean_path);

}  // namespace imagebuilder::store
