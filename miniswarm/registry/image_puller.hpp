/**
 * @file image_puller.hpp
 * @brief `docker pull`, from the manager: what a node does when a task names an image it lacks.
 *
 * The client side of registry_server.hpp. A pull follows the OCI distribution spec's
 * pull section, with a check at every step, because the node trusts nothing it has not
 * hashed itself:
 *
 *  1. GET `/v2/<name>/manifests/<tag>`. The answer's `Docker-Content-Digest` must equal
 *     the SHA-256 of the bytes that came (and the digest asked for, when pulling
 *     `name@sha256:...`): the digest is the manifest's name, and the tag's meaning.
 *  2. For the config and each layer the manifest lists, unless the node's store already
 *     has a blob of that digest (layers shared with an image the node has are not
 *     fetched again): GET `/v2/<name>/blobs/<digest>`, streamed into a file in the
 *     store's staging area, hashed while written and stopped at the first byte beyond
 *     the descriptor's size (blob_download.hpp); then put_blob_file() with the expected
 *     digest moves it in (blob_store.hpp hashes it once more, where it will stay).
 *  3. The manifest's own bytes become a blob, and add_manifest() records the image with
 *     its tag, under the store's lock.
 *
 * The order matters: the manifest is stored last, so the store never has an image
 * whose blobs are not all there; a pull that fails halfway leaves only whole, verified
 * blobs (a later pull skips them) and removes its staging directory, so no partial blob
 * remains. The image id that results is the config's digest, so a pulled image has the
 * same id as on the manager.
 *
 * Concurrency: several task starts may want the same image at once. Pulls through one
 * ImagePuller take turns (a mutex), so the second finds the blobs the first fetched.
 * Two processes pulling into one store (two agents on a lab VM) are safe too: blobs are
 * written by rename(2) under their content's name, so both write the same bytes to the
 * same name, and add_manifest() takes the store's flock(2).
 *
 * Errors name the image and the manager and say what to do: "image `web:1` not found
 * on the manager at 10.0.0.1:2377 (MANIFEST_UNKNOWN): build or load it on the manager
 * node".
 *
 * Left out: multi-platform indexes (the store keeps one platform), resuming a cut
 * transfer with Range requests, pulling layers in parallel, mirrors, cross-repository
 * blob mounts, foreign layers.
 *
 * Specs: OCI distribution-spec `spec.md`, "Pull" ("Pulling manifests", "Pulling
 * blobs"); the `skopeo copy` man page, which does the same against any registry.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "imagebuilder/store/image_store.hpp"
#include "miniswarm/api/tls_client.hpp"
#include "miniswarm/ca/node_identity.hpp"

namespace miniswarm::registry {

using minirun::sys::Result;

/// What one pull did.
struct PullReport {
  std::string reference;                       ///< as asked, e.g. "web:1"
  imagebuilder::store::Digest manifest_digest;
  imagebuilder::store::Digest image_id;        ///< the config's digest
  std::uint64_t bytes_fetched = 0;             ///< manifest and blob bytes transferred
  std::size_t blobs_fetched = 0;
  std::size_t blobs_present = 0;               ///< already in the node's store, skipped
  std::chrono::milliseconds elapsed{0};
};

class ImagePuller {
 public:
  /// Pulls from the manager at host:port, presenting `node`'s certificate.
  ImagePuller(std::string host, int port, ca::NodeCredentials node, api::ClientTimeouts timeouts = {})
      : host_(std::move(host)), port_(port), node_(std::move(node)), timeouts_(timeouts) {}

  /// Pulls `image_ref` (`name[:tag]` or `name@sha256:...`) into `store` (steps above).
  Result<PullReport> pull(std::string_view image_ref, imagebuilder::store::ImageStore& store);

  /// "host:port", as errors name the manager.
  std::string address() const { return host_ + ":" + std::to_string(port_); }

 private:
  std::string host_;
  int port_;
  ca::NodeCredentials node_;
  api::ClientTimeouts timeouts_;
  std::mutex mutex_;  ///< one pull at a time (file comment)
};

/// One log line: "pulled web:1 (image 1a2b3c4d5e6f) from 10.0.0.1:2377: 2 blobs,
/// 1.2 MB in 85 ms (1 already present)".
std::string describe_pull(const PullReport& report, const std::string& manager);

}  // namespace miniswarm::registry
