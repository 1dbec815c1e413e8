/**
 * @file image_puller.cpp
 * @brief Pulling an image from the manager's registry into a node's store (image_puller.hpp).
 */
#include "miniswarm/registry/image_puller.hpp"

#include <cstdio>
#include <optional>
#include <vector>

#include "imagebuilder/store/staging.hpp"
#include "minirun/sys/file.hpp"
#include "miniswarm/registry/blob_download.hpp"
#include "miniswarm/registry/distribution_error.hpp"
#include "miniswarm/registry/registry_path.hpp"
#include "miniswarm/registry/registry_server.hpp"

namespace miniswarm::registry {

namespace {

using imagebuilder::store::Descriptor;
using imagebuilder::store::Digest;
using imagebuilder::store::ImageStore;
using imagebuilder::store::Manifest;
using imagebuilder::store::Reference;
using minirun::sys::Error;
namespace media_type = imagebuilder::store::media_type;

/// The manifest types this client reads (manifest.hpp), in the Accept header: without
/// it a Docker registry would answer with its old schema 1.
std::string accepted_manifest_types() {
  return std::string(media_type::kOciManifest) + ", " + std::string(media_type::kDockerManifest);
}

/// An answer other than 200, as an Error that names the image and the manager.
Error refusal(const std::string& what, const std::string& image, const std::string& manager,
              const api::StreamedReply& reply) {
  DistributionError e = parse_distribution_error(reply.error_body);
  const std::string code = e.code.empty() ? "HTTP " + std::to_string(reply.status) : e.code;
  const std::string said = e.detail.empty() ? e.message : e.detail;
  if (reply.status == 404 && (e.code == "MANIFEST_UNKNOWN" || e.code == "NAME_UNKNOWN")) {
    return Error("image `" + image + "` not found on the manager at " + manager + " (" + code +
                 "): build or load it on the manager node (`imagebuilder build -t " + image +
                 " DIR` or `imagebuilder load` there)");
  }
  if (reply.status == 401 || reply.status == 403) {
    return Error("the manager at " + manager + " refused to let this node pull `" + image + "` (" + code + "): " +
                 said);
  }
  return Error("pull `" + image + "` from the manager at " + manager + ": " + what + " answered " + code +
               (said.empty() ? "" : ": " + said));
}

/// The value of a header, or "".
std::string header(const api::StreamedReply& reply, const std::string& name) {
  auto it = reply.headers.find(name);
  return it == reply.headers.end() ? "" : it->second;
}

}  // namespace

Result<PullReport> ImagePuller::pull(std::string_view image_ref, ImageStore& store) {
  std::lock_guard lock(mutex_);
  const auto started = std::chrono::steady_clock::now();
  const std::string image(image_ref);
  const std::string manager = address();
  const std::string doing = "pull `" + image + "` from the manager at " + manager;
  auto ref = Reference::parse(image);
  if (!ref) return std::move(ref.error()).context(doing);

  PullReport report;
  report.reference = image;
  auto client = api::TlsClient::create(host_, port_, node_, timeouts_);
  if (!client) return std::move(client.error()).context(doing);

  // 1. The manifest, checked against the digest the server claims (and the one asked for).
  const std::string manifest_path = manifest_url(*ref);
  std::string manifest_bytes;
  auto got = (*client)->get_streamed(
      manifest_path,
      [&](const char* data, std::size_t size) {
        if (manifest_bytes.size() + size > imagebuilder::store::kMaxManifestBytes) return false;
        manifest_bytes.append(data, size);
        return true;
      },
      {{"Accept", accepted_manifest_types()}});
  if (!got) return std::move(got.error()).context(doing);
  if (got->status != 200) return refusal("GET " + manifest_path, image, manager, *got);
  auto claimed = Digest::parse(header(*got, kContentDigestHeader));
  if (!claimed) {
    return Error(doing + ": the manifest came without a valid " + std::string(kContentDigestHeader) +
                 " header: is " + manager + " a registry?");
  }
  const Digest actual = imagebuilder::store::digest_of(manifest_bytes);
  if (!(actual == *claimed)) return digest_mismatch(doing + ": manifest", *claimed, actual);
  if (ref->digest && !(actual == *ref->digest)) return digest_mismatch(doing + ": manifest", *ref->digest, actual);
  auto manifest = Manifest::parse(manifest_bytes, "manifest " + actual.str());
  if (!manifest) return std::move(manifest.error()).context(doing);
  report.manifest_digest = actual;
  report.bytes_fetched += manifest_bytes.size();

  // 2. The blobs the store lacks, each verified while it is written.
  std::vector<Descriptor> wanted{manifest->config};
  wanted.insert(wanted.end(), manifest->layers.begin(), manifest->layers.end());
  std::optional<imagebuilder::store::StagingDir> staging;
  for (const Descriptor& blob : wanted) {
    if (store.has_blob(blob.digest)) {
      ++report.blobs_present;
      continue;
    }
    if (!staging) {
      auto made = imagebuilder::store::StagingDir::create(store.blobs().tmp_dir(), "pull-");
      if (!made) return std::move(made.error()).context(doing);
      staging.emplace(std::move(*made));
    }
    auto download = BlobDownload::create(staging->path() + "/" + blob.digest.hex(), blob);
    if (!download) return std::move(download.error()).context(doing);
    const std::string blob_path = blob_url(ref->repository(), blob.digest);
    auto fetched = (*client)->get_streamed(
        blob_path, [&](const char* data, std::size_t size) { return download->write(data, size); });
    // A receiver that stopped the transfer knows better than the transport why.
    if (download->error()) return Error(download->error()->message()).context(doing);
    if (!fetched) return std::move(fetched.error()).context(doing);
    if (fetched->status != 200) return refusal("GET " + blob_path, image, manager, *fetched);
    if (auto verified = download->finish(); !verified) return std::move(verified.error()).context(doing);
    auto stored = store.put_blob_file(download->path(), blob.media_type, blob.digest);
    if (!stored) return std::move(stored.error()).context(doing);
    report.bytes_fetched += download->bytes();
    ++report.blobs_fetched;
  }

  // 3. The manifest last: only now is every blob it names in the store.
  auto manifest_blob = store.put_blob(manifest_bytes, manifest->media_type);
  if (!manifest_blob) return std::move(manifest_blob.error()).context(doing);
  std::vector<Reference> tags;
  if (!ref->tag.empty()) {
    Reference tag = *ref;
    tag.digest.reset();
    tags.push_back(tag);
  }
  auto added = store.add_manifest(actual, tags);
  if (!added) return std::move(added.error()).context(doing);
  report.image_id = added->id;
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return report;
}

std::string describe_pull(const PullReport& report, const std::string& manager) {
  char size[32];
  double bytes = static_cast<double>(report.bytes_fetched);
  if (bytes >= 1e6) {
    std::snprintf(size, sizeof size, "%.1f MB", bytes / 1e6);
  } else if (bytes >= 1e3) {
    std::snprintf(size, sizeof size, "%.1f kB", bytes / 1e3);
  } else {
    std::snprintf(size, sizeof size, "%.0f B", bytes);
  }
  return "pulled " + report.reference + " (image " + report.image_id.short_id() + ") from " + manager + ": " +
         std::to_string(report.blobs_fetched) + " blob(s), " + size + " in " +
         std::to_string(report.elapsed.count()) + " ms (" + std::to_string(report.blobs_present) +
         " already present)";
}

}  // namespace miniswarm::registry
