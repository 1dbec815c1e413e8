/**
 * @file distribution_error.hpp
 * @brief The registry's errors as the OCI distribution spec writes them, both ways.
 *
 * A registry does not answer a failed request with prose: the body is
 *
 *     {"errors": [{"code": "MANIFEST_UNKNOWN",
 *                  "message": "manifest unknown",
 *                  "detail": "no tag `1` in repository `web` on this manager"}]}
 *
 * with a status the spec fixes per code, so that any client (skopeo, docker, the
 * kit's own image_puller.hpp) can tell "no such image" from "no such repository" from
 * "you may not write here" without reading the message. The codes the kit's read-only
 * registry uses, and their statuses:
 *
 *  | code              | status | when                                                 |
 *  |-------------------|--------|------------------------------------------------------|
 *  | NAME_INVALID      | 400    | the repository name breaks the reference grammar     |
 *  | TAG_INVALID       | 400    | the tag breaks the tag grammar                       |
 *  | DIGEST_INVALID    | 400    | not `sha256:<64 hex>`, or content that does not hash |
 *  |                   |        | to its name (the client's verdict on a download)     |
 *  | NAME_UNKNOWN      | 404    | no image of this repository on the manager           |
 *  | MANIFEST_UNKNOWN  | 404    | the repository exists, the tag or digest does not    |
 *  | BLOB_UNKNOWN      | 404    | no blob with this digest                              |
 *  | UNSUPPORTED       | 405    | a push: this registry only serves (POST, PUT, DELETE)|
 *  | UNKNOWN           | 500    | the store could not be read (Docker's registry's code)|
 *
 * (UNAUTHORIZED, 401, is sent by the TLS server before a handler runs, in the kit's
 * own {"message": ...} form: tls_server.hpp.)
 *
 * The other direction, parse_distribution_error(), reads such a body back, taking the
 * first error, and falls back to the kit's {"message": ...} form and then to the raw
 * text, so that the puller's error can quote whatever the server said.
 *
 * Specs: OCI distribution-spec `spec.md`, "Error Codes" and the pull section.
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace miniswarm::registry {

/// The codes of the table above.
enum class DistributionCode {
  kNameInvalid,
  kTagInvalid,
  kDigestInvalid,
  kNameUnknown,
  kManifestUnknown,
  kBlobUnknown,
  kUnsupported,
  kUnknown,
};

/// "MANIFEST_UNKNOWN", as the spec spells it.
std::string_view code_name(DistributionCode code);
/// The HTTP status the spec gives the code.
int http_status(DistributionCode code);
/// The spec's short message for the code ("manifest unknown").
std::string_view default_message(DistributionCode code);

/// The JSON body {"errors":[{"code","message","detail"}]} for one error.
std::string error_body(DistributionCode code, std::string_view detail);

/// One error read back from a reply body.
struct DistributionError {
  std::string code;     ///< "MANIFEST_UNKNOWN"; empty when the body was not the spec's form
  std::string message;  ///< the message, or the kit's {"message"}, or the raw body (trimmed)
  std::string detail;   ///< the detail when it is a string
};

/// Reads the first error of a body (see the file comment for the fallbacks).
DistributionError parse_distribution_error(std::string_view body);

}  // namespace miniswarm::registry
