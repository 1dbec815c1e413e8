// write_layer: names, order, determinism, links, modes, xattrs, and the round trip
// through unpack_layer. No root needed (whiteouts and owners: tests/integration).
#include "imagebuilder/store/layer_writer.hpp"

#include <gtest/gtest.h>
#include <sys/xattr.h>

#include <functional>

#include "imagebuilder/store/layer_unpack.hpp"
#include "tests/unit/imagebuilder/layer_test_support.hpp"

namespace imagebuilder::store {
namespace {

using testing::read_text;
using testing::tar_listing;
using testing::TempDir;
using testing::tree_snapshot;
using testing::write_text;

constexpr time_t kMtime = 1600000000;

/// Gives every entry below `root` the same mtime (deepest first, so setting a
/// child's time does not disturb its parent's).
void pin_mtimes(const std::string& root) {
  ::nftw(
      root.c_str(),
      [](const char* p, const struct stat*, int, FTW*) {
        struct timespec t[2] = {{kMtime, 0}, {kMtime, 0}};
        ::utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW);
        return 0;
      },
      16, FTW_PHYS | FTW_DEPTH);
}

void mkdir_mode(const std::string& path, mode_t mode) {
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0) << path;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

/// A tree with one of everything a layer holds (no devices: those need root).
/// `reverse` creates the same tree in another order (other inode numbers, other
/// readdir order), which must not change the tar.
void make_sample_tree(const std::string& root, bool reverse = false) {
  std::vector<std::pair<std::string, mode_t>> dirs = {
      {"etc", 0755}, {"usr", 0755}, {"usr/bin", 0755}, {"usr/lib", 0755}, {"tmp", 01777}, {"empty", 0700}, {"ro", 0555}};
  std::vector<std::function<void()>> files = {
      [&] { write_text(root + "/etc/passwd", "root:x:0:0::/root:/bin/sh\n"); },
      [&] { write_text(root + "/etc/shadow", "root:*:19000::::::\n", 0640); },
      [&] { write_text(root + "/usr/bin/su", "#!/bin/sh\n", 04755); },
      [&] { write_text(root + "/usr/bin/gr", "#!/bin/sh\n", 02755); },
      [&] {
        write_text(root + "/usr/bin/busybox", std::string(3 << 20, 'b') + "end", 0755);
        ASSERT_EQ(::link((root + "/usr/bin/busybox").c_str(), (root + "/usr/bin/sh").c_str()), 0);
      },
      [&] { ASSERT_EQ(::symlink("usr/lib", (root + "/lib").c_str()), 0); },
      [&] { ASSERT_EQ(::symlink("/nonexistent/target", (root + "/dangling").c_str()), 0); },
      [&] { ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0620), 0); },
      [&] { write_text(root + "/usr/lib/" + std::string(150, 'n'), "a long name needs a pax header"); },
      [&] { write_text(root + "/usr/lib/empty-file", ""); },
  };
  if (reverse) {
    // Parents before children still, but siblings and files the other way round.
    std::reverse(dirs.begin(), dirs.end());
    std::stable_sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) {
      return std::count(a.first.begin(), a.first.end(), '/') < std::count(b.first.begin(), b.first.end(), '/');
    });
    std::reverse(files.begin(), files.end());
  }
  for (const auto& [name, mode] : dirs) mkdir_mode(root + "/" + name, mode);
  for (auto& step : files) step();
  pin_mtimes(root);
}

UnpackOptions unprivileged() {
  UnpackOptions o;
  o.same_owner = false;
  o.overlay_whiteouts = false;
  return o;
}

TEST(LayerWriter, NamesAreRelativeSortedAndDirectoriesComeFirst) {
  TempDir t;
  std::string src = t / "src";
  mkdir_mode(src, 0755);
  mkdir_mode(src + "/a", 0755);
  write_text(src + "/a/b", "b");
  write_text(src + "/a-b", "ab");
  ASSERT_EQ(::symlink("usr/bin", (src + "/bin").c_str()), 0);
  mkdir_mode(src + "/usr", 0755);
  mkdir_mode(src + "/usr/bin", 0755);
  write_text(src + "/usr/bin/y", "x");
  ASSERT_EQ(::link((src + "/usr/bin/y").c_str(), (src + "/usr/bin/x").c_str()), 0);
  mkdir_mode(src + "/etc", 0755);
  write_text(src + "/etc/passwd", "root");

  auto layer = write_layer(src, t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  std::vector<std::string> expected = {
      "d a/", "f a/b", "f a-b", "l bin -> usr/bin", "d etc/", "f etc/passwd", "d usr/", "d usr/bin/",
      "f usr/bin/x", "h usr/bin/y => usr/bin/x",
  };
  EXPECT_EQ(tar_listing(t / "layer.tar"), expected);
  EXPECT_EQ(layer->entries, expected.size());
}

TEST(LayerWriter, DiffIdIsTheDigestOfTheWrittenFile) {
  TempDir t;
  mkdir_mode(t / "src", 0755);
  make_sample_tree(t / "src");
  auto layer = write_layer(t / "src", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  auto digest = digest_file(t / "layer.tar");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(layer->diff_id, *digest);
  struct stat st {};
  ASSERT_EQ(::stat((t / "layer.tar").c_str(), &st), 0);
  EXPECT_EQ(layer->size, static_cast<std::uint64_t>(st.st_size));
  EXPECT_EQ(layer->size % 512, 0u);  // whole tar records, no padding beyond them
}

TEST(LayerWriter, SameTreeGivesSameDiffIdWhateverTheCreationOrder) {
  TempDir t;
  mkdir_mode(t / "one", 0755);
  mkdir_mode(t / "two", 0755);
  make_sample_tree(t / "one");
  make_sample_tree(t / "two", /*reverse=*/true);
  ASSERT_EQ(tree_snapshot(t / "one"), tree_snapshot(t / "two"));
  auto a = write_layer(t / "one", t / "one.tar");
  auto again = write_layer(t / "one", t / "again.tar");
  auto b = write_layer(t / "two", t / "two.tar");
  ASSERT_TRUE(a.ok() && again.ok() && b.ok());
  EXPECT_EQ(a->diff_id, again->diff_id);
  EXPECT_EQ(a->diff_id, b->diff_id);
  EXPECT_EQ(read_text(t / "one.tar"), read_text(t / "two.tar"));
}

TEST(LayerWriter, ContentChangeChangesDiffId) {
  TempDir t;
  mkdir_mode(t / "src", 0755);
  write_text(t / "src/f", "one");
  pin_mtimes(t / "src");
  auto a = write_layer(t / "src", t / "a.tar");
  write_text(t / "src/f", "two");
  pin_mtimes(t / "src");
  auto b = write_layer(t / "src", t / "b.tar");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->diff_id == b->diff_id);
}

TEST(LayerWriter, RoundTripKeepsFilesModesLinksAndTimes) {
  TempDir t;
  mkdir_mode(t / "src", 0755);
  make_sample_tree(t / "src");
  auto layer = write_layer(t / "src", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  auto stats = unpack_layer(t / "layer.tar", t / "out", unprivileged());
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  EXPECT_EQ(stats->diff_id, layer->diff_id);
  EXPECT_EQ(stats->entries, layer->entries);
  EXPECT_EQ(stats->compression, "none");
  std::string snapshot = tree_snapshot(t / "src");
  EXPECT_NE(snapshot.find("usr/bin/su mode=104755"), std::string::npos) << snapshot;
  EXPECT_NE(snapshot.find("usr/bin/sh mode=100755"), std::string::npos) << snapshot;
  EXPECT_NE(snapshot.find("inode-of=usr/bin/busybox"), std::string::npos) << snapshot;
  EXPECT_EQ(tree_snapshot(t / "out"), snapshot);
}

TEST(LayerWriter, SymlinksAreWrittenAsLinksNeverFollowed) {
  TempDir t;
  mkdir_mode(t / "src", 0755);
  mkdir_mode(t / "outside", 0755);
  write_text(t / "outside/secret", "do not pack me");
  ASSERT_EQ(::symlink((t / "outside").c_str(), (t / "src/out").c_str()), 0);
  auto layer = write_layer(t / "src", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  std::vector<std::string> expected = {"l out -> " + (t / "outside")};
  EXPECT_EQ(tar_listing(t / "layer.tar"), expected);
  EXPECT_EQ(read_text(t / "layer.tar").find("do not pack me"), std::string::npos);
}

TEST(LayerWriter, UserXattrsAreKept) {
  TempDir t;
  mkdir_mode(t / "src", 0755);
  write_text(t / "src/f", "x");
  if (::setxattr((t / "src/f").c_str(), "user.note", "hello", 5, 0) < 0) GTEST_SKIP() << "no user xattrs on /tmp";
  auto layer = write_layer(t / "src", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  // Only the SCHILY form, once (not also libarchive's own LIBARCHIVE.xattr record).
  std::string bytes = read_text(t / "layer.tar");
  EXPECT_NE(bytes.find("SCHILY.xattr.user.note=hello"), std::string::npos);
  EXPECT_EQ(bytes.find("LIBARCHIVE.xattr"), std::string::npos);
  auto stats = unpack_layer(t / "layer.tar", t / "out", unprivileged());
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  char value[16] = {};
  ASSERT_EQ(::getxattr((t / "out/f").c_str(), "user.note", value, sizeof value), 5);
  EXPECT_EQ(std::string(value, 5), "hello");
  LayerWriteOptions without;
  without.keep_xattrs = false;
  ASSERT_TRUE(write_layer(t / "src", t / "bare.tar", without).ok());
  EXPECT_EQ(read_text(t / "bare.tar").find("user.note"), std::string::npos);
}

TEST(LayerWriter, MissingDirectoryIsAnErrorNamingItAndLeavesNoTar) {
  TempDir t;
  auto layer = write_layer(t / "missing", t / "layer.tar");
  ASSERT_FALSE(layer.ok());
  EXPECT_NE(layer.error().what().find(t / "missing"), std::string::npos) << layer.error().what();
  auto unwritable = write_layer(t.path(), "/nonexistent-dir/layer.tar");
  ASSERT_FALSE(unwritable.ok());
  EXPECT_NE(unwritable.error().what().find("/nonexistent-dir/layer.tar"), std::string::npos);
}

TEST(LayerWriter, EmptyDirectoryGivesAnEmptyTar) {
  TempDir t;
  mkdir_mode(t / "src", 0755);
  auto layer = write_layer(t / "src", t / "layer.tar");
  ASSERT_TRUE(layer.ok()) << layer.error().what();
  EXPECT_EQ(layer->entries, 0u);
  EXPECT_EQ(layer->size, 1024u);  // just the two zero records that end a tar
}

}  // namespace
}  // namespace imagebuilder::store
