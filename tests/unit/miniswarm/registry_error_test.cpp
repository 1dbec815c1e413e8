// The distribution spec's error bodies and statuses, and reading them back
// (registry/distribution_error.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "miniswarm/registry/distribution_error.hpp"

namespace miniswarm::registry {
namespace {

TEST(DistributionError, BodyHasTheSpecsShape) {
  auto j = nlohmann::json::parse(error_body(DistributionCode::kManifestUnknown, "no tag `1`"));
  ASSERT_TRUE(j["errors"].is_array());
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["code"], "MANIFEST_UNKNOWN");
  EXPECT_EQ(j["errors"][0]["message"], "manifest unknown");
  EXPECT_EQ(j["errors"][0]["detail"], "no tag `1`");
}

TEST(DistributionError, StatusesAreTheSpecs) {
  EXPECT_EQ(http_status(DistributionCode::kNameUnknown), 404);
  EXPECT_EQ(http_status(DistributionCode::kManifestUnknown), 404);
  EXPECT_EQ(http_status(DistributionCode::kBlobUnknown), 404);
  EXPECT_EQ(http_status(DistributionCode::kDigestInvalid), 400);
  EXPECT_EQ(http_status(DistributionCode::kNameInvalid), 400);
  EXPECT_EQ(http_status(DistributionCode::kUnsupported), 405);
}

TEST(DistributionError, CodeNamesAreSpelledAsInTheSpec) {
  EXPECT_EQ(code_name(DistributionCode::kBlobUnknown), "BLOB_UNKNOWN");
  EXPECT_EQ(code_name(DistributionCode::kDigestInvalid), "DIGEST_INVALID");
  EXPECT_EQ(code_name(DistributionCode::kNameUnknown), "NAME_UNKNOWN");
  EXPECT_EQ(code_name(DistributionCode::kUnsupported), "UNSUPPORTED");
}

TEST(DistributionError, ParseReadsBackWhatErrorBodyWrote) {
  auto e = parse_distribution_error(error_body(DistributionCode::kBlobUnknown, "no blob x"));
  EXPECT_EQ(e.code, "BLOB_UNKNOWN");
  EXPECT_EQ(e.message, "blob unknown to registry");
  EXPECT_EQ(e.detail, "no blob x");
}

TEST(DistributionError, ParseTakesTheFirstOfSeveralErrors) {
  auto e = parse_distribution_error(
      R"({"errors":[{"code":"NAME_UNKNOWN","message":"a"},{"code":"MANIFEST_UNKNOWN","message":"b"}]})");
  EXPECT_EQ(e.code, "NAME_UNKNOWN");
  EXPECT_EQ(e.message, "a");
  EXPECT_TRUE(e.detail.empty()) << "a detail that is absent (or not a string) stays empty";
}

TEST(DistributionError, ParseFallsBackToTheKitsMessageForm) {
  auto e = parse_distribution_error(R"({"message":"this API needs the certificate of a node"})");
  EXPECT_TRUE(e.code.empty());
  EXPECT_EQ(e.message, "this API needs the certificate of a node");
}

TEST(DistributionError, ParseFallsBackToTheTrimmedRawText) {
  auto e = parse_distribution_error("  404 page not found\n");
  EXPECT_TRUE(e.code.empty());
  EXPECT_EQ(e.message, "404 page not found");
  EXPECT_LE(parse_distribution_error(std::string(10000, 'x')).message.size(), 300u);
}

}  // namespace
}  // namespace miniswarm::registry
