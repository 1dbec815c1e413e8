/**
 * @file file.hpp
 * @brief Small file helpers that report errors the kit's way.
 *
 * Reading a cgroup knob, writing `uid_map`, creating a state directory: the runtime
 * does these a hundred times. Each helper is one or two syscalls, returns a Result, and
 * names the path in its error. Writes go through a single write(2), which matters for
 * kernel files such as `uid_map` and `cgroup.procs` that must be written in one go.
 *
 * Man pages: open(2), read(2), write(2), mkdir(2), rename(2) (renameat2, RENAME_EXCHANGE).
 */
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <vector>
#include <string_view>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::sys {

/// open(2) with O_CLOEXEC added, as a UniqueFd.
Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode = 0);

/// Reads a whole file (also /proc and cgroupfs files, whose size is not known).
Result<std::string> read_file(const std::string& path);

/// Writes `data` with one write(2) to an existing file (kernel knobs) or creates it.
Result<void> write_file(const std::string& path, std::string_view data, int flags = O_WRONLY | O_TRUNC | O_CREAT,
                        mode_t mode = 0644);

/// Writes to a temporary file in the same directory, then swaps it into place, so a
/// reader sees the old content or the new one, never half (state.json). The swap is
/// renameat2(RENAME_EXCHANGE) plus an unlink of the old file when there is one (cheaper
/// than rename over it on ext4; file.cpp says why), a plain rename(2) otherwise. Not
/// durable: after a power cut a recent rewrite may read as an empty file.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644);

/// write_file_atomic() for a file rewritten often under a lock (a container's
/// state.json): the new content goes into `spare` (made on first use), which is then
/// exchanged with `path` (RENAME_EXCHANGE), so the old content becomes the next spare.
/// No file is created or deleted after the first two writes; on a disk where that costs
/// a synchronous write or discard it is ~20x cheaper (file.cpp). Callers must not run
/// two of these on one path at once. Falls back to write_file_atomic() where the
/// filesystem cannot exchange.
Result<void> write_file_swapping(const std::string& path, const std::string& spare, std::string_view data,
                                 mode_t mode = 0644);

/// Whether `path` is still the file `before` (a stat(2) of it) described: the same
/// inode, size and modification time. A file rewritten by rename is another inode.
bool same_file(const std::string& path, const struct stat& before);

/// mkdir -p. Existing directories are fine; returns an error naming the failing part.
Result<void> make_directories(const std::string& path, mode_t mode = 0755);

/// Removes a directory tree (our own state directories only; never follows symlinks,
/// never crosses into another mount).
Result<void> remove_tree(const std::string& path);

/// True when `path` exists (lstat(2); a dangling symlink exists).
bool path_exists(const std::string& path);

/// The names in the directory open at `dir_fd` (without `.` and `..`), sorted. The fd
/// itself is left as it was: the listing reads through a duplicate. `shown` names the
/// directory in errors.
Result<std::vector<std::string>> list_directory(int dir_fd, const std::string& shown);

}  // namespace minirun::sys
