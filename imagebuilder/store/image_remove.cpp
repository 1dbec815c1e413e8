/**
 * @file image_remove.cpp
 * @brief `rmi` and `image prune`: untagging, deleting images, and collecting unused blobs.
 *
 * Deleting is where a store loses data, so the order is fixed:
 *  1. decide, under the store lock, which index entries go (Docker's rules, see
 *     image_store.hpp), refusing before anything changes;
 *  2. write the new index.json (rename(2): all or nothing);
 *  3. only then delete blobs, and only those that no remaining entry references.
 * A crash between 2 and 3 leaves unreferenced blobs, which the next prune collects;
 * no order of events leaves an index entry pointing at a deleted blob.
 */
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>

#include "imagebuilder/store/directory_listing.hpp"
#include "imagebuilder/store/image_store.hpp"
#include "imagebuilder/store/store_lock.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::store {

namespace {

/// "stop and remove container web first, or use --force" for the first holder.
Error held_error(const std::string& what, const std::vector<std::string>& holders) {
  std::string names;
  for (const auto& h : holders) names += (names.empty() ? "`" : ", `") + h + "`";
  return Error("cannot remove " + what + ": it is in use by " + names + "; " + release_advice(holders.front()) +
               ", or use --force");
}

/// Seconds since the file at `path` was last modified (0 when it cannot be read).
std::int64_t age_seconds(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) return 0;
  // The precise clock, not time(2): that one reads the kernel's coarse clock, which can
  // lag by up to a tick behind a file time the kernel took from the precise one (Linux
  // 6.13+ does so for files just looked at), and a file written a moment ago would then
  // be -1 s old. Clamped at 0 for the same reason.
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const std::int64_t age_ns = (static_cast<std::int64_t>(now.tv_sec) - st.st_mtim.tv_sec) * 1'000'000'000 +
                              (now.tv_nsec - st.st_mtim.tv_nsec);
  return age_ns > 0 ? age_ns / 1'000'000'000 : 0;
}

}  // namespace

Result<std::set<Digest>> ImageStore::referenced_blobs(const ImageIndex& index) const {
  std::set<Digest> used;
  for (const auto& d : index.manifests) {
    if (!used.insert(d.digest).second) continue;
    auto bytes = blobs_.read_blob(d.digest, kMaxManifestBytes);
    if (!bytes) return std::move(bytes.error());
    auto m = Manifest::parse(*bytes, "manifest " + d.digest.str());
    if (!m) return std::move(m.error());
    used.insert(m->config.digest);
    for (const auto& layer : m->layers) used.insert(layer.digest);
  }
  return used;
}

Result<void> ImageStore::delete_unreferenced(const std::set<Digest>& candidates, const ImageIndex& index,
                                             RemoveReport& report) const {
  // If any remaining manifest cannot be read, we cannot know what it uses: stop
  // rather than delete something it needs.
  auto used = referenced_blobs(index);
  if (!used) return std::move(used.error()).context("collect unused blobs");
  for (const auto& blob : candidates) {
    if (used->count(blob) != 0 || !blobs_.has_blob(blob)) continue;
    auto size = blobs_.blob_size(blob);
    MINIRUN_TRY(blobs_.remove_blob(blob), "delete blob");
    report.deleted_blobs.push_back(blob);
    report.reclaimed_bytes += size ? *size : 0;
  }
  return minirun::sys::ok();
}

Result<RemoveReport> ImageStore::remove(std::string_view name_or_id, bool force) {
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error()).context("rmi");
  auto image = resolve(name_or_id);
  if (!image) return std::move(image.error());
  auto index = read_index();
  if (!index) return std::move(index.error());
  auto entries = index_entries(*index);
  if (!entries) return std::move(entries.error());
  auto holders = holds_.list(image->id);
  if (!holders) return std::move(holders.error());
  std::string text(name_or_id);
  std::string label = "image " + image->id.short_id();

  // Which tag did the learner name, if any? (`busybox` means `busybox:latest`.)
  std::string named_tag;
  if (auto ref = Reference::parse(text); ref && !ref->digest) {
    if (std::find(image->tags.begin(), image->tags.end(), ref->str()) != image->tags.end()) named_tag = ref->str();
  }

  RemoveReport report;
  auto is_this_image = [&](const Descriptor& d) {
    return std::any_of(entries->begin(), entries->end(),
                       [&](const IndexEntry& e) { return e.descriptor.digest == d.digest && e.image_id == image->id; });
  };
  auto ref_of = [](const Descriptor& d) {
    auto a = d.annotations.find(std::string(kRefNameAnnotation));
    return a == d.annotations.end() ? std::string() : a->second;
  };

  if (!named_tag.empty() && image->tags.size() > 1) {
    // Other tags still name the image: only this tag goes, holds or not.
    std::erase_if(index->manifests, [&](const Descriptor& d) { return ref_of(d) == named_tag; });
    report.untagged.push_back(named_tag);
    MINIRUN_TRY(write_index(*index), "rmi: write index.json");
    return report;
  }
  if (named_tag.empty() && image->tags.size() > 1 && !force) {
    std::string tags;
    for (const auto& t : image->tags) tags += (tags.empty() ? "" : ", ") + t;
    return Error("cannot remove " + label + " by id: it is tagged " + std::to_string(image->tags.size()) +
                 " times (" + tags + "); remove the tags by name, or use --force");
  }
  if (!holders->empty() && !force) {
    return held_error(named_tag.empty() ? label : "`" + named_tag + "` (" + label + ")", *holders);
  }

  std::set<Digest> manifests;  // every manifest of this image
  for (const auto& e : *entries) {
    if (e.image_id == image->id) manifests.insert(e.descriptor.digest);
  }
  report.untagged = image->tags;
  if (!holders->empty()) {
    // Forced, but a holder may still read the blobs: drop the tags, keep the image
    // as one untagged entry until the last hold is released (then prune takes it).
    auto size = blobs_.blob_size(image->manifest_digest);
    if (!size) return std::move(size.error());
    std::erase_if(index->manifests, is_this_image);
    index->manifests.push_back(Descriptor{image->manifest.media_type, image->manifest_digest, *size, {}});
    MINIRUN_TRY(write_index(*index), "rmi: write index.json");
    return report;
  }
  std::set<Digest> candidates;
  for (const auto& m : manifests) {
    auto gone = image_from_manifest(m);
    if (!gone) return std::move(gone.error());
    candidates.insert(m);
    candidates.insert(gone->id);
    for (const auto& layer : gone->manifest.layers) candidates.insert(layer.digest);
  }
  std::erase_if(index->manifests, is_this_image);
  MINIRUN_TRY(write_index(*index), "rmi: write index.json");
  report.deleted_images.push_back(image->id);
  holds_.forget(image->id);
  MINIRUN_TRY(delete_unreferenced(candidates, *index, report), "rmi");
  return report;
}

Result<PruneReport> ImageStore::prune(bool all, std::chrono::seconds blob_grace) {
  auto lock = StoreLock::acquire(lock_path());
  if (!lock) return std::move(lock.error()).context("prune");
  auto index = read_index();
  if (!index) return std::move(index.error());
  auto entries = index_entries(*index);
  if (!entries) return std::move(entries.error());
  auto before = referenced_blobs(*index);
  if (!before) return std::move(before.error()).context("prune");

  // Images (by id) that go: untagged ones, or with `all` every one; never held ones.
  std::map<Digest, bool> tagged;
  for (const auto& e : *entries) tagged[e.image_id] = tagged[e.image_id] || !e.ref.empty();
  std::set<Digest> doomed;
  for (const auto& [id, has_tag] : tagged) {
    if (has_tag && !all) continue;
    auto holders = holds_.list(id);
    if (!holders) return std::move(holders.error());
    if (holders->empty()) doomed.insert(id);
  }
  PruneReport report;
  std::vector<Descriptor> kept;
  for (const auto& e : *entries) {
    if (doomed.count(e.image_id) == 0) {
      kept.push_back(e.descriptor);
    } else if (!e.ref.empty()) {
      report.untagged.push_back(e.ref);
    }
  }
  report.deleted_images.assign(doomed.begin(), doomed.end());
  for (const Digest& id : doomed) holds_.forget(id);
  index->manifests = std::move(kept);
  MINIRUN_TRY(write_index(*index), "prune: write index.json");

  // Blobs of the pruned images go now; blobs that no image ever referenced (left by a
  // crash, or stored by a build that has not committed yet) only once they are old.
  std::set<Digest> candidates = *before;
  auto present = blobs_.list_blobs();
  if (!present) return std::move(present.error());
  for (const auto& blob : *present) {
    if (before->count(blob) == 0 && age_seconds(blobs_.blob_path(blob)) >= blob_grace.count()) candidates.insert(blob);
  }
  MINIRUN_TRY(delete_unreferenced(candidates, *index, report), "prune");

  // Staging leftovers of crashed writers.
  std::string tmp = blobs_.tmp_dir();
  if (auto names = list_directory(tmp)) {
    for (const auto& name : *names) {
      if (age_seconds(tmp + "/" + name) >= blob_grace.count()) (void)minirun::sys::remove_tree(tmp + "/" + name);
    }
  }
  return report;
}

}  // namespace imagebuilder::store
