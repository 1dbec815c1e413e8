/**
 * @file layer_fs.hpp
 * @brief File operations confined to one directory tree, for unpacking untrusted layers.
 *
 * Cleaning a name (layer_path.hpp) is not enough: after a layer has created the symlink
 * `evil -> /etc`, the perfectly clean name `evil/passwd` leads out of the tree. A check
 * such as "is `evil` a symlink?" followed by an open of `target/evil/passwd` is not
 * enough either: between the check and the use, something else may swap the directory
 * for a link. That race is how `docker cp` could be made to read and write host files
 * (CVE-2018-15664); runc's mount-target races (CVE-2021-30465) are its cousins.
 *
 * So nothing here ever opens a path as a string relative to `/`. Every operation is an
 * *at() call relative to a directory fd, and every directory fd comes from openat2(2)
 * with
 *  - RESOLVE_BENEATH: the walk may not leave the root fd (`..` at the top fails);
 *  - RESOLVE_NO_SYMLINKS: no component may be a symlink at all, so a layer can create
 *    symlinks that point anywhere (a link is just data) but can never write *through*
 *    one, neither its own nor one it found in the tree;
 *  - RESOLVE_NO_MAGICLINKS: no `/proc/self/fd/N`-style jumps;
 *  - RESOLVE_NO_XDEV: no crossing into a filesystem mounted inside the tree.
 * The kernel checks all of this atomically during the walk, so there is no window to
 * race. The last component is then handled with AT_SYMLINK_NOFOLLOW / O_NOFOLLOW.
 *
 * Docker instead unpacks inside a chroot, which follows symlinks but keeps them inside
 * the root; refusing them is stricter and needs no extra process. A layer produced from
 * an overlay upper dir never needs to write through a symlink.
 *
 * Man pages: openat2(2), path_resolution(7), unlinkat(2), mkdirat(2).
 */
#pragma once

#include <functional>
#include <string>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::store {

/// Opens directory `path` (clean and relative; empty = the root itself) below `root_fd`
/// without following any symlink, as a readable O_DIRECTORY fd usable with *at() calls
/// and fsetxattr(2). With `create`, missing directories are made (mode 0755, as Docker
/// does for parents a tar does not list). The error names the component at fault.
minirun::sys::Result<minirun::sys::UniqueFd> open_dir_beneath(int root_fd, const std::string& path, bool create);

/// Removes `name` in `dir_fd` whatever it is, a directory with all its contents, never
/// following a symlink and never descending into another filesystem. A missing name
/// is fine. `shown` is the path used in errors.
minirun::sys::Result<void> remove_entry_at(int dir_fd, const std::string& name, const std::string& shown);

/// Removes every entry below directory `dir_fd` (whose path is `path`) except those for
/// which `keep(path/child)` is true; a kept directory is itself filtered recursively.
minirun::sys::Result<void> remove_children_except(int dir_fd, const std::string& path,
                                                  const std::function<bool(const std::string&)>& keep);

}  // namespace imagebuilder::store
