/**
 * @file store_lock.hpp
 * @brief One writer at a time: an exclusive flock(2) on `<root>/lock`.
 *
 * Two `imagebuilder` commands may run at once (a build commits while a learner runs
 * `rmi`), and each changes `index.json` by read-modify-write. Without a lock, one
 * update is silently lost, or `rmi` deletes a blob the build is about to reference.
 * So every mutation of the store takes an exclusive flock(2) on the file `<root>/lock`
 * for its duration. Readers take no lock: every file they read is replaced by
 * rename(2) (staging.hpp), so they see a whole old or a whole new version.
 *
 * flock(2) locks belong to the open file description, so the kernel drops them when
 * the process dies: a crashed writer never leaves the store locked. They are
 * advisory: only the kit honours them (skopeo reading the layout does not need to).
 * Two StoreLock objects in one process also exclude each other, so store methods
 * never nest them.
 *
 * Man pages: flock(2).
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace imagebuilder::store {

/// The lock file of the store at `root`.
inline std::string store_lock_path(const std::string& root) { return root + "/lock"; }

/// Holds the store's exclusive lock until destroyed.
class StoreLock {
 public:
  /// Opens (creating) `lock_path` and waits for flock(LOCK_EX).
  static minirun::sys::Result<StoreLock> acquire(const std::string& lock_path);

 private:
  explicit StoreLock(minirun::sys::UniqueFd fd) : fd_(std::move(fd)) {}
  minirun::sys::UniqueFd fd_;  // closing it releases the lock
};

}  // namespace imagebuilder::store
