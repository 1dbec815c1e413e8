// USER / --user resolution against an image's passwd and group files.
#include "minirun/runtime/user_lookup.hpp"

#include <gtest/gtest.h>

namespace minirun::runtime {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "app:x:1000:1000:App:/home/app:/bin/sh\n"
    "broken line\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
constexpr const char* kGroup =
    "root:x:0:\n"
    "app:x:1000:\n"
    "staff:x:50:app,other\n"
    "audio:x:29:other,app\n"
    "nogroup:x:65534:\n";

TEST(UserLookup, EmptySpecIsRoot) {
  auto u = resolve_user("", kPasswd, kGroup);
  ASSERT_TRUE(u.ok()) << u.error().what();
  EXPECT_EQ(u->uid, 0u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_EQ(u->home, "/root");
}

TEST(UserLookup, NameGivesPrimaryGidAndSupplementaryGroups) {
  auto u = resolve_user("app", kPasswd, kGroup);
  ASSERT_TRUE(u.ok()) << u.error().what();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
  EXPECT_EQ(u->home, "/home/app");
  EXPECT_EQ(u->additional_gids, (std::vector<gid_t>{50, 29}));
}

TEST(UserLookup, NumericUidNeedNotExist) {
  auto u = resolve_user("4242", kPasswd, kGroup);
  ASSERT_TRUE(u.ok()) << u.error().what();
  EXPECT_EQ(u->uid, 4242u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_TRUE(u->additional_gids.empty());
}

TEST(UserLookup, NumericUidFoundInPasswdTakesItsGid) {
  auto u = resolve_user("65534", kPasswd, kGroup);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->gid, 65534u);
}

TEST(UserLookup, ExplicitGroupByNameOrNumberReplacesSupplementaryGroups) {
  auto named = resolve_user("app:staff", kPasswd, kGroup);
  ASSERT_TRUE(named.ok()) << named.error().what();
  EXPECT_EQ(named->gid, 50u);
  EXPECT_TRUE(named->additional_gids.empty());
  auto numeric = resolve_user("1000:777", kPasswd, kGroup);
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->uid, 1000u);
  EXPECT_EQ(numeric->gid, 777u);
}

TEST(UserLookup, UnknownNamesAreErrorsThatNameThem) {
  auto u = resolve_user("ghost", kPasswd, kGroup);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().what().find("`ghost`"), std::string::npos) << u.error().what();
  auto g = resolve_user("app:ghosts", kPasswd, kGroup);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().what().find("`ghosts`"), std::string::npos) << g.error().what();
}

TEST(UserLookup, EmptyPartsAreErrors) {
  EXPECT_FALSE(resolve_user(":50", kPasswd, kGroup).ok());
  EXPECT_FALSE(resolve_user("app:", kPasswd, kGroup).ok());
}

TEST(UserLookup, MissingFilesAllowOnlyNumbers) {
  EXPECT_TRUE(resolve_user("1000:1000", "", "").ok());
  EXPECT_FALSE(resolve_user("app", "", "").ok());
}

}  // namespace
}  // namespace minirun::runtime
