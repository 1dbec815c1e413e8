// `minirun cp`: Docker's destination rules, metadata, and attempts to break out of the
// container's root through symlinks (which must fail). No root needed: a temporary
// directory plays the container's rootfs.
#include "minirun/engine/copy_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "minirun/sys/file.hpp"

namespace minirun::engine {
namespace {

void write_text(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_regular(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string link_target(const std::string& path) {
  char buffer[4096];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  return n < 0 ? "" : std::string(buffer, static_cast<size_t>(n));
}

/// A fake container rootfs, a host directory, and a directory *outside* both holding
/// a marker file that no copy may change, read, or add to.
class CopyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/minirun-cp-test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    base_ = dir_template;
    root_ = base_ + "/rootfs";
    host_ = base_ + "/host";
    outside_ = "/tmp/outside-" + std::to_string(::getpid());
    for (const std::string& dir : {root_, root_ + "/etc", root_ + "/tmp", host_, outside_}) {
      ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << dir;
    }
    marker_ = outside_ + "/marker";
    write_text(marker_, "host secret\n");
    write_text(root_ + "/etc/hostname", "box\n");
  }
  void TearDown() override {
    ASSERT_TRUE(sys::remove_tree(base_).ok());
    ASSERT_TRUE(sys::remove_tree(outside_).ok());
  }

  /// The marker is as SetUp left it, and nothing was added next to it.
  void expect_outside_untouched() {
    EXPECT_EQ(read_text(marker_), "host secret\n");
    EXPECT_TRUE(is_regular(marker_));
    int entries = 0;
    if (DIR* dir = ::opendir(outside_.c_str())) {
      while (struct dirent* e = ::readdir(dir)) {
        std::string name = e->d_name;
        if (name != "." && name != "..") ++entries;
      }
      ::closedir(dir);
    }
    EXPECT_EQ(entries, 1) << "something was written into " << outside_;
  }

  /// host_/d = { x: "x\n", sub/y: "y\n" }
  std::string make_host_tree() {
    std::string d = host_ + "/d";
    ::mkdir(d.c_str(), 0755);
    ::mkdir((d + "/sub").c_str(), 0755);
    write_text(d + "/x", "x\n");
    write_text(d + "/sub/y", "y\n");
    return d;
  }

  std::string base_, root_, host_, outside_, marker_;
  CopyOptions options_;
};

// ---- Docker's rules, into the container ----

TEST_F(CopyFiles, FileIntoExistingDirectoryKeepsItsName) {
  write_text(host_ + "/a.txt", "a\n");
  auto r = copy_into_root(host_ + "/a.txt", root_, "/etc", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/a.txt"), "a\n");
}

TEST_F(CopyFiles, FileToMissingNameIsCreatedUnderThatName) {
  write_text(host_ + "/a.txt", "a\n");
  auto r = copy_into_root(host_ + "/a.txt", root_, "/etc/b.conf", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/b.conf"), "a\n");
  EXPECT_FALSE(sys::path_exists(root_ + "/etc/a.txt"));
}

TEST_F(CopyFiles, ContainerPathsStartAtTheContainerRoot) {
  write_text(host_ + "/a.txt", "a\n");
  auto r = copy_into_root(host_ + "/a.txt", root_, "etc/../etc/c.conf", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/c.conf"), "a\n");
}

TEST_F(CopyFiles, FileToMissingDirectorySpelledWithSlashIsAnError) {
  write_text(host_ + "/a.txt", "a\n");
  auto r = copy_into_root(host_ + "/a.txt", root_, "/etc/newdir/", options_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("container path `/etc/newdir/`"), std::string::npos) << r.error().what();
  EXPECT_FALSE(sys::path_exists(root_ + "/etc/newdir"));
}

TEST_F(CopyFiles, FileOverExistingFileReplacesIt) {
  write_text(host_ + "/hostname", "new\n");
  auto r = copy_into_root(host_ + "/hostname", root_, "/etc/hostname", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/hostname"), "new\n");
}

TEST_F(CopyFiles, MissingDestinationParentIsAnErrorNamingTheContainerPath) {
  write_text(host_ + "/a.txt", "a\n");
  auto r = copy_into_root(host_ + "/a.txt", root_, "/nope/a.txt", options_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what(), "container path `/nope`: No such file or directory");
}

TEST_F(CopyFiles, MissingSourceIsAnErrorNamingTheSideAndPath) {
  auto out = copy_out_of_root(root_, "/etc/nope", host_ + "/x", options_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().what(), "container path `/etc/nope`: No such file or directory");
  auto in = copy_into_root(host_ + "/nope", root_, "/etc", options_);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().what(), "host path `" + host_ + "/nope`: No such file or directory");
}

TEST_F(CopyFiles, FileSourceSpelledAsDirectoryIsAnError) {
  write_text(host_ + "/a.txt", "a\n");
  auto r = copy_into_root(host_ + "/a.txt/", root_, "/etc", options_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ENOTDIR) << r.error().what();
}

TEST_F(CopyFiles, DirectoryToMissingNameIsCopiedUnderThatName) {
  std::string d = make_host_tree();
  auto r = copy_into_root(d, root_, "/srv", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/srv/x"), "x\n");
  EXPECT_EQ(read_text(root_ + "/srv/sub/y"), "y\n");
}

TEST_F(CopyFiles, DirectoryIntoExistingDirectoryIsCopiedInsideIt) {
  std::string d = make_host_tree();
  auto r = copy_into_root(d, root_, "/etc", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/d/x"), "x\n");
  EXPECT_EQ(read_text(root_ + "/etc/d/sub/y"), "y\n");
  EXPECT_FALSE(sys::path_exists(root_ + "/etc/x"));
}

TEST_F(CopyFiles, DirectoryWithSlashDotCopiesOnlyItsContents) {
  std::string d = make_host_tree();
  auto r = copy_into_root(d + "/.", root_, "/etc", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/x"), "x\n");
  EXPECT_EQ(read_text(root_ + "/etc/sub/y"), "y\n");
  EXPECT_FALSE(sys::path_exists(root_ + "/etc/d"));
  EXPECT_EQ(read_text(root_ + "/etc/hostname"), "box\n");  // merged, not replaced
}

TEST_F(CopyFiles, DirectoryOntoExistingFileIsAnError) {
  std::string d = make_host_tree();
  auto r = copy_into_root(d, root_, "/etc/hostname", options_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("container path `/etc/hostname`"), std::string::npos) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/hostname"), "box\n");
}

TEST_F(CopyFiles, FileNeverReplacesDirectoryInsideTheTree) {
  std::string d = make_host_tree();
  ASSERT_EQ(::mkdir((root_ + "/etc/d").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root_ + "/etc/d/x").c_str(), 0755), 0);  // the copy brings a file `x`
  auto r = copy_into_root(d, root_, "/etc", options_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("`/etc/d/x`"), std::string::npos) << r.error().what();
  EXPECT_TRUE(is_directory(root_ + "/etc/d/x"));
}

TEST_F(CopyFiles, CopyIntoTheRootDirectoryItself) {
  write_text(host_ + "/a.txt", "a\n");
  auto r = copy_into_root(host_ + "/a.txt", root_, "/", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/a.txt"), "a\n");
}

TEST_F(CopyFiles, DirectoryIsNotCopiedIntoItselfForever) {
  // The host source is the container's own /etc (the rootfs is a host directory).
  auto r = copy_into_root(root_ + "/etc", root_, "/etc/copy", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/etc/copy/hostname"), "box\n");
  EXPECT_FALSE(sys::path_exists(root_ + "/etc/copy/copy"));
}

// ---- out of the container ----

TEST_F(CopyFiles, FileOutIntoExistingHostDirectoryKeepsItsName) {
  auto r = copy_out_of_root(root_, "/etc/hostname", host_, options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(host_ + "/hostname"), "box\n");
}

TEST_F(CopyFiles, DirectoryOutToMissingHostNameIsCopiedUnderThatName) {
  auto r = copy_out_of_root(root_, "/etc", host_ + "/etc-copy", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(host_ + "/etc-copy/hostname"), "box\n");
}

TEST_F(CopyFiles, WholeRootOutCopiesItsContents) {
  auto r = copy_out_of_root(root_, "/", host_, options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(host_ + "/etc/hostname"), "box\n");
}

// ---- symlinks as data ----

TEST_F(CopyFiles, SymlinkInsideSourceTreeIsCopiedAsLink) {
  std::string d = make_host_tree();
  ASSERT_EQ(::symlink("/etc/shadow", (d + "/link").c_str()), 0);
  auto r = copy_into_root(d, root_, "/srv", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_TRUE(S_ISLNK(lstat_of(root_ + "/srv/link").st_mode));
  EXPECT_EQ(link_target(root_ + "/srv/link"), "/etc/shadow");
}

TEST_F(CopyFiles, SourceSymlinkIsCopiedAsLinkWithoutFollowLink) {
  write_text(host_ + "/real", "real\n");
  ASSERT_EQ(::symlink("real", (host_ + "/alias").c_str()), 0);
  auto r = copy_into_root(host_ + "/alias", root_, "/etc", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(link_target(root_ + "/etc/alias"), "real");
}

TEST_F(CopyFiles, FollowLinkCopiesTheTargetUnderTheLinkName) {
  write_text(host_ + "/real", "real\n");
  ASSERT_EQ(::symlink("real", (host_ + "/alias").c_str()), 0);
  options_.follow_link = true;
  auto r = copy_into_root(host_ + "/alias", root_, "/etc", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_TRUE(is_regular(root_ + "/etc/alias"));
  EXPECT_EQ(read_text(root_ + "/etc/alias"), "real\n");
  EXPECT_FALSE(sys::path_exists(root_ + "/etc/real"));
}

// ---- break-out attempts: each must leave the outside marker alone ----

TEST_F(CopyFiles, LinkToSlashInContainerDoesNotLeadCopyInToTheHost) {
  ASSERT_EQ(::symlink("/", (root_ + "/evil").c_str()), 0);
  write_text(host_ + "/payload", "pwned\n");
  // Naively, <root>/evil/tmp/outside-PID/marker is the host's marker.
  std::string dest = "/evil" + outside_ + "/marker";
  auto r = copy_into_root(host_ + "/payload", root_, dest, options_);
  EXPECT_FALSE(r.ok());  // <root>/tmp/outside-PID does not exist inside the root
  expect_outside_untouched();
}

TEST_F(CopyFiles, DotDotLinkInContainerDoesNotLeadCopyInToTheHost) {
  ASSERT_EQ(::symlink("../../../../../../../..", (root_ + "/etc/up").c_str()), 0);
  ASSERT_EQ(::mkdir((root_ + outside_).c_str(), 0755), 0);  // give the copy somewhere to land
  write_text(host_ + "/payload", "pwned\n");
  auto r = copy_into_root(host_ + "/payload", root_, "/etc/up" + outside_ + "/marker", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + outside_ + "/marker"), "pwned\n");  // `..` stopped at the root
  expect_outside_untouched();
}

TEST_F(CopyFiles, AbsoluteHostPathLinkIsResolvedInsideTheRoot) {
  ASSERT_EQ(::symlink(outside_.c_str(), (root_ + "/etc/data").c_str()), 0);
  ASSERT_EQ(::mkdir((root_ + outside_).c_str(), 0755), 0);
  write_text(host_ + "/payload", "pwned\n");
  auto r = copy_into_root(host_ + "/payload", root_, "/etc/data/", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + outside_ + "/payload"), "pwned\n");
  expect_outside_untouched();
}

TEST_F(CopyFiles, LinkAtDestinationFileIsFollowedOnlyInsideTheRoot) {
  ASSERT_EQ(::symlink(marker_.c_str(), (root_ + "/etc/passwd").c_str()), 0);
  write_text(host_ + "/passwd", "pwned\n");
  auto r = copy_into_root(host_ + "/passwd", root_, "/etc/passwd", options_);
  EXPECT_FALSE(r.ok());  // its target's directory does not exist inside the root
  expect_outside_untouched();
}

TEST_F(CopyFiles, LinkInsideMergedDirectoryIsReplacedNotWrittenThrough) {
  std::string d = make_host_tree();
  ASSERT_EQ(::mkdir((root_ + "/etc/d").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(marker_.c_str(), (root_ + "/etc/d/x").c_str()), 0);
  auto r = copy_into_root(d, root_, "/etc", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_TRUE(is_regular(root_ + "/etc/d/x"));
  EXPECT_EQ(read_text(root_ + "/etc/d/x"), "x\n");
  expect_outside_untouched();
}

TEST_F(CopyFiles, LinkToHostFileIsCopiedOutAsLinkNotAsItsContent) {
  ASSERT_EQ(::symlink(marker_.c_str(), (root_ + "/etc/shadow").c_str()), 0);
  auto r = copy_out_of_root(root_, "/etc/shadow", host_ + "/shadow", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(link_target(host_ + "/shadow"), marker_);
}

TEST_F(CopyFiles, FollowLinkOutResolvesInsideTheRootNotOnTheHost) {
  ASSERT_EQ(::symlink(marker_.c_str(), (root_ + "/etc/shadow").c_str()), 0);
  options_.follow_link = true;
  auto r = copy_out_of_root(root_, "/etc/shadow", host_ + "/shadow", options_);
  EXPECT_FALSE(r.ok());  // <root>/tmp/outside-PID/marker does not exist
  EXPECT_NE(read_text(host_ + "/shadow"), "host secret\n");
}

TEST_F(CopyFiles, LinkToSlashDoesNotLetCopyOutReadTheHost) {
  ASSERT_EQ(::symlink("/", (root_ + "/evil").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../../..", (root_ + "/up").c_str()), 0);
  for (std::string via : {"/evil", "/up"}) {
    auto r = copy_out_of_root(root_, via + outside_ + "/marker", host_ + "/stolen", options_);
    EXPECT_FALSE(r.ok()) << via;
    EXPECT_FALSE(sys::path_exists(host_ + "/stolen")) << via;
  }
}

TEST_F(CopyFiles, LinkToSlashInsideCopiedTreeIsNotDescended) {
  ASSERT_EQ(::mkdir((root_ + "/data").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("/", (root_ + "/data/everything").c_str()), 0);
  auto r = copy_out_of_root(root_, "/data", host_ + "/data", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(link_target(host_ + "/data/everything"), "/");
}

// ---- metadata ----

TEST_F(CopyFiles, ModesAndTimesAreKept) {
  std::string d = make_host_tree();
  ::chmod((d + "/x").c_str(), 0640);
  ::chmod((d + "/sub").c_str(), 0750);
  const struct timespec file_times[2] = {{1000000000, 0}, {1100000000, 5}};
  const struct timespec dir_times[2] = {{1200000000, 0}, {1300000000, 7}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (d + "/x").c_str(), file_times, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (d + "/sub").c_str(), dir_times, 0), 0);
  auto r = copy_into_root(d, root_, "/srv", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  struct stat file = lstat_of(root_ + "/srv/x");
  EXPECT_EQ(file.st_mode & 07777, 0640u);
  EXPECT_EQ(file.st_mtim.tv_sec, 1100000000);
  EXPECT_EQ(file.st_mtim.tv_nsec, 5);
  struct stat dir = lstat_of(root_ + "/srv/sub");
  EXPECT_EQ(dir.st_mode & 07777, 0750u);
  EXPECT_EQ(dir.st_mtim.tv_sec, 1300000000);
}

TEST_F(CopyFiles, ReadOnlySourceDirectoryIsStillFilled) {
  std::string d = make_host_tree();
  ::chmod((d + "/sub").c_str(), 0555);
  auto r = copy_into_root(d, root_, "/srv", options_);
  ::chmod((d + "/sub").c_str(), 0755);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(root_ + "/srv/sub/y"), "y\n");
  EXPECT_EQ(lstat_of(root_ + "/srv/sub").st_mode & 07777, 0555u);
  ::chmod((root_ + "/srv/sub").c_str(), 0755);  // so TearDown can delete it
}

TEST_F(CopyFiles, SetIdBitsAreDroppedUnlessArchive) {
  write_text(host_ + "/tool", "#!/bin/sh\n", 04755);
  ASSERT_EQ(lstat_of(host_ + "/tool").st_mode & 07777, 04755u);
  ASSERT_TRUE(copy_into_root(host_ + "/tool", root_, "/etc/plain", options_).ok());
  EXPECT_EQ(lstat_of(root_ + "/etc/plain").st_mode & 07777, 0755u);
  options_.archive = true;
  auto r = copy_into_root(host_ + "/tool", root_, "/etc/archived", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(lstat_of(root_ + "/etc/archived").st_mode & 07777, 04755u);
}

TEST_F(CopyFiles, FifoIsCopiedAsFifo) {
  ASSERT_EQ(::mkfifo((host_ + "/pipe").c_str(), 0600), 0);
  ASSERT_EQ(::chmod((host_ + "/pipe").c_str(), 0620), 0);  // past the umask
  auto r = copy_into_root(host_ + "/pipe", root_, "/etc", options_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  struct stat st = lstat_of(root_ + "/etc/pipe");
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0620u);
}

}  // namespace
}  // namespace minirun::engine
