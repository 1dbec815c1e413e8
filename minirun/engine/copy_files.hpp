/**
 * @file copy_files.hpp
 * @brief `minirun cp`: copying files into and out of a container's root filesystem
 *        without ever being led out of it.
 *
 * `docker cp` copies between the host and a container, running or stopped. Here the
 * container side is its root filesystem as the host sees it (the overlay mount under
 * the engine's data root), so a copy is "only" a tree copy between two directories.
 * The whole difficulty is that one of them belongs to the container.
 *
 * ## Why every container path is resolved with RESOLVE_IN_ROOT
 * The container's processes own its rootfs and can change it at any moment: make
 * `/etc` a symlink to `/`, make `/tmp/x` point to `../../../../root/.ssh`, or swap a
 * directory for a link while the copy runs. A copier that builds `rootfs + "/etc/x"`
 * and hands it to open(2) lets the *host's* kernel resolve those links against the
 * *host's* `/`, with the engine's privileges. Docker shipped exactly this twice:
 *  - CVE-2018-15664: `docker cp` resolved the container path first and used it later;
 *    a process in the container swapped a directory for a symlink in between, and the
 *    copy read or wrote arbitrary host files (a time-of-check/time-of-use race);
 *  - CVE-2019-14271: `docker cp` ran a helper that loaded the *container's* libnss
 *    libraries, so the container ran code on the host.
 *
 * So here, no container path is ever a string given to the host's resolver:
 *  - the directory holding the first entry of a copy is opened with openat2(2) and
 *    RESOLVE_IN_ROOT on an fd of the rootfs (sys::open_in_root()). The kernel walks the
 *    path as if the rootfs were `/`: an absolute link target starts at the rootfs, and
 *    `..` at the top stays at the top, as chroot(2) would, but atomically, with no
 *    window to race and no helper process loading the container's code;
 *  - everything below it is reached with *at() calls relative to that directory fd,
 *    never following a symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, O_DIRECTORY). A link
 *    found inside a copied tree is copied *as a link*: its target is text, not a way;
 *  - a file is written by removing whatever had its name and creating it afresh with
 *    O_CREAT|O_EXCL|O_NOFOLLOW: if the container puts a symlink back in between, the
 *    create fails (EEXIST) instead of writing through the link.
 * If the container swaps things while a copy runs, the copy may fail or copy a mix of
 * old and new content; it never touches anything outside the rootfs.
 *
 * ## What lands where (Docker's rules)
 *
 *  | source                 | destination                   | result                          |
 *  |------------------------|-------------------------------|---------------------------------|
 *  | a file                 | missing, parent exists        | the file is created as DEST     |
 *  | a file                 | missing, ending with `/`      | error: the directory must exist |
 *  | a file                 | an existing file              | DEST is replaced                |
 *  | a file                 | an existing directory         | DEST/(name of SRC)              |
 *  | a directory            | missing, parent exists        | the directory is copied as DEST |
 *  | a directory            | an existing file              | error                           |
 *  | a directory            | an existing directory         | DEST/(name of SRC)              |
 *  | a directory ending `/.`| an existing directory         | its *contents* go into DEST     |
 *
 * Container paths are taken from the container's `/` (`etc/x` is `/etc/x`); host paths
 * from the current directory. Both are cleaned lexically first (`a/../b` is `b`), as
 * Docker does. A destination that is a symlink is followed (inside the root, for the
 * container side), as Docker's client does; a *source* symlink is copied as a link
 * unless `-L` (CopyOptions::follow_link), in which case its target is copied under the
 * link's name. Inside a copied tree, Docker's "never overwrite a directory with a
 * non-directory, nor the reverse" holds; a file over a file replaces it; a directory
 * over a directory merges and then takes the source directory's mode and times (as
 * Docker's tar extraction does). The destination directory itself, when it receives
 * contents (`SRC/.`), keeps its own mode, owner and times.
 *
 * ## Owners, modes, times
 * Modes and the access/modification times are kept, for files, directories and (times
 * only: Linux has no link modes) symlinks. Owners: Docker's documentation says files
 * land owned by the destination's root (or the invoking user on the host), and `-a`
 * keeps the source's uid/gid; its actual behaviour differs by direction (docker/cli
 * issue 6870). Without a daemon the rule here is simple and the same both ways:
 * by default a new entry belongs to whoever runs the copy (root for `sudo minirun cp`,
 * which matches Docker's "root in the container"), and set-user-ID / set-group-ID bits
 * of files are dropped, as cp(1) does when owners change; with `archive` the source's
 * uid/gid are set with fchown(2) and all mode bits are kept.
 *
 * ## Left out, on purpose
 *  - `-` (a tar stream on stdin/stdout): the kit reads and writes tars in imagebuilder,
 *    not here.
 *  - Hard links inside a copied tree become separate files; extended attributes and
 *    ACLs are not copied; sockets are skipped (tar cannot hold them either).
 *  - Mounts made *inside* the container's mount namespace (volumes, tmpfs) are not
 *    visible in the rootfs on the host; Docker mounts them for the copy, this kit does
 *    not, so such paths show what lies under the mount.
 *  - A copy is not atomic: a failure half-way leaves what was already copied (the
 *    file being written when it failed is removed).
 *
 * Man pages: openat2(2), path_resolution(7), symlink(7), copy_file_range(2),
 * utimensat(2), fchownat(2), mknodat(2).
 * Docs: https://docs.docker.com/reference/cli/docker/container/cp/
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Result;

/// The flags of `minirun cp`.
struct CopyOptions {
  /// `-L`: a source that is a symlink is followed (inside the root on the container
  /// side) and its target copied under the link's name.
  bool follow_link = false;
  /// `-a`: keep the source's uid/gid (and set-ID bits). Default: entries belong to the
  /// caller; see the file comment.
  bool archive = false;
};

/// `minirun cp HOST_SOURCE CONTAINER:DEST`: copies into the container whose root
/// filesystem is the host directory `root`, by the rules in the file comment.
/// Errors name the side and the path: "container path `/etc/nope`: No such file...".
Result<void> copy_into_root(const std::string& host_source, const std::string& root,
                            const std::string& container_dest, const CopyOptions& options);

/// `minirun cp CONTAINER:SOURCE HOST_DEST`: the reverse. The container path is resolved
/// inside `root`; the host side is the caller's own and resolved normally.
Result<void> copy_out_of_root(const std::string& root, const std::string& container_source,
                              const std::string& host_dest, const CopyOptions& options);

/// Copies every entry of the directory `source_dir_fd` into the directory
/// `dest_dir_fd` (merging, by the rules above), walking both with *at() calls that
/// never follow a symlink. The directories themselves are left as they are. `*_shown`
/// name them in errors. Used to seed a volume from an image (volumes.hpp).
Result<void> copy_directory_contents(int source_dir_fd, const std::string& source_shown, int dest_dir_fd,
                                     const std::string& dest_shown, const CopyOptions& options);

}  // namespace minirun::engine
