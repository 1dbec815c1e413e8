/**
 * @file registry_path.cpp
 * @brief Parsing and building the distribution API's paths (registry_path.hpp).
 */
#include "miniswarm/registry/registry_path.hpp"

namespace miniswarm::registry {

namespace {

using imagebuilder::store::Digest;
using imagebuilder::store::Reference;

constexpr std::string_view kPrefix = "/v2/";

RequestError not_an_endpoint(std::string_view path) {
  return {DistributionCode::kUnsupported,
          "`" + std::string(path) + "` is not an endpoint of the distribution API's read side", 404};
}

RequestError refused(DistributionCode code, std::string detail) {
  return {code, std::move(detail), http_status(code)};
}

/// Docker's clients spell official images `library/NAME`; the store says `NAME`.
void drop_library_prefix(Reference& ref) {
  constexpr std::string_view kLibrary = "library/";
  if (ref.domain.empty() && ref.path.rfind(kLibrary, 0) == 0 &&
      ref.path.find('/', kLibrary.size()) == std::string::npos) {
    ref.path.erase(0, kLibrary.size());
  }
}

/// The name alone through the reference grammar (with a placeholder tag).
std::variant<Reference, RequestError> parse_name(std::string_view name) {
  if (name.empty()) return refused(DistributionCode::kNameInvalid, "the repository name is empty");
  // A '@' anywhere, or a ':' in the last component, would be read as a digest or a tag
  // (a ':' before a '/' is a registry's port: `localhost:5000/app`).
  auto slash = name.rfind('/');
  auto last = slash == std::string_view::npos ? name : name.substr(slash + 1);
  if (name.find('@') != std::string_view::npos || last.find(':') != std::string_view::npos) {
    return refused(DistributionCode::kNameInvalid, "repository name `" + std::string(name) + "` holds a ':' or '@'");
  }
  auto ref = Reference::parse(std::string(name) + ":latest");
  if (!ref) return refused(DistributionCode::kNameInvalid, ref.error().message());
  drop_library_prefix(*ref);
  return *ref;
}

}  // namespace

std::variant<Reference, RequestError> store_reference(std::string_view name, std::string_view tag_or_digest) {
  auto parsed = parse_name(name);
  if (auto* error = std::get_if<RequestError>(&parsed)) return *error;
  Reference ref = std::get<Reference>(parsed);
  if (tag_or_digest.rfind("sha256:", 0) == 0 || tag_or_digest.find(':') != std::string_view::npos) {
    auto digest = Digest::parse(tag_or_digest);
    if (!digest) return refused(DistributionCode::kDigestInvalid, digest.error().message());
    ref.tag.clear();
    ref.digest = *digest;
    return ref;
  }
  if (auto valid = imagebuilder::store::validate_tag(tag_or_digest); !valid) {
    return refused(DistributionCode::kTagInvalid, valid.error().message());
  }
  ref.tag = std::string(tag_or_digest);
  return ref;
}

std::variant<std::string, RequestError> store_repository(std::string_view name) {
  auto parsed = parse_name(name);
  if (auto* error = std::get_if<RequestError>(&parsed)) return *error;
  return std::get<Reference>(parsed).repository();
}

std::variant<RegistryRequest, RequestError> parse_registry_path(std::string_view path) {
  if (path == "/v2" || path == kPrefix) return RegistryRequest{Endpoint::kBase, "", ""};
  if (path.rfind(kPrefix, 0) != 0) return not_an_endpoint(path);
  std::string_view rest = path.substr(kPrefix.size());
  if (rest == "_catalog") return RegistryRequest{Endpoint::kCatalog, "", ""};

  constexpr std::string_view kTagsList = "/tags/list";
  if (rest.size() > kTagsList.size() && rest.substr(rest.size() - kTagsList.size()) == kTagsList) {
    return RegistryRequest{Endpoint::kTagsList, std::string(rest.substr(0, rest.size() - kTagsList.size())), ""};
  }
  struct Kind {
    std::string_view marker;
    Endpoint endpoint;
  };
  for (Kind kind : {Kind{"/manifests/", Endpoint::kManifest}, Kind{"/blobs/", Endpoint::kBlob}}) {
    auto at = rest.rfind(kind.marker);
    if (at == std::string_view::npos || at == 0) continue;
    std::string_view name = rest.substr(0, at);
    std::string_view reference = rest.substr(at + kind.marker.size());
    if (kind.endpoint == Endpoint::kBlob && (reference == "uploads" || reference.rfind("uploads/", 0) == 0)) {
      return refused(DistributionCode::kUnsupported, "uploads: this registry is read-only (images are built "
                                                     "or loaded on the manager)");
    }
    if (reference.empty() || reference.find('/') != std::string_view::npos) continue;
    if (kind.endpoint == Endpoint::kBlob) {
      if (auto digest = Digest::parse(reference); !digest) {
        return refused(DistributionCode::kDigestInvalid, digest.error().message());
      }
    }
    return RegistryRequest{kind.endpoint, std::string(name), std::string(reference)};
  }
  return not_an_endpoint(path);
}

std::string manifest_url(const Reference& ref) {
  return std::string(kPrefix) + ref.repository() + "/manifests/" + (ref.digest ? ref.digest->str() : ref.tag);
}

std::string blob_url(std::string_view repository, const Digest& digest) {
  return std::string(kPrefix) + std::string(repository) + "/blobs/" + digest.str();
}

}  // namespace miniswarm::registry
