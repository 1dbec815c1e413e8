// Image references: the grammar Docker accepts, its normalization, and clear errors.
#include "imagebuilder/store/reference.hpp"

#include <gtest/gtest.h>

namespace imagebuilder::store {
namespace {

struct ValidCase {
  const char* text;
  const char* domain;
  const char* path;
  const char* tag;
  const char* str;
};

TEST(Reference, ParsesValidReferences) {
  const ValidCase cases[] = {
      {"busybox", "", "busybox", "latest", "busybox:latest"},
      {"busybox:1.36", "", "busybox", "1.36", "busybox:1.36"},
      {"team/app:v2_rc-1", "", "team/app", "v2_rc-1", "team/app:v2_rc-1"},
      {"localhost/app:1.0", "localhost", "app", "1.0", "localhost/app:1.0"},
      {"localhost:5000/team/app", "localhost:5000", "team/app", "latest", "localhost:5000/team/app:latest"},
      {"registry.example.com/a.b/c__d/e--f:_x", "registry.example.com", "a.b/c__d/e--f", "_x",
       "registry.example.com/a.b/c__d/e--f:_x"},
      {"docker.io/library/busybox:1", "", "busybox", "1", "busybox:1"},
      {"index.docker.io/library/alpine", "", "alpine", "latest", "alpine:latest"},
      {"docker.io/team/app", "", "team/app", "latest", "team/app:latest"},
      {"library/busybox", "", "library/busybox", "latest", "library/busybox:latest"},
  };
  for (const auto& c : cases) {
    auto ref = Reference::parse(c.text);
    ASSERT_TRUE(ref.ok()) << c.text << ": " << ref.error().what();
    EXPECT_EQ(ref->domain, c.domain) << c.text;
    EXPECT_EQ(ref->path, c.path) << c.text;
    EXPECT_EQ(ref->tag, c.tag) << c.text;
    EXPECT_EQ(ref->str(), c.str) << c.text;
  }
}

TEST(Reference, DigestReferenceHasNoDefaultTag) {
  std::string digest = "sha256:" + std::string(64, 'a');
  auto ref = Reference::parse("busybox@" + digest);
  ASSERT_TRUE(ref.ok()) << ref.error().what();
  ASSERT_TRUE(ref->digest.has_value());
  EXPECT_EQ(ref->digest->str(), digest);
  EXPECT_EQ(ref->tag, "");
  EXPECT_EQ(ref->str(), "busybox@" + digest);
}

TEST(Reference, RejectsInvalidReferencesNamingThem) {
  struct BadCase {
    std::string text;
    const char* mentions;
  };
  const BadCase cases[] = {
      {"", "empty"},
      {"BusyBox", "lower case"},
      {"app:", "tag"},
      {":1.0", "no repository"},
      {"app:.hidden", "must start"},
      {"app:" + std::string(129, 'a'), "128"},
      {"app:bad/tag", "registry host"},
      {"-app", "path component"},
      {"app-", "path component"},
      {"a..b", "path component"},
      {"a___b", "path component"},
      {"team//app", "path component"},
      {"app@sha256:1234", "digest"},
      {"exa_mple.com/app", "registry host"},
      {"localhost:99999999/app", "registry host"},
      {std::string(256, 'a'), "255"},
  };
  for (const auto& c : cases) {
    auto ref = Reference::parse(c.text);
    ASSERT_FALSE(ref.ok()) << "accepted `" << c.text << "`";
    EXPECT_NE(ref.error().what().find("`" + c.text + "`"), std::string::npos) << ref.error().what();
    EXPECT_NE(ref.error().what().find(c.mentions), std::string::npos) << ref.error().what();
  }
}

TEST(Reference, ValidateTagChecksTagsAlone) {
  EXPECT_TRUE(validate_tag("1.0").ok());
  EXPECT_TRUE(validate_tag("_private").ok());
  EXPECT_FALSE(validate_tag("").ok());
  EXPECT_FALSE(validate_tag("-dash").ok());
  EXPECT_FALSE(validate_tag("a b").ok());
}

}  // namespace
}  // namespace imagebuilder::store
