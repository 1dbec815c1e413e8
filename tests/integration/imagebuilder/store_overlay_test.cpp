// Overlay views over layer directories: writes land in the upper dir, lower dirs stay
// untouched, and a read-only view refuses writes.
#include "minirun/sys/overlay.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "minirun/sys/file.hpp"

namespace imagebuilder::store {
using minirun::sys::OverlayDirs;
using minirun::sys::mount_overlay;
using minirun::sys::overlay_options;
namespace {

class OverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "overlay mounts need root";
    char tmpl[] = "/tmp/overlay-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* d : {"/bottom", "/top", "/merged"}) ASSERT_EQ(mkdir((dir_ + d).c_str(), 0755), 0);
    std::ofstream(dir_ + "/bottom/a") << "bottom";
    std::ofstream(dir_ + "/bottom/b") << "bottom";
    std::ofstream(dir_ + "/top/a") << "top";
  }
  void TearDown() override {
    if (!dir_.empty()) (void)minirun::sys::remove_tree(dir_);
  }
  std::string read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string dir_;
};

TEST(OverlayOptions, TooManyLayersIsAClearError) {
  OverlayDirs dirs;
  dirs.upper = "/u";
  dirs.work = "/w";
  for (int i = 0; i < 200; ++i) dirs.lower.push_back("/var/lib/minirun/images/layers/" + std::string(64, 'a'));
  auto options = overlay_options(dirs);
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.error().what().find("200 layers"), std::string::npos) << options.error().what();
}

TEST(OverlayOptions, PathsThatWouldSplitOptionsAreRefused) {
  OverlayDirs dirs{{"/a,upperdir=/etc"}, "/u", "/w", ""};
  EXPECT_FALSE(overlay_options(dirs).ok());
  OverlayDirs relative{{"layers/a"}, "/u", "/w", ""};
  EXPECT_FALSE(overlay_options(relative).ok());
}

TEST(OverlayOptions, VolatileOnlyWithAnUpperDir) {
  OverlayDirs dirs{{"/l"}, "/u", "/w", "/e"};
  dirs.volatile_upper = true;
  auto options = overlay_options(dirs);
  ASSERT_TRUE(options.ok()) << options.error().what();
  EXPECT_TRUE(options->ends_with(",volatile")) << *options;
  dirs.volatile_upper = false;
  EXPECT_EQ(overlay_options(dirs)->find("volatile"), std::string::npos);
  OverlayDirs read_only{{"/l"}, "", "", "/e"};
  read_only.volatile_upper = true;  // nothing to sync without an upper dir
  EXPECT_EQ(overlay_options(read_only)->find("volatile"), std::string::npos);
}

/// The options of the mount at `target`, from /proc/self/mountinfo ("" when not mounted).
std::string super_options_of(const std::string& target) {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    if (point == target) return line.substr(line.find(" - "));
  }
  return "";
}

TEST_F(OverlayTest, ROOT_AVolatileUpperDirCanBeMountedAgain) {
  // overlayfs marks a work dir used by a volatile mount and refuses it afterwards;
  // mount_overlay starts such a work dir afresh, so a second volatile mount works.
  OverlayDirs dirs{{dir_ + "/bottom"}, dir_ + "/upper", dir_ + "/work", dir_ + "/empty"};
  dirs.volatile_upper = true;
  for (int round = 0; round < 2; ++round) {
    auto mount = mount_overlay(dirs, dir_ + "/merged");
    ASSERT_TRUE(mount.ok()) << "round " << round << ": " << mount.error().what();
    EXPECT_NE(super_options_of(dir_ + "/merged").find("volatile"), std::string::npos) << super_options_of(dir_ + "/merged");
    std::ofstream(dir_ + "/merged/round" + std::to_string(round)) << "written";
  }
  EXPECT_EQ(read(dir_ + "/upper/round0"), "written") << "the upper dir itself is kept";
  EXPECT_EQ(read(dir_ + "/upper/round1"), "written");
  EXPECT_EQ(super_options_of(dir_ + "/merged"), "") << "unmounted at the end";
}

TEST_F(OverlayTest, ROOT_WritesLandInTheUpperDirOnly) {
  OverlayDirs dirs{{dir_ + "/top", dir_ + "/bottom"}, dir_ + "/upper", dir_ + "/work", dir_ + "/empty"};
  {
    auto mount = mount_overlay(dirs, dir_ + "/merged");
    ASSERT_TRUE(mount.ok()) << mount.error().what();
    EXPECT_EQ(read(dir_ + "/merged/a"), "top");
    EXPECT_EQ(read(dir_ + "/merged/b"), "bottom");
    std::ofstream(dir_ + "/merged/b") << "changed";
    ASSERT_EQ(unlink((dir_ + "/merged/a").c_str()), 0);
  }
  EXPECT_EQ(read(dir_ + "/bottom/b"), "bottom");
  EXPECT_EQ(read(dir_ + "/top/a"), "top");
  EXPECT_EQ(read(dir_ + "/upper/b"), "changed");
  struct stat st {};
  ASSERT_EQ(lstat((dir_ + "/upper/a").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "a deleted lower file leaves a whiteout";
}

TEST_F(OverlayTest, ROOT_ReadOnlyViewOfOneLayerRefusesWrites) {
  OverlayDirs dirs{{dir_ + "/bottom"}, "", "", dir_ + "/empty"};
  auto mount = mount_overlay(dirs, dir_ + "/merged");
  ASSERT_TRUE(mount.ok()) << mount.error().what();
  EXPECT_EQ(read(dir_ + "/merged/a"), "bottom");
  std::ofstream out(dir_ + "/merged/new");
  EXPECT_FALSE(out.is_open()) << "a read-only view must refuse new files";
}

}  // namespace
}  // namespace imagebuilder::store
