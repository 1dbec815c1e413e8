/**
 * @file registry_listing.hpp
 * @brief What `/v2/_catalog` and `/v2/<name>/tags/list` answer, from the store's image list.
 *
 * The image store lists images as `imagebuilder images` shows them: one row per tag,
 * `repository` and `tag` apart (image_store.hpp). The registry's two listings are that
 * list regrouped:
 *
 *     GET /v2/_catalog?n=2&last=busybox    {"repositories": ["team/app", "web"]}
 *     GET /v2/web/tags/list                {"name": "web", "tags": ["1", "2"]}
 *
 * both sorted, untagged images left out (a registry only knows tagged manifests and
 * digests). The catalog pages the spec's way: `n` entries at most, starting after
 * `last`, and a `Link: </v2/_catalog?n=2&last=web>; rel="next"` header when more follow.
 *
 * Pure: the server hands in the rows, so the tests need no store.
 *
 * Specs: OCI distribution-spec `spec.md`, "Listing Tags"; Docker registry API
 * "Catalog" (`/v2/_catalog`, not in the OCI spec but what `skopeo list-tags` and
 * registry browsers use).
 */
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "imagebuilder/store/image_store.hpp"

namespace miniswarm::registry {

/// Every repository with at least one tag, sorted, each once.
std::vector<std::string> repositories(const std::vector<imagebuilder::store::ImageSummary>& rows);
/// The tags of `repository`, sorted (empty when it has none).
std::vector<std::string> tags_of(const std::vector<imagebuilder::store::ImageSummary>& rows,
                                 const std::string& repository);

/// One page of a sorted list: the entries after `last` (all when empty), at most `n`.
struct Page {
  std::vector<std::string> entries;
  bool more = false;  ///< entries beyond this page remain
};
Page page_of(const std::vector<std::string>& sorted, std::optional<std::size_t> n, const std::string& last);

/// {"repositories": [...]}.
std::string catalog_body(const std::vector<std::string>& repositories);
/// {"name": ..., "tags": [...]}.
std::string tags_list_body(const std::string& name, const std::vector<std::string>& tags);

}  // namespace miniswarm::registry
