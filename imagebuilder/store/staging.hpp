/**
 * @file staging.hpp
 * @brief Write somewhere private, then rename(2) into place: how the store never shows half a file.
 *
 * rename(2) within one filesystem is atomic: a reader sees the old name or the new
 * one, never a partly written file. So every file the store writes (a blob, a
 * manifest, `index.json`) is first written and fsync(2)ed under `<root>/tmp/`, and
 * only then renamed to its real name. `<root>/tmp/` lives inside the store so the
 * rename never crosses a filesystem. A crash leaves at worst a stray file in `tmp/`,
 * which `prune` sweeps; it never leaves a blob whose bytes do not match its name.
 *
 * A StagingDir is a private directory under `tmp/` for a multi-file job (a `load`
 * unpacks a tarball's entries into one); it removes itself, and whatever is still in
 * it, when it goes out of scope, so every failure path cleans up.
 *
 * The directory that holds the renamed file is not fsync'ed: after a power cut a
 * rename may be lost, which leaves the old state (a missing blob or the old index),
 * never a wrong one.
 *
 * Man pages: rename(2), fsync(2), mkstemp(3), mkdtemp(3).
 */
#pragma once

#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace imagebuilder::store {

using minirun::sys::Error;
using minirun::sys::Result;

/// A private directory under a store's `tmp/`, removed with its contents on destruction.
class StagingDir {
 public:
  /// mkdtemp(3) `<tmp_root>/<prefix>XXXXXX`.
  static Result<StagingDir> create(const std::string& tmp_root, std::string_view prefix);
  StagingDir(StagingDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  StagingDir& operator=(StagingDir&&) = delete;
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  ~StagingDir();

  const std::string& path() const { return path_; }

 private:
  explicit StagingDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

/// Writes `data` to a new file in `tmp_root`, fsyncs it, and renames it to `target`.
Result<void> write_file_via(const std::string& tmp_root, const std::string& target, std::string_view data,
                            mode_t mode = 0644);

/// fsync(2)s the file at `path` (its data reach the disk before it is renamed).
Result<void> sync_file(const std::string& path);

}  // namespace imagebuilder::store
