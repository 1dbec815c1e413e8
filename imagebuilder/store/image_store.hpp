/**
 * @file image_store.hpp
 * @brief The image store: `docker images`, `tag`, `rmi`, `image prune` and `history`, on an OCI image layout.
 *
 * The store's root directory *is* an OCI image layout, so any OCI tool can read it
 * (`skopeo inspect oci:<root>:busybox:latest`, `umoci ls --layout <root>`):
 *
 *     <root>/oci-layout               {"imageLayoutVersion":"1.0.0"}
 *     <root>/index.json               one manifest descriptor per tag (annotation
 *                                     org.opencontainers.image.ref.name = "busybox:latest"),
 *                                     plus one without the annotation per untagged image
 *     <root>/blobs/sha256/<hex>       layers, configs, manifests (blob_store.hpp)
 *     <root>/holds/<image-id>/<who>   images in use (holds.hpp)
 *     <root>/tmp/                     staging for writes (staging.hpp)
 *     <root>/lock                     flock(2)ed by every mutation (store_lock.hpp)
 *
 * Three names for three things (docs/design/image-store.md has the picture):
 *  - the **image id** is the digest of the config blob (as in Docker): the same
 *    rootfs and settings give the same id, however the layers are compressed;
 *  - the **manifest digest** is the digest of the manifest blob, which lists the
 *    config and the layer blobs; tags point at manifests;
 *  - a layer's **diff_id** is the digest of its uncompressed tar, listed in the config.
 *
 * Docker's `rmi` rules, which remove() follows:
 *  - `rmi name:tag` when other tags name the same image only removes that tag;
 *  - `rmi name:tag` of the last tag, or `rmi <id>`, deletes the image and every blob
 *    that no remaining image uses;
 *  - `rmi <id>` of an image with several tags refuses unless forced (which tag did
 *    you mean to lose?);
 *  - an image with holds (a container uses it) is refused unless forced, naming the
 *    holder. Forced, its tags go but the image stays, untagged, until the last hold
 *    is released: the store never deletes blobs that a holder may still read. (Docker
 *    deletes the image of a stopped container under `-f`; the kit is more careful.)
 * prune() deletes untagged ("dangling") images, or with `all` every image without a
 * hold, then blobs that nothing references.
 *
 * Readers (resolve, list, history) take no lock: index.json is replaced by rename(2).
 *
 * Specs: OCI image-spec `image-layout.md`; Docker CLI reference `image rm`,
 * `image prune`. Lab: labs/01-image-and-container.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "imagebuilder/store/blob_store.hpp"
#include "imagebuilder/store/holds.hpp"
#include "imagebuilder/store/image_config.hpp"
#include "imagebuilder/store/manifest.hpp"
#include "imagebuilder/store/reference.hpp"
#include "imagebuilder/store/store_lock.hpp"

namespace imagebuilder::store {

/// One image, resolved from the store.
struct Image {
  Digest id;               ///< digest of the config blob
  Digest manifest_digest;  ///< digest of the manifest blob
  Manifest manifest;
  ImageConfig config;
  std::vector<std::string> tags;  ///< "name:tag" of every tag naming this image, sorted
};

/// One row of `imagebuilder images`.
struct ImageSummary {
  std::string repository;  ///< "<none>" for an untagged image
  std::string tag;         ///< "<none>" for an untagged image
  Digest id;
  Digest manifest_digest;
  std::string created;
  std::uint64_t size = 0;  ///< sum of the layer blob sizes (compressed if they are)
};

/// What remove() or prune() did.
struct RemoveReport {
  std::vector<std::string> untagged;  ///< "name:tag" of every tag removed
  std::vector<Digest> deleted_images; ///< image ids
  std::vector<Digest> deleted_blobs;
  std::uint64_t reclaimed_bytes = 0;
};
using PruneReport = RemoveReport;

/// One row of `imagebuilder history`, newest step first.
struct HistoryRow {
  std::string created;
  std::string created_by;
  std::string author;
  std::string comment;
  bool empty_layer = false;
  std::optional<Descriptor> layer;  ///< the layer this step made
};

/// Unreferenced blobs younger than this are spared by prune(): a build stores its
/// layers before it commits the image that references them.
inline constexpr std::chrono::seconds kDefaultBlobGrace{600};

/// Largest JSON blob (config or manifest) the store reads.
inline constexpr std::size_t kMaxJsonBlobBytes = 8u << 20;

class ImageStore {
 public:
  /// Opens the layout at `root`, creating it when `root` is missing or empty. Refuses a
  /// directory that holds other files but no `oci-layout`, or a layout whose
  /// `oci-layout`/`index.json` is not what the spec says, naming the file.
  static Result<ImageStore> open(std::string root);

  const std::string& root() const { return root_; }
  const BlobStore& blobs() const { return blobs_; }

  // --- blobs (see blob_store.hpp)
  Result<Descriptor> put_blob(std::string_view bytes, std::string media_type);
  Result<Descriptor> put_blob_file(const std::string& path, std::string media_type,
                                   std::optional<Digest> expected = std::nullopt);
  std::string blob_path(const Digest& digest) const { return blobs_.blob_path(digest); }
  bool has_blob(const Digest& digest) const { return blobs_.has_blob(digest); }
  /// A JSON blob (config, manifest), at most kMaxJsonBlobBytes, digest checked.
  Result<std::string> read_blob(const Digest& digest) const { return blobs_.read_blob(digest, kMaxJsonBlobBytes); }

  // --- images
  /// Stores `config` canonically, writes the manifest for it and `layers` (which must
  /// already be blobs, in the order of config.diff_ids), records the image, and points
  /// `tags` at it, all under one lock (so prune cannot take an image between commit and tag).
  Result<Image> commit(const ImageConfig& config, const std::vector<Descriptor>& layers,
                       const std::vector<Reference>& tags = {});
  /// As commit(), for a config that is already a blob (its bytes kept as they are, so
  /// the image id of a loaded image does not change).
  Result<Image> commit_config_blob(const Descriptor& config, const std::vector<Descriptor>& layers,
                                   const std::vector<Reference>& tags = {});
  /// Records an existing manifest blob (e.g. one loaded from an OCI archive) as an
  /// image, checking that its config and layers are present, and tags it.
  Result<Image> add_manifest(const Digest& manifest, const std::vector<Reference>& tags = {});
  /// Points `ref` at `manifest` (moving the tag if it named another image; that image
  /// stays, untagged, if it has no other tag).
  Result<void> tag(const Reference& ref, const Digest& manifest);
  /// `name[:tag]`, `name@sha256:<manifest>`, an image id `sha256:<hex>`, or a unique
  /// prefix of at least 4 hex digits of one (with or without `sha256:`).
  Result<Image> resolve(std::string_view name_or_id) const;
  /// Reads and checks the manifest and config of one manifest digest.
  Result<Image> image_from_manifest(const Digest& manifest) const;
  /// Every tag, and every untagged image once, newest first.
  Result<std::vector<ImageSummary>> list() const;
  /// `rmi` (see the rules above).
  Result<RemoveReport> remove(std::string_view name_or_id, bool force);
  /// `image prune [-a]`: spares held images and unreferenced blobs younger than `blob_grace`.
  Result<PruneReport> prune(bool all, std::chrono::seconds blob_grace = kDefaultBlobGrace);
  /// `history`: one row per history entry, paired with the layers, newest first.
  Result<std::vector<HistoryRow>> history(const Image& image) const;

  // --- holds (see holds.hpp)
  Result<void> add_hold(const Digest& image_id, std::string_view holder);
  Result<void> remove_hold(const Digest& image_id, std::string_view holder);
  Result<std::vector<std::string>> holders(const Digest& image_id) const { return holds_.list(image_id); }

 private:
  explicit ImageStore(std::string root) : root_(root), blobs_(root), holds_(root) {}

  /// One line of index.json with what it points at.
  struct IndexEntry {
    Descriptor descriptor;  ///< the manifest descriptor as in index.json
    Digest image_id;
    std::string ref;  ///< "name:tag", or "" for an untagged image
  };
  Result<std::vector<IndexEntry>> index_entries(const ImageIndex& index) const;
  /// Fills Image::tags from `entries`.
  static void fill_tags(Image& image, const std::vector<IndexEntry>& entries);

  std::string lock_path() const { return store_lock_path(root_); }
  std::string index_path() const { return root_ + "/index.json"; }
  Result<ImageIndex> read_index() const;
  Result<void> write_index(const ImageIndex& index) const;
  /// The image id (config digest) of a manifest, read from its blob.
  Result<Digest> image_id_of(const Digest& manifest) const;
  /// Records `manifest` in `index` as tagged by `tags`, or untagged when `tags` is empty
  /// and it is not in the index yet. Moves tags that pointed elsewhere.
  void record(ImageIndex& index, const Descriptor& manifest, const std::vector<Reference>& tags) const;
  /// Every blob that an entry of `index` uses (manifest, config, layers).
  Result<std::set<Digest>> referenced_blobs(const ImageIndex& index) const;
  /// Deletes the blobs in `candidates` that `index` no longer references.
  Result<void> delete_unreferenced(const std::set<Digest>& candidates, const ImageIndex& index,
                                   RemoveReport& report) const;
  Result<Image> commit_locked(const Descriptor& config, const std::vector<Descriptor>& layers,
                              const std::vector<Reference>& tags);

  std::string root_;
  BlobStore blobs_;
  Holds holds_;
};

}  // namespace imagebuilder::store
