/**
 * @file registry_server.hpp
 * @brief The manager as a registry: its image store served over the read side of the OCI distribution API.
 *
 * In a real cluster every node keeps its own image store, and a node that is given a
 * task whose image it lacks pulls the image from a registry. In the kit the manager
 * is that registry: the image store of the manager's node (where a learner runs
 * `imagebuilder build`) is served on the manager's own TLS port, next to the swarm API,
 * so that an agent (image_puller.hpp), or any client of the distribution API, can pull
 * from it:
 *
 *     skopeo copy --src-cert-dir DIR docker://MANAGER:2377/web:1 oci:/tmp/web:1
 *
 * The routes (the URL grammar is registry_path.hpp's):
 *
 *  | request                                   | answer                                           |
 *  |-------------------------------------------|--------------------------------------------------|
 *  | GET /v2/                                  | 200 {} : "this is a registry, API v2"            |
 *  | GET|HEAD /v2/<name>/manifests/<ref>       | the manifest's bytes as stored; Content-Type its |
 *  |                                           | media type, Docker-Content-Digest its digest     |
 *  | GET|HEAD /v2/<name>/blobs/<digest>        | the blob, streamed from its file                 |
 *  | GET /v2/<name>/tags/list                  | {"name", "tags"}                                 |
 *  | GET /v2/_catalog                          | {"repositories"} (paged with n, last)            |
 *  | POST, PUT, DELETE /v2/...                 | 405 UNSUPPORTED: the registry is read-only       |
 *
 * Every answer carries `Docker-Distribution-API-Version: registry/2.0`, and every
 * error the spec's JSON body (distribution_error.hpp). HEAD needs no route of its own:
 * cpp-httplib answers a HEAD with the GET handler's headers and no body.
 *
 * Some choices:
 *  - **Who may pull**: any node of the swarm (Access::kNode, tls_server.hpp). The
 *    certificate a node joined with is its credential; a client without one gets 401
 *    before a handler runs. There is no token auth: skopeo presents the node's
 *    certificate with `--src-cert-dir` (ca.crt, client.cert, client.key).
 *  - **Manifests are served as stored**, byte for byte, never re-serialised: their
 *    digest is what the tag points at and what the client checks. Content negotiation
 *    (converting an OCI manifest for a client that only accepts Docker's type) is left
 *    out; the kit stores OCI manifests, which skopeo, containerd and Docker 20+ accept.
 *  - **Blobs are streamed** (a content provider reading the file with pread(2) in 64 KiB
 *    pieces), never read into memory: a layer may be larger than the manager's spare
 *    memory, and a dozen nodes may pull it at once. They are not re-hashed on the way
 *    out; the client verifies (blob_download.hpp), as the spec expects.
 *  - **Repositories**: the store is one pool of blobs; a blob is served under any
 *    repository the store has an image of. A real registry also checks that the blob
 *    belongs to that repository; the kit has one tenant.
 *
 * The store is read without its lock (image_store.hpp: readers never need it), so a
 * build committing on the manager while a node pulls is safe.
 *
 * Specs: OCI distribution-spec `spec.md` ("Pull", "Content Discovery", "Error Codes");
 * the `skopeo copy` man page (`--src-cert-dir`, `docker://` transport).
 */
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"
#include "miniswarm/api/tls_server.hpp"

namespace miniswarm::registry {

/// Any node with a certificate of the swarm may pull.
inline constexpr api::Access kRegistryAccess = api::Access::kNode;

/// The header every answer of a registry carries.
inline constexpr const char* kApiVersionHeader = "Docker-Distribution-API-Version";
inline constexpr const char* kApiVersion = "registry/2.0";
/// The header that names a manifest's or blob's digest.
inline constexpr const char* kContentDigestHeader = "Docker-Content-Digest";

/// One route, in the shape of the manager's table (manager/routes.hpp).
struct RegistryRoute {
  std::string method;   ///< GET, POST, PUT, DELETE
  std::string pattern;  ///< httplib regex
  api::TlsHandler handler;
};

class RegistryServer {
 public:
  explicit RegistryServer(imagebuilder::store::ImageStore store) : store_(std::move(store)) {}

  /// GET (and HEAD) of any /v2/ path.
  void serve_read(const httplib::Request& request, httplib::Response& response) const;
  /// POST, PUT, DELETE: 405 UNSUPPORTED.
  void refuse_write(const httplib::Request& request, httplib::Response& response) const;

  const imagebuilder::store::ImageStore& store() const { return store_; }

 private:
  void serve_catalog(const httplib::Request& request, httplib::Response& response) const;
  void serve_tags(const std::string& name, httplib::Response& response) const;
  void serve_manifest(const std::string& name, const std::string& reference, httplib::Response& response) const;
  void serve_blob(const std::string& name, const std::string& digest, httplib::Response& response) const;

  imagebuilder::store::ImageStore store_;
};

/// The routes of the table above, for a manager to add to its own (manager.cpp).
std::vector<RegistryRoute> registry_routes(std::shared_ptr<const RegistryServer> server);

}  // namespace miniswarm::registry
