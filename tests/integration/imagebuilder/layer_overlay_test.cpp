// Layers and overlayfs for real (root): a deletion and a replaced directory in a
// mounted overlay become OCI whiteouts in write_layer's tar, and unpacking that tar as
// an overlay lower dir hides the same files again. Plus what only root can check:
// device nodes, owners, setuid after chown, trusted.* and security.capability xattrs.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/xattr.h>

#include "imagebuilder/store/layer_unpack.hpp"
#include "imagebuilder/store/layer_writer.hpp"
#include "minirun/sys/mount.hpp"
#include "tests/support/test_env.hpp"
#include "tests/unit/imagebuilder/layer_test_support.hpp"

namespace imagebuilder::store {
namespace {

using minirun::sys::ScopedMount;
using testing::read_text;
using testing::tar_listing;
using testing::TarBuilder;
using testing::TempDir;
using testing::write_text;

/// Mounts overlay at `merged`; the mount is detached when the returned guard dies,
/// also when an assertion ends the test early.
ScopedMount mount_overlay_for_test(const std::string& lower, const std::string& upper, const std::string& work,
                                   const std::string& merged) {
  std::string options = "lowerdir=" + lower;
  if (!upper.empty()) options += ",upperdir=" + upper + ",workdir=" + work + ",redirect_dir=off,metacopy=off";
  auto r = minirun::sys::mount_fs("overlay", merged, "overlay", upper.empty() ? MS_RDONLY : 0, options);
  EXPECT_TRUE(r.ok()) << r.error().what();
  return r.ok() ? ScopedMount(merged) : ScopedMount();
}

void make_dir(const std::string& path) { ASSERT_EQ(::mkdir(path.c_str(), 0755), 0) << path; }

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string xattr_of(const std::string& path, const char* name) {
  char value[256];
  ssize_t n = ::lgetxattr(path.c_str(), name, value, sizeof value);
  return n < 0 ? "<none>" : std::string(value, static_cast<std::size_t>(n));
}

TEST(LayerOverlay, ROOT_DeletionsInAnOverlayBecomeOciWhiteoutsAndHideAgainWhenUnpacked) {
  MINIRUN_REQUIRE_ROOT();
  TempDir t;
  for (const char* d : {"lower", "lower/dir", "upper", "work", "merged", "merged2"}) make_dir(t / d);
  write_text(t / "lower/gone", "bye");
  write_text(t / "lower/keep", "stays");
  write_text(t / "lower/dir/old", "hidden by the opaque dir");

  {
    ScopedMount overlay = mount_overlay_for_test(t / "lower", t / "upper", t / "work", t / "merged");
    ASSERT_TRUE(exists(t / "merged/gone"));
    // A deletion, a directory replaced by a new one, a new file.
    ASSERT_EQ(::unlink((t / "merged/gone").c_str()), 0);
    ASSERT_EQ(::unlink((t / "merged/dir/old").c_str()), 0);
    ASSERT_EQ(::rmdir((t / "merged/dir").c_str()), 0);
    make_dir(t / "merged/dir");
    write_text(t / "merged/dir/new", "fresh");
    write_text(t / "merged/added", "new file");
    ASSERT_EQ(::umount2((t / "merged").c_str(), 0), 0);
    overlay.release();
  }
  // What overlayfs left in the upper dir: a 0/0 char device and an opaque directory.
  struct stat st {};
  ASSERT_EQ(::lstat((t / "upper/gone").c_str(), &st), 0);
  ASSERT_TRUE(S_ISCHR(st.st_mode));
  ASSERT_EQ(xattr_of(t / "upper/dir", "trusted.overlay.opaque"), "y");

  auto layer = write_layer(t / "upper", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  std::vector<std::string> expected = {"f .wh.gone", "f added", "d dir/", "f dir/.wh..wh..opq", "f dir/new"};
  EXPECT_EQ(tar_listing(t / "layer.tar"), expected);
  EXPECT_EQ(read_text(t / "layer.tar").find("trusted.overlay"), std::string::npos);

  // Unpack as a lower dir and stack it on the base: the merged view shows the deletions.
  auto stats = unpack_layer(t / "layer.tar", t / "layer1");
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  EXPECT_EQ(stats->whiteouts, 2u);
  ASSERT_EQ(::lstat((t / "layer1/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_EQ(xattr_of(t / "layer1/dir", "trusted.overlay.opaque"), "y");

  ScopedMount view = mount_overlay_for_test(t / "layer1:" + t / "lower", "", "", t / "merged2");
  EXPECT_FALSE(exists(t / "merged2/gone"));
  EXPECT_FALSE(exists(t / "merged2/dir/old"));
  EXPECT_EQ(read_text(t / "merged2/dir/new"), "fresh");
  EXPECT_EQ(read_text(t / "merged2/keep"), "stays");
  EXPECT_EQ(read_text(t / "merged2/added"), "new file");
}

TEST(LayerOverlay, ROOT_CraftedWhiteoutsBecomeOverlayWhiteouts) {
  MINIRUN_REQUIRE_ROOT();
  TempDir t;
  {
    TarBuilder tar(t / "layer.tar");
    tar.file(".wh.x", "").dir("d/").file("d/.wh..wh..opq", "").file(".wh..wh.plnk", "");
    tar.close();
    ASSERT_TRUE(tar.ok());
  }
  auto stats = unpack_layer(t / "layer.tar", t / "out");
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  struct stat st {};
  ASSERT_EQ(::lstat((t / "out/x").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
  EXPECT_EQ(xattr_of(t / "out/d", "trusted.overlay.opaque"), "y");
  EXPECT_FALSE(exists(t / "out/.wh..wh.plnk"));
  EXPECT_FALSE(exists(t / "out/.wh.x"));
}

TEST(LayerWriterRoot, ROOT_RedirectAndMetacopyUpperDirsAreRefused) {
  MINIRUN_REQUIRE_ROOT();
  for (const char* xattr : {"trusted.overlay.redirect", "trusted.overlay.metacopy"}) {
    TempDir t;
    make_dir(t / "upper");
    make_dir(t / "upper/renamed");
    ASSERT_EQ(::setxattr((t / "upper/renamed").c_str(), xattr, "/old", 4, 0), 0);
    auto layer = write_layer(t / "upper", t / "layer.tar");
    ASSERT_FALSE(layer.ok()) << xattr;
    EXPECT_NE(layer.error().what().find(xattr), std::string::npos) << layer.error().what();
    EXPECT_NE(layer.error().what().find("renamed"), std::string::npos) << layer.error().what();
    EXPECT_NE(layer.error().what().find("redirect_dir=off"), std::string::npos) << layer.error().what();
    EXPECT_FALSE(exists(t / "layer.tar"));
  }
}

TEST(LayerWriterRoot, ROOT_FileCapabilitiesRoundTripButOverlayXattrsDoNot) {
  MINIRUN_REQUIRE_ROOT();
  TempDir t;
  make_dir(t / "src");
  write_text(t / "src/ping", "elf", 0755);
  // What `setcap cap_net_raw+ep ping` writes: a version-2 vfs_cap_data.
  struct vfs_cap_data cap {};
  cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
  cap.data[0].permitted = 1u << CAP_NET_RAW;
  ASSERT_EQ(::setxattr((t / "src/ping").c_str(), "security.capability", &cap, XATTR_CAPS_SZ_2, 0), 0);
  ASSERT_EQ(::setxattr((t / "src/ping").c_str(), "trusted.overlay.origin", "x", 1, 0), 0);
  auto layer = write_layer(t / "src", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  EXPECT_EQ(read_text(t / "layer.tar").find("trusted.overlay"), std::string::npos);

  auto kept = unpack_layer(t / "layer.tar", t / "out");
  ASSERT_TRUE(kept.ok()) << kept.error().what();
  EXPECT_EQ(xattr_of(t / "out/ping", "security.capability"), xattr_of(t / "src/ping", "security.capability"));

  UnpackOptions strip;
  strip.keep_setuid = false;
  auto stripped = unpack_layer(t / "layer.tar", t / "stripped", strip);
  ASSERT_TRUE(stripped.ok()) << stripped.error().what();
  EXPECT_EQ(xattr_of(t / "stripped/ping", "security.capability"), "<none>");
}

TEST(LayerUnpackRoot, ROOT_TrustedXattrsFromATarAreDropped) {
  MINIRUN_REQUIRE_ROOT();
  TempDir t;
  {
    TarBuilder tar(t / "layer.tar");
    tar.file("f", "x", 0644, {{"trusted.overlay.redirect", "/etc"}, {"trusted.other", "1"}, {"user.ok", "1"}});
    tar.close();
    ASSERT_TRUE(tar.ok());
  }
  auto stats = unpack_layer(t / "layer.tar", t / "out");
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  EXPECT_EQ(stats->dropped_xattrs, 2u);
  EXPECT_EQ(xattr_of(t / "out/f", "trusted.overlay.redirect"), "<none>");
  EXPECT_EQ(xattr_of(t / "out/f", "trusted.other"), "<none>");
  EXPECT_EQ(xattr_of(t / "out/f", "user.ok"), "1");
}

TEST(LayerUnpackRoot, ROOT_DeviceNodesOnlyWhenAllowed) {
  MINIRUN_REQUIRE_ROOT();
  TempDir t;
  {
    TarBuilder tar(t / "layer.tar");
    tar.dir("dev/").device("dev/null", AE_IFCHR, 1, 3);
    tar.close();
    ASSERT_TRUE(tar.ok());
  }
  auto refused = unpack_layer(t / "layer.tar", t / "out");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().what().find("entry `dev/null`: device node refused"), std::string::npos)
      << refused.error().what();
  EXPECT_FALSE(exists(t / "out/dev/null"));

  UnpackOptions allow;
  allow.allow_devices = true;
  auto made = unpack_layer(t / "layer.tar", t / "allowed", allow);
  ASSERT_TRUE(made.ok()) << made.error().what();
  struct stat st {};
  ASSERT_EQ(::lstat((t / "allowed/dev/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
}

TEST(LayerUnpackRoot, ROOT_OwnersAreKeptAndSetuidSurvivesTheChown) {
  MINIRUN_REQUIRE_ROOT();
  TempDir t;
  {
    TarBuilder tar(t / "layer.tar");
    tar.dir("etc/").file("etc/passwd", "root:x:0:0");
    tar.owner(1000, 1001).file("suid-user", "x", 04755).dir("home/", 0700);
    tar.owner(33, 33).symlink("link", "etc/passwd").fifo("fifo");
    tar.close();
    ASSERT_TRUE(tar.ok());
  }
  auto stats = unpack_layer(t / "layer.tar", t / "out");
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  struct stat st {};
  ASSERT_EQ(::lstat((t / "out/etc/passwd").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
  ASSERT_EQ(::lstat((t / "out/suid-user").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_mode & 07777, 04755u);  // chown clears setuid; the chmod after it restores it
  ASSERT_EQ(::lstat((t / "out/home").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::lstat((t / "out/link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_uid, 33u);
  ASSERT_EQ(::lstat((t / "out/etc/passwd").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // lchown of the link did not follow it
  ASSERT_EQ(::lstat((t / "out/fifo").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 33u);

  UnpackOptions strip;
  strip.keep_setuid = false;
  auto stripped = unpack_layer(t / "layer.tar", t / "stripped", strip);
  ASSERT_TRUE(stripped.ok()) << stripped.error().what();
  ASSERT_EQ(::lstat((t / "stripped/suid-user").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST(LayerWriterRoot, ROOT_OwnersAndDevicesRoundTrip) {
  MINIRUN_REQUIRE_ROOT();
  TempDir t;
  make_dir(t / "src");
  write_text(t / "src/owned", "x", 0640);
  ASSERT_EQ(::chown((t / "src/owned").c_str(), 1234, 5678), 0);
  ASSERT_EQ(::mknod((t / "src/tty").c_str(), S_IFCHR | 0620, makedev(5, 0)), 0);
  ASSERT_EQ(::chown((t / "src/tty").c_str(), 0, 5), 0);
  auto layer = write_layer(t / "src", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  UnpackOptions allow;
  allow.allow_devices = true;
  auto stats = unpack_layer(t / "layer.tar", t / "out", allow);
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  EXPECT_EQ(testing::tree_snapshot(t / "out"), testing::tree_snapshot(t / "src"));
}

}  // namespace
}  // namespace imagebuilder::store
