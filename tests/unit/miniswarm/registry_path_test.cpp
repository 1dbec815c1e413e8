// The distribution API's URL grammar, both ways (registry/registry_path.hpp): no I/O.
#include <gtest/gtest.h>

#include "miniswarm/registry/registry_path.hpp"

namespace miniswarm::registry {
namespace {

using imagebuilder::store::Digest;
using imagebuilder::store::Reference;

const std::string kHex(64, 'a');

RegistryRequest request(std::string_view path) {
  auto parsed = parse_registry_path(path);
  EXPECT_TRUE(std::holds_alternative<RegistryRequest>(parsed)) << path;
  return std::holds_alternative<RegistryRequest>(parsed) ? std::get<RegistryRequest>(parsed) : RegistryRequest{};
}

RequestError refusal(std::string_view path) {
  auto parsed = parse_registry_path(path);
  EXPECT_TRUE(std::holds_alternative<RequestError>(parsed)) << path;
  return std::holds_alternative<RequestError>(parsed) ? std::get<RequestError>(parsed)
                                                       : RequestError{DistributionCode::kUnknown, "", 0};
}

TEST(RegistryPath, BaseEndpointWithOrWithoutTheSlash) {
  EXPECT_EQ(request("/v2/").endpoint, Endpoint::kBase);
  EXPECT_EQ(request("/v2").endpoint, Endpoint::kBase);
}

TEST(RegistryPath, CatalogIsNotARepositoryNamedUnderscoreCatalog) {
  EXPECT_EQ(request("/v2/_catalog").endpoint, Endpoint::kCatalog);
}

TEST(RegistryPath, NameKeepsItsSlashesBeforeManifests) {
  auto r = request("/v2/team/app/manifests/1.0");
  EXPECT_EQ(r.endpoint, Endpoint::kManifest);
  EXPECT_EQ(r.name, "team/app");
  EXPECT_EQ(r.reference, "1.0");
}

TEST(RegistryPath, ARepositoryMayBeNamedLikeAnEndpoint) {
  // The last marker decides: a repository called `blobs/x` is still a repository.
  auto r = request("/v2/blobs/x/manifests/latest");
  EXPECT_EQ(r.endpoint, Endpoint::kManifest);
  EXPECT_EQ(r.name, "blobs/x");
}

TEST(RegistryPath, BlobByDigest) {
  auto r = request("/v2/web/blobs/sha256:" + kHex);
  EXPECT_EQ(r.endpoint, Endpoint::kBlob);
  EXPECT_EQ(r.name, "web");
  EXPECT_EQ(r.reference, "sha256:" + kHex);
}

TEST(RegistryPath, TagsList) {
  auto r = request("/v2/library/busybox/tags/list");
  EXPECT_EQ(r.endpoint, Endpoint::kTagsList);
  EXPECT_EQ(r.name, "library/busybox");
}

TEST(RegistryPath, BlobWithAMalformedDigestIsDigestInvalid) {
  auto e = refusal("/v2/web/blobs/sha256:abc");
  EXPECT_EQ(e.code, DistributionCode::kDigestInvalid);
  EXPECT_EQ(e.status, 400);
}

TEST(RegistryPath, UploadsAreUnsupported) {
  EXPECT_EQ(refusal("/v2/web/blobs/uploads/").status, 405);
  EXPECT_EQ(refusal("/v2/web/blobs/uploads/0f1e2d").code, DistributionCode::kUnsupported);
}

TEST(RegistryPath, OtherPathsAreNotFound) {
  EXPECT_EQ(refusal("/v2/web/referrers/x/y").status, 404);
  EXPECT_EQ(refusal("/v1/nodes").status, 404);
  EXPECT_EQ(refusal("/v2/web/manifests/").status, 404);
}

Reference reference(std::string_view name, std::string_view tag_or_digest) {
  auto r = store_reference(name, tag_or_digest);
  EXPECT_TRUE(std::holds_alternative<Reference>(r)) << name << " " << tag_or_digest;
  return std::holds_alternative<Reference>(r) ? std::get<Reference>(r) : Reference{};
}

DistributionCode reference_refusal(std::string_view name, std::string_view tag_or_digest) {
  auto r = store_reference(name, tag_or_digest);
  EXPECT_TRUE(std::holds_alternative<RequestError>(r)) << name << " " << tag_or_digest;
  return std::holds_alternative<RequestError>(r) ? std::get<RequestError>(r).code : DistributionCode::kUnknown;
}

TEST(RegistryStoreReference, NameAndTagAreTheStoresNameColonTag) {
  EXPECT_EQ(reference("web", "1").str(), "web:1");
  EXPECT_EQ(reference("team/app", "v2").str(), "team/app:v2");
  EXPECT_EQ(reference("localhost:5000/app", "1").str(), "localhost:5000/app:1");
}

TEST(RegistryStoreReference, LibraryPrefixIsDroppedLikeDockerHubsOfficialImages) {
  EXPECT_EQ(reference("library/busybox", "latest").str(), "busybox:latest");
  EXPECT_EQ(reference("library/team/app", "1").str(), "library/team/app:1") << "only library/NAME is Docker's";
}

TEST(RegistryStoreReference, DigestReferenceCarriesNoTag) {
  auto r = reference("web", "sha256:" + kHex);
  ASSERT_TRUE(r.digest.has_value());
  EXPECT_EQ(r.digest->hex(), kHex);
  EXPECT_TRUE(r.tag.empty());
}

TEST(RegistryStoreReference, UpperCaseNameIsNameInvalid) {
  EXPECT_EQ(reference_refusal("Web", "1"), DistributionCode::kNameInvalid);
}

TEST(RegistryStoreReference, NameWithATagInsideIsNameInvalid) {
  EXPECT_EQ(reference_refusal("web:1", "2"), DistributionCode::kNameInvalid);
  EXPECT_EQ(reference_refusal("web@x", "2"), DistributionCode::kNameInvalid);
}

TEST(RegistryStoreReference, BadTagIsTagInvalid) {
  EXPECT_EQ(reference_refusal("web", ".hidden"), DistributionCode::kTagInvalid);
}

TEST(RegistryStoreReference, OtherAlgorithmsAreDigestInvalid) {
  EXPECT_EQ(reference_refusal("web", "sha512:" + kHex), DistributionCode::kDigestInvalid);
}

TEST(RegistryStoreRepository, NameAloneNormalizesLikeAReference) {
  auto repo = store_repository("library/busybox");
  ASSERT_TRUE(std::holds_alternative<std::string>(repo));
  EXPECT_EQ(std::get<std::string>(repo), "busybox");
  EXPECT_TRUE(std::holds_alternative<RequestError>(store_repository("")));
}

TEST(RegistryUrls, ManifestUrlParsesBackToTheSameReference) {
  for (const char* text : {"web:1", "team/app:latest", "localhost:5000/app:2"}) {
    Reference ref = Reference::parse(text).value();
    auto r = request(manifest_url(ref));
    EXPECT_EQ(reference(r.name, r.reference), ref) << text;
  }
}

TEST(RegistryUrls, DigestWinsOverTheTag) {
  Reference ref = Reference::parse("web:1@sha256:" + kHex).value();
  EXPECT_EQ(manifest_url(ref), "/v2/web/manifests/sha256:" + kHex);
}

TEST(RegistryUrls, BlobUrlParsesBack) {
  auto r = request(blob_url("team/app", Digest::parse("sha256:" + kHex).value()));
  EXPECT_EQ(r.endpoint, Endpoint::kBlob);
  EXPECT_EQ(r.name, "team/app");
}

}  // namespace
}  // namespace miniswarm::registry
