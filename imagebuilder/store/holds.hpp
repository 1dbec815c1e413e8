/**
 * @file holds.hpp
 * @brief Holds: who is using an image, so that `rmi` and `prune` can refuse to pull it away.
 *
 * Docker refuses `docker rmi busybox` while a container made from busybox exists:
 * "conflict: unable to remove repository reference ... container 3f2a... is using its
 * referenced image". The engine knows about containers and the store does not, so
 * they meet through the filesystem: a *hold* is an empty file
 *
 *     <root>/holds/<image-id-hex>/<holder>
 *
 * that the engine creates when a container (or a build) starts using an image and
 * deletes when it is removed. The image's directory stays, empty or not, for as long as
 * the image does. `ls -R holds` shows who uses what; a hold left by a
 * crashed engine is removed by hand, or with `remove_hold`. OCI tools ignore the
 * directory.
 *
 * Holder names are single file names. By convention they say what holds the image,
 * `container:<name>` or `build:<id>`, and the store turns that into advice in its
 * refusal ("stop and remove container web first, or use --force").
 *
 * Holds are keyed by image id, not by tag: re-tagging or untagging an image does not
 * free it. Man pages: open(2), unlink(2).
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "imagebuilder/store/digest.hpp"

namespace imagebuilder::store {

/// Checks a holder name: 1 to 255 bytes, no '/', no control characters, not `.`/`..`.
Result<void> validate_holder(std::string_view holder);

/// What a learner should do to release `holder`, e.g. "stop and remove container web first".
std::string release_advice(std::string_view holder);

/// The holds of one store (`<root>/holds`).
class Holds {
 public:
  explicit Holds(std::string root) : dir_(std::move(root) + "/holds") {}

  /// Creates the hold file (idempotent).
  Result<void> add(const Digest& image_id, std::string_view holder) const;
  /// Deletes the hold file (a missing hold is not an error). The image's directory
  /// stays, for its next holder, until forget().
  Result<void> remove(const Digest& image_id, std::string_view holder) const;
  /// Deletes the image's (empty) directory: the store calls this when the image goes.
  void forget(const Digest& image_id) const;
  /// Holders of an image, sorted.
  Result<std::vector<std::string>> list(const Digest& image_id) const;

 private:
  std::string image_dir(const Digest& id) const { return dir_ + "/" + id.hex(); }
  std::string dir_;
};

/// Removes `holder`'s hold on `image_id` in the store at `store_root`, under the store's
/// lock (store_lock.hpp), as ImageStore::remove_hold does; for a program that releases
/// a hold without opening the store (the engine's monitor after `run --rm`).
Result<void> release_hold(const std::string& store_root, const Digest& image_id, std::string_view holder);

}  // namespace imagebuilder::store
