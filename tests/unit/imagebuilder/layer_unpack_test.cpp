// unpack_layer against hostile tars: every case has a victim directory next to the
// target that must be byte-for-byte the same afterwards. Also compression, the
// diff_id, whiteouts applied by deletion, devices, setuid and xattr rules. No root.
#include "imagebuilder/store/layer_unpack.hpp"

#include <gtest/gtest.h>
#include <sys/xattr.h>

#include <functional>

#include "imagebuilder/store/compression.hpp"
#include "tests/unit/imagebuilder/layer_test_support.hpp"

namespace imagebuilder::store {
namespace {

using testing::read_text;
using testing::TarBuilder;
using testing::TempDir;
using testing::tree_snapshot;
using testing::write_text;

/// A scratch dir with `target/` (where layers go) and `victim/` (what attacks aim at).
class LayerUnpack : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(scratch_.path().empty());
    ASSERT_EQ(::mkdir(victim().c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((victim() + "/dir").c_str(), 0755), 0);
    write_text(victim() + "/file", "precious\n");
    write_text(victim() + "/dir/inner", "also precious\n");
    victim_before_ = tree_snapshot(victim());
  }
  void TearDown() override {
    // The property every test in this file shares.
    EXPECT_EQ(tree_snapshot(victim()), victim_before_) << "the victim directory changed";
  }

  std::string target() const { return scratch_ / "target"; }
  std::string victim() const { return scratch_ / "victim"; }
  std::string tar_path() const { return scratch_ / "layer.tar"; }

  /// Builds a tar with `fill` and unpacks it into target().
  Result<UnpackStats> unpack(const std::function<void(TarBuilder&)>& fill, UnpackOptions options = defaults()) {
    {
      TarBuilder tar(tar_path());
      fill(tar);
      tar.close();
      EXPECT_TRUE(tar.ok());
    }
    return unpack_layer(tar_path(), target(), options);
  }

  static UnpackOptions defaults() {
    UnpackOptions o;
    o.same_owner = false;          // tests run as a normal user too
    o.overlay_whiteouts = false;   // overlay whiteouts need root: tests/integration
    return o;
  }

  /// The error must name the layer and the entry.
  void expect_refused(const Result<UnpackStats>& r, const std::string& entry, const std::string& why = "") {
    ASSERT_FALSE(r.ok()) << "unpacking succeeded but should have refused `" << entry << "`";
    const std::string what = r.error().what();
    EXPECT_NE(what.find("layer `" + tar_path() + "`"), std::string::npos) << what;
    EXPECT_NE(what.find("`" + entry + "`"), std::string::npos) << what;
    if (!why.empty()) {
      EXPECT_NE(what.find(why), std::string::npos) << what;
    }
  }

  bool exists(const std::string& rel) const {
    struct stat st {};
    return ::lstat((target() + "/" + rel).c_str(), &st) == 0;
  }

  TempDir scratch_;
  std::string victim_before_;
};

TEST_F(LayerUnpack, DotDotEntryIsRefusedWithTheExactMessage) {
  auto r = unpack([](TarBuilder& t) { t.file("../victim/file", "pwned"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what(), "layer `" + tar_path() + "`: entry `../victim/file` climbs out of the layer");
}

TEST_F(LayerUnpack, DotDotDeeperInTheNameIsRefused) {
  expect_refused(unpack([](TarBuilder& t) { t.dir("a/").file("a/../../victim/file", "pwned"); }),
                 "a/../../victim/file", "`..`");
}

TEST_F(LayerUnpack, AbsoluteNamesAreStrippedAndLandInside) {
  std::string victim_abs = victim() + "/file";
  auto r = unpack([&](TarBuilder& t) { t.file("/abs", "inside").file(victim_abs, "pwned"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(target() + "/abs"), "inside");
  EXPECT_EQ(read_text(target() + victim_abs), "pwned");  // target/tmp/.../victim/file
}

TEST_F(LayerUnpack, WritingThroughAnAbsoluteSymlinkIsRefused) {
  std::string v = victim();
  expect_refused(unpack([&](TarBuilder& t) { t.symlink("evil", v).file("evil/owned", "pwned"); }), "evil/owned",
                 "`evil` is a symlink");
  EXPECT_FALSE(::access((victim() + "/owned").c_str(), F_OK) == 0);
}

TEST_F(LayerUnpack, WritingThroughARelativeSymlinkIsRefused) {
  expect_refused(unpack([](TarBuilder& t) { t.symlink("evil", "../victim").file("evil/file", "pwned"); }),
                 "evil/file", "symlink");
}

TEST_F(LayerUnpack, SymlinkChainIsRefused) {
  auto r = unpack([](TarBuilder& t) {
    t.symlink("a", "b").symlink("b", "../..").file("a/tmp/owned", "pwned");
  });
  expect_refused(r, "a/tmp/owned", "`a` is a symlink");
}

TEST_F(LayerUnpack, SymlinkDeepInThePathIsRefused) {
  std::string v = victim();
  auto r = unpack([&](TarBuilder& t) { t.dir("x/").dir("x/y/").symlink("x/y/z", v).file("x/y/z/dir/inner", "pwned"); });
  expect_refused(r, "x/y/z/dir/inner", "`x/y/z` is a symlink");
}

TEST_F(LayerUnpack, SymlinksThemselvesMayPointAnywhere) {
  std::string v = victim();
  auto r = unpack([&](TarBuilder& t) { t.symlink("abs", v + "/file").symlink("rel", "../../../../etc/passwd"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  char buf[256] = {};
  ASSERT_GT(::readlink((target() + "/rel").c_str(), buf, sizeof buf - 1), 0);
  EXPECT_STREQ(buf, "../../../../etc/passwd");
}

TEST_F(LayerUnpack, AFileReplacingASymlinkIsNotWrittenThroughIt) {
  std::string v = victim();
  auto r = unpack([&](TarBuilder& t) { t.symlink("evil", v + "/file").file("evil", "new content", 0600); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  struct stat st {};
  ASSERT_EQ(::lstat((target() + "/evil").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(read_text(target() + "/evil"), "new content");
}

TEST_F(LayerUnpack, ADirectoryReplacingASymlinkDoesNotChmodTheTarget) {
  std::string v = victim();
  auto r = unpack([&](TarBuilder& t) { t.symlink("evil", v).dir("evil/", 0777).symlink("evil2", v).dir("evil2/", 0700); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  struct stat st {};
  ASSERT_EQ(::lstat((target() + "/evil").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(LayerUnpack, HardlinkClimbingOutIsRefused) {
  expect_refused(unpack([](TarBuilder& t) { t.hardlink("h", "../../victim/file"); }), "h", "climbs out");
}

TEST_F(LayerUnpack, HardlinkToAnAbsoluteHostPathIsRefused) {
  std::string v = victim();
  expect_refused(unpack([](TarBuilder& t) { t.hardlink("h", "/etc/passwd"); }), "h", "not in the layer");
  expect_refused(unpack([&](TarBuilder& t) { t.hardlink("h", v + "/file"); }), "h", "not in the layer");
}

TEST_F(LayerUnpack, HardlinkThroughASymlinkIsRefused) {
  std::string v = victim();
  expect_refused(unpack([&](TarBuilder& t) { t.symlink("evil", v).hardlink("h", "evil/file"); }), "h",
                 "`evil` is a symlink");
}

TEST_F(LayerUnpack, HardlinkToAFileNotYetUnpackedIsRefused) {
  expect_refused(unpack([](TarBuilder& t) { t.hardlink("h", "later").file("later", "x"); }), "h",
                 "not yet unpacked");
}

TEST_F(LayerUnpack, HardlinksInsideTheLayerShareTheInode) {
  auto r = unpack([](TarBuilder& t) { t.dir("bin/").file("bin/busybox", "bb", 0755).hardlink("bin/sh", "bin/busybox"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  struct stat a {}, b {};
  ASSERT_EQ(::stat((target() + "/bin/busybox").c_str(), &a), 0);
  ASSERT_EQ(::stat((target() + "/bin/sh").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST_F(LayerUnpack, ALaterEntryNeverWritesThroughAHardlink) {
  auto r = unpack([](TarBuilder& t) { t.file("a", "original").hardlink("b", "a").file("b", "replaced"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(target() + "/a"), "original");
  EXPECT_EQ(read_text(target() + "/b"), "replaced");
}

TEST_F(LayerUnpack, WhiteoutsOfDotAndDotDotAreRefused) {
  expect_refused(unpack([](TarBuilder& t) { t.file(".wh..", ""); }), ".wh..", "climbs out");
  expect_refused(unpack([](TarBuilder& t) { t.dir("a/").file("a/.wh...", ""); }), "a/.wh...", "climbs out");
}

TEST_F(LayerUnpack, WhiteoutThroughASymlinkIsRefused) {
  std::string v = victim();
  expect_refused(unpack([&](TarBuilder& t) { t.symlink("evil", v).file("evil/.wh.file", ""); }), "evil/.wh.file",
                 "symlink");
  expect_refused(unpack([&](TarBuilder& t) { t.symlink("evil2", v).file("evil2/.wh..wh..opq", ""); }),
                 "evil2/.wh..wh..opq", "symlink");
}

TEST_F(LayerUnpack, DeviceNodesAreRefusedByDefault) {
  expect_refused(unpack([](TarBuilder& t) { t.dir("dev/").device("dev/sda", AE_IFBLK, 8, 0); }), "dev/sda",
                 "device node refused");
  expect_refused(unpack([](TarBuilder& t) { t.device("mem", AE_IFCHR, 1, 1); }), "mem", "device node refused");
  EXPECT_FALSE(exists("dev/sda"));
  EXPECT_FALSE(exists("mem"));
}

TEST_F(LayerUnpack, FifosAreFine) {
  auto r = unpack([](TarBuilder& t) { t.fifo("pipe"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  struct stat st {};
  ASSERT_EQ(::lstat((target() + "/pipe").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(LayerUnpack, SetuidBitsAreKeptOrStripped) {
  auto fill = [](TarBuilder& t) { t.file("su", "x", 04755).file("wall", "x", 02755).dir("shared/", 02775); };
  auto kept = unpack(fill);
  ASSERT_TRUE(kept.ok()) << kept.error().what();
  struct stat st {};
  ASSERT_EQ(::stat((target() + "/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);

  UnpackOptions strip = defaults();
  strip.keep_setuid = false;
  auto stripped = unpack_layer(tar_path(), scratch_ / "stripped", strip);
  ASSERT_TRUE(stripped.ok()) << stripped.error().what();
  ASSERT_EQ(::stat((scratch_ / "stripped/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((scratch_ / "stripped/wall").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((scratch_ / "stripped/shared").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02775u);  // setgid on a directory only passes a group down
}

TEST_F(LayerUnpack, OnlyUserAndCapabilityXattrsAreKept) {
  auto r = unpack([](TarBuilder& t) {
    t.file("f", "x", 0644,
           {{"user.note", "kept"}, {"trusted.overlay.redirect", "/etc"}, {"security.selinux", "system_u:object_r:x"}});
  });
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(r->dropped_xattrs, 2u);
  char value[16] = {};
  ssize_t n = ::getxattr((target() + "/f").c_str(), "user.note", value, sizeof value);
  if (n < 0 && errno == ENOTSUP) GTEST_SKIP() << "no user xattrs on /tmp";
  ASSERT_EQ(n, 4);
  EXPECT_EQ(std::string(value, 4), "kept");
  EXPECT_LT(::getxattr((target() + "/f").c_str(), "trusted.overlay.redirect", value, sizeof value), 0);
}

TEST_F(LayerUnpack, CompressedLayersGiveTheDiffIdOfTheUncompressedTar) {
  for (const std::string filter : {"gzip", "zstd"}) {
    std::string path = scratch_ / ("layer." + filter);
    {
      TarBuilder tar(path, filter);
      tar.dir("etc/").file("etc/hostname", "box\n").file("big", std::string(5 << 20, 'z'));
      tar.close();
      ASSERT_TRUE(tar.ok()) << filter;
    }
    auto expected = uncompressed_digest(path);
    ASSERT_TRUE(expected.ok()) << expected.error().what();
    auto r = unpack_layer(path, scratch_ / ("out-" + filter), defaults());
    ASSERT_TRUE(r.ok()) << r.error().what();
    EXPECT_EQ(r->compression, filter);
    EXPECT_EQ(r->diff_id, expected->diff_id) << filter;
    EXPECT_EQ(r->size, expected->size) << filter;
    EXPECT_EQ(read_text(scratch_ / ("out-" + filter) + "/etc/hostname"), "box\n");
    EXPECT_EQ(read_text(scratch_ / ("out-" + filter) + "/big").size(), std::size_t(5 << 20));
  }
}

TEST_F(LayerUnpack, PlainLayerDiffIdIsTheFileDigest) {
  auto r = unpack([](TarBuilder& t) { t.file("a", "a"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  auto d = digest_file(tar_path());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(r->diff_id, *d);
  EXPECT_EQ(r->compression, "none");
}

TEST_F(LayerUnpack, WhiteoutsDeleteFromTheLowerTreeWhenFlattening) {
  // The "lower" layers, already in the target.
  ASSERT_EQ(::mkdir(target().c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((target() + "/etc").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((target() + "/opt").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((target() + "/opt/old").c_str(), 0755), 0);
  write_text(target() + "/etc/motd", "hello");
  write_text(target() + "/opt/old/x", "x");
  write_text(target() + "/opt/y", "y");
  write_text(target() + "/keep", "k");
  auto r = unpack([](TarBuilder& t) {
    t.dir("etc/").file("etc/.wh.motd", "").dir("opt/").file("opt/.wh..wh..opq", "").file("opt/new", "n");
    t.file(".wh.absent", "");  // deleting what is not there is fine
  });
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(r->whiteouts, 3u);
  EXPECT_FALSE(exists("etc/motd"));
  EXPECT_FALSE(exists("etc/.wh.motd"));
  EXPECT_FALSE(exists("opt/old"));
  EXPECT_FALSE(exists("opt/y"));
  EXPECT_TRUE(exists("opt/new"));
  EXPECT_FALSE(exists("opt/.wh..wh..opq"));
  EXPECT_TRUE(exists("keep"));
}

TEST_F(LayerUnpack, WhiteoutsNeverHideTheSameLayersFiles) {
  auto r = unpack([](TarBuilder& t) {
    t.file("x", "mine").file(".wh.x", "").dir("d/").file("d/mine", "m").file("d/.wh..wh..opq", "");
  });
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(target() + "/x"), "mine");
  EXPECT_TRUE(exists("d/mine"));
}

TEST_F(LayerUnpack, NotATarIsAnErrorNamingTheLayer) {
  write_text(tar_path(), std::string(4096, '\x7f'));
  auto r = unpack_layer(tar_path(), target(), defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find(tar_path()), std::string::npos) << r.error().what();
}

TEST_F(LayerUnpack, TruncatedTarIsAnError) {
  {
    TarBuilder tar(tar_path());
    tar.file("big", std::string(1 << 20, 'q'));
    tar.close();
  }
  ASSERT_EQ(::truncate(tar_path().c_str(), 600 * 1024), 0);
  auto r = unpack_layer(tar_path(), target(), defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find(tar_path()), std::string::npos) << r.error().what();
}

TEST_F(LayerUnpack, ParentsMissingFromTheTarAreCreated) {
  auto r = unpack([](TarBuilder& t) { t.file("a/b/c", "deep"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(target() + "/a/b/c"), "deep");
}

TEST_F(LayerUnpack, ReadOnlyDirectoriesGetTheirModeAfterTheirContents) {
  auto r = unpack([](TarBuilder& t) { t.dir("ro/", 0555).file("ro/f", "x").dir("ro/sub/", 0500).file("ro/sub/g", "y"); });
  ASSERT_TRUE(r.ok()) << r.error().what();
  struct stat st {};
  ASSERT_EQ(::stat((target() + "/ro").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);  // not the time the children were made
  EXPECT_EQ(read_text(target() + "/ro/sub/g"), "y");
}

}  // namespace
}  // namespace imagebuilder::store
