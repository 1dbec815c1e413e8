/**
 * @file registry_path.hpp
 * @brief The URL grammar of the distribution API's read side, parsed without I/O.
 *
 * Every read a registry serves is a GET (or HEAD) under `/v2/`:
 *
 *     /v2/                                  "I speak the distribution API" (200)
 *     /v2/_catalog                          the repositories
 *     /v2/<name>/tags/list                  the tags of one repository
 *     /v2/<name>/manifests/<tag|digest>     a manifest, by tag or by its digest
 *     /v2/<name>/blobs/<digest>             a config or a layer, by digest
 *
 * `<name>` may contain slashes (`team/app`, `library/busybox`), so the parser looks for
 * the *last* `/manifests/`, `/blobs/` or `/tags/list` and takes what is before it as
 * the name. A name and a tag together are turned into the store's own reference with
 * Reference::parse (reference.hpp), the grammar the image store names its images by,
 * so `/v2/web/manifests/1` finds what `imagebuilder tag ... web:1` made. One
 * normalization is added: `library/busybox` means `busybox`, since Docker's clients
 * spell official images that way and the kit's store keeps them without the prefix.
 *
 * The same file builds the paths the other way for the client (image_puller.hpp), so
 * the two ends cannot disagree about the grammar.
 *
 * What it leaves out: the write side (`/blobs/uploads/`, PUT of manifests) is
 * recognised only to be refused with UNSUPPORTED; the referrers API; `/v2/<name>/tags/list`
 * pagination (the catalog has it, registry_listing.hpp).
 *
 * Specs: OCI distribution-spec `spec.md`, "Pulling manifests", "Pulling blobs",
 * "Listing tags", and the endpoint table (end-1 .. end-13).
 */
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "imagebuilder/store/reference.hpp"
#include "miniswarm/registry/distribution_error.hpp"

namespace miniswarm::registry {

/// The read endpoints of the table above.
enum class Endpoint { kBase, kCatalog, kTagsList, kManifest, kBlob };

/// A parsed read request.
struct RegistryRequest {
  Endpoint endpoint = Endpoint::kBase;
  std::string name;       ///< the repository as the URL gives it ("" for kBase, kCatalog)
  std::string reference;  ///< the tag or digest of a manifest, the digest of a blob
};

/// Why a path is not a request this registry serves.
struct RequestError {
  DistributionCode code;
  std::string detail;
  int status;  ///< usually http_status(code); 404 for a path that is no endpoint at all
};

/// Parses the path of a GET or HEAD (httplib hands it percent-decoded, without the query).
std::variant<RegistryRequest, RequestError> parse_registry_path(std::string_view path);

/// The store's reference for `name` and a tag or a `sha256:` digest: `name:tag` or
/// `name@digest` through Reference::parse, `library/` dropped. The error is the code to
/// answer with: NAME_INVALID, TAG_INVALID or DIGEST_INVALID.
std::variant<imagebuilder::store::Reference, RequestError> store_reference(std::string_view name,
                                                                           std::string_view tag_or_digest);

/// The store's repository for a URL's name alone (tags/list, blobs): as store_reference.
std::variant<std::string, RequestError> store_repository(std::string_view name);

/// `/v2/<repository>/manifests/<digest or tag>` for a reference (the digest wins).
std::string manifest_url(const imagebuilder::store::Reference& ref);
/// `/v2/<repository>/blobs/<digest>`.
std::string blob_url(std::string_view repository, const imagebuilder::store::Digest& digest);

}  // namespace miniswarm::registry
