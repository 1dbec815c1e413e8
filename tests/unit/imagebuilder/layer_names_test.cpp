// Entry names and whiteout names: the lexical rules, no filesystem involved.
#include <gtest/gtest.h>

#include "imagebuilder/store/layer_path.hpp"
#include "imagebuilder/store/layer_whiteouts.hpp"

namespace imagebuilder::store {
namespace {

std::string clean(const char* name) {
  auto r = clean_entry_path(name);
  return r ? *r : "<refused: " + r.error().what() + ">";
}

TEST(LayerEntryPath, RelativeNamesStayAsTheyAre) {
  EXPECT_EQ(clean("etc/passwd"), "etc/passwd");
  EXPECT_EQ(clean("etc/"), "etc");
  EXPECT_EQ(clean(".wh.motd"), ".wh.motd");
  EXPECT_EQ(clean("a/..b/c.."), "a/..b/c..");  // dots inside a name are just characters
}

TEST(LayerEntryPath, DotSlashAndRepeatedSlashesAreDropped) {
  EXPECT_EQ(clean("./etc//passwd"), "etc/passwd");
  EXPECT_EQ(clean("./a/./b/"), "a/b");
}

TEST(LayerEntryPath, LeadingSlashIsStrippedLikeDocker) {
  EXPECT_EQ(clean("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(clean("///abs"), "abs");
}

TEST(LayerEntryPath, TheRootItselfIsEmpty) {
  EXPECT_EQ(clean("./"), "");
  EXPECT_EQ(clean("/"), "");
  EXPECT_EQ(clean("."), "");
}

TEST(LayerEntryPath, ClimbingOutIsRefusedAndNamed) {
  for (const char* bad : {"..", "../x", "../../etc/passwd", "/../etc", "./../x"}) {
    auto r = clean_entry_path(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().what(), "entry `" + std::string(bad) + "` climbs out of the layer");
  }
}

TEST(LayerEntryPath, DotDotInsideIsRefusedToo) {
  for (const char* bad : {"a/../../x", "a/../b", "a/b/.."}) {
    auto r = clean_entry_path(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().what().find(std::string("`") + bad + "`"), std::string::npos) << r.error().what();
  }
}

TEST(LayerEntryPath, ParentAndBase) {
  EXPECT_EQ(parent_of("a/b/c"), "a/b");
  EXPECT_EQ(base_of("a/b/c"), "c");
  EXPECT_EQ(parent_of("c"), "");
  EXPECT_EQ(base_of("c"), "c");
}

TEST(LayerWhiteoutName, OrdinaryNamesAreNoWhiteouts) {
  for (const char* name : {"motd", ".wh", "wh.x", ".whx", ".bashrc"}) {
    auto w = classify_whiteout(name);
    ASSERT_TRUE(w.ok()) << name;
    EXPECT_EQ(w->kind, WhiteoutKind::none) << name;
  }
}

TEST(LayerWhiteoutName, FileWhiteoutNamesItsTarget) {
  auto w = classify_whiteout(".wh.motd");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->kind, WhiteoutKind::file);
  EXPECT_EQ(w->target, "motd");
  auto dotted = classify_whiteout(".wh..bashrc");
  ASSERT_TRUE(dotted.ok());
  EXPECT_EQ(dotted->target, ".bashrc");
  EXPECT_EQ(whiteout_name_for("motd"), ".wh.motd");
}

TEST(LayerWhiteoutName, OpaqueAndAufsMetadata) {
  EXPECT_EQ(classify_whiteout(".wh..wh..opq")->kind, WhiteoutKind::opaque);
  EXPECT_EQ(classify_whiteout(".wh..wh.plnk")->kind, WhiteoutKind::meta);
}

TEST(LayerWhiteoutName, WhiteoutsOfDotAndDotDotAreRefused) {
  for (const char* bad : {".wh.", ".wh..", ".wh..."}) {
    auto w = classify_whiteout(bad);
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_NE(w.error().what().find(bad), std::string::npos) << w.error().what();
  }
}

}  // namespace
}  // namespace imagebuilder::store
