/**
 * @file tar_reader.hpp
 * @brief Reading an untrusted tarball entry by entry into private files, by name only.
 *
 * `load` reads tarballs from anywhere, and tar is a format with a long history of
 * escapes: entries named `../../etc/cron.d/x` or `/etc/passwd`, symlinks that point
 * out of the tree followed by entries written "through" them, device nodes, a second
 * entry with the name of a verified first one. A loader that *extracts* a tarball has
 * to defend against all of them; this one never extracts. Each regular-file entry is
 * streamed (libarchive, any compression of the outer tarball) into a fresh file
 * `<staging>/<n>` whose name the tarball does not choose, and the entry's *name* is
 * only a key in a map. A name is accepted only if it is clean (relative, no `..`, no
 * empty parts) and the caller expects it (oci-layout, index.json, blobs/sha256/<hex>,
 * manifest.json, ...); anything else fails the whole load, naming the tarball and the
 * entry.
 *
 * Symlinks and hard links are kept as *aliases*: `docker save` before version 25 and
 * skopeo write `<id>/layer.tar -> ../<other>/layer.tar` for shared layers. An alias's
 * target is resolved within the archive's names, must itself be an expected name, and
 * is looked up after the whole tarball is read; nothing on disk ever follows it.
 *
 * Man pages: tar(5), archive_read(3). Lab: labs/01-image-and-container (`imagebuilder load`).
 */
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace imagebuilder::oci {

using minirun::sys::Error;
using minirun::sys::Result;

/// The regular files of a tarball, staged under a directory the caller owns.
struct StagedArchive {
  std::map<std::string, std::string> files;  ///< entry name -> staged file path

  /// The staged file for `name` (after alias resolution), or nullptr.
  const std::string* find(const std::string& name) const;
};

/// Limits on a tarball's shape (its content is checked by the loader).
struct TarLimits {
  std::size_t max_entries = 100000;
};

/// Reads `tarball` into `staging_dir`. `expected(name)` says whether a clean entry name
/// belongs to the format (directory entries are passed with their trailing '/').
Result<StagedArchive> stage_tarball(const std::string& tarball, const std::string& staging_dir,
                                    const std::function<bool(std::string_view)>& expected,
                                    const TarLimits& limits = {});

/// Cleans an entry name: drops a leading "./"; rejects absolute names, `..`, empty
/// parts. Exposed for tests. Returns the clean name or an error saying what is wrong.
Result<std::string> clean_entry_name(std::string_view name);

}  // namespace imagebuilder::oci
