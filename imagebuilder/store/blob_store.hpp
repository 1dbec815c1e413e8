/**
 * @file blob_store.hpp
 * @brief Content-addressed blobs: `blobs/sha256/<hex>`, written once, verified always.
 *
 * The bottom of the image store is a directory of files named by the SHA-256 of their
 * contents (OCI image-spec `image-layout.md`, "Blobs"). Layers, configs and manifests
 * all live here; nothing says which is which except the descriptors pointing at them.
 * Three rules keep it trustworthy:
 *
 *  - A blob is renamed into place only after its bytes were hashed *where they will
 *    stay* (in the staging file, not the caller's file, which could change between
 *    hashing and moving) and the digest matched any the caller expected.
 *  - A blob never changes. Storing bytes that are already there is a no-op, which is
 *    what makes layer sharing between images free. Blobs are mode 0444.
 *  - JSON blobs are read with a size cap and re-hashed on every read, so a blob edited
 *    by hand (a lab exercise!) is reported as corrupt rather than believed.
 *
 * The BlobStore knows nothing of images or tags and takes no lock: callers that must
 * not race with a removal (image_store.hpp) hold the store lock around it.
 *
 * Specs: OCI image-spec `image-layout.md`, `descriptor.md`. Lab: labs/01-image-and-container.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imagebuilder/store/descriptor.hpp"

namespace imagebuilder::store {

/// The blobs of one OCI layout rooted at `root`.
class BlobStore {
 public:
  explicit BlobStore(std::string root) : root_(std::move(root)) {}

  /// `<root>/blobs/sha256/<hex>` (whether or not it exists).
  std::string blob_path(const Digest& digest) const;
  bool has_blob(const Digest& digest) const;
  /// The blob's size in bytes (stat(2)); an error when it is missing.
  Result<std::uint64_t> blob_size(const Digest& digest) const;

  /// Stores bytes held in memory (a config, a manifest).
  Result<Descriptor> put_blob(std::string_view bytes, std::string media_type) const;
  /// Stores the file at `path`. The file is *moved* into the store when it is on the
  /// store's filesystem (it is then gone, also when verification fails); otherwise it
  /// is copied and left for the caller. With `expected`, a digest mismatch is an
  /// error and nothing is stored.
  Result<Descriptor> put_blob_file(const std::string& path, std::string media_type,
                                   std::optional<Digest> expected = std::nullopt) const;
  /// Reads a whole blob of at most `max_bytes` and checks its digest.
  Result<std::string> read_blob(const Digest& digest, std::size_t max_bytes = 8u << 20) const;
  /// Deletes a blob; a missing blob is not an error.
  Result<void> remove_blob(const Digest& digest) const;
  /// Every blob present (names that are not 64 hex digits are skipped).
  Result<std::vector<Digest>> list_blobs() const;

  /// `<root>/tmp`: staging for writes, on the same filesystem as the blobs.
  std::string tmp_dir() const { return root_ + "/tmp"; }

 private:
  /// Sets a blob's mtime to now. Storing a blob that already exists does this, so
  /// that `prune`, which spares unreferenced blobs younger than its grace period,
  /// does not delete a blob that a build has just "stored" and is about to commit.
  void touch(const Digest& digest) const;
  /// Verifies the staged file and renames it to its blob name.
  Result<Descriptor> install_staged(const std::string& staged, std::string media_type,
                                    const std::optional<Digest>& expected, const std::string& source) const;
  std::string root_;
};

}  // namespace imagebuilder::store
