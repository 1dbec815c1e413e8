// COPY and ADD into a root filesystem: Docker's destination rules, ownership and modes,
// ADD's archives and URLs, and attempts to write or read outside the roots.
// A plain directory stands in for the mounted overlay; chown needs root, hence ROOT_.
#include "imagebuilder/build/copy_step.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/test_env.hpp"
#include "tests/unit/imagebuilder/layer_test_support.hpp"

namespace imagebuilder::build {
namespace {

using minirun::testing::ScratchDir;
using store::testing::read_text;
using store::testing::TarBuilder;
using store::testing::write_text;

constexpr time_t kOldTime = 1600000000;

void set_mtime(const std::string& path) {
  struct timespec times[2] = {{kOldTime, 0}, {kOldTime, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) st.st_mode = 0;
  return st;
}

bool exists(const std::string& path) { return lstat_of(path).st_mode != 0; }

// --- pure rules (no root needed)

TEST(CopyDestination, RelativeToWorkdirAndCleanedLikePathJoin) {
  EXPECT_EQ(image_dest_path("/app/", "/srv"), "/app");
  EXPECT_EQ(image_dest_path("conf/x", "/srv/app"), "/srv/app/conf/x");
  EXPECT_EQ(image_dest_path(".", "/srv"), "/srv");
  EXPECT_EQ(image_dest_path("../../../x", "/srv"), "/x");
  EXPECT_EQ(image_dest_path("", "/"), "/");
}

TEST(CopyDestination, SpellingThatNamesADirectory) {
  EXPECT_TRUE(dest_names_directory("/app/"));
  EXPECT_TRUE(dest_names_directory("."));
  EXPECT_TRUE(dest_names_directory("a/.."));
  EXPECT_FALSE(dest_names_directory("/app"));
  EXPECT_FALSE(dest_names_directory("/app/.env"));
}

TEST(AddUrl, OnlyFileUrlsAreAcceptedAndPlainPathsAreNotUrls) {
  auto plain = add_url_host_path("src/main.py");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(*plain);
  auto file = add_url_host_path("file:///srv/notes.txt");
  ASSERT_TRUE(file);
  EXPECT_EQ(**file, "/srv/notes.txt");
  auto http = add_url_host_path("http://example.com/a.tgz");
  ASSERT_FALSE(http);
  EXPECT_NE(http.error().what().find("download the file into the build context"), std::string::npos);
  EXPECT_FALSE(add_url_host_path("https://example.com/a.tgz"));
  EXPECT_FALSE(add_url_host_path("ftp://example.com/a.tgz"));
  EXPECT_FALSE(add_url_host_path("file://host/etc/passwd"));
}

/// A build context (owned by uid 1234, to show the owner is not copied) and an empty rootfs.
class CopyStep : public ::testing::Test {
 protected:
  void SetUp() override {
    MINIRUN_REQUIRE_ROOT();
    ASSERT_FALSE(context_.path().empty());
    ASSERT_FALSE(rootfs_.path().empty());
    ctx("src");
    ctx("src/lib");
    file("app.py", "print('hi')\n", 0640);
    file("b.py", "b\n");
    file("src/main.py", "main\n", 0755);
    file("src/lib/deep.py", "deep\n");
    ::chmod(ctx_path("src/lib").c_str(), 0750);
    set_mtime(ctx_path("src/lib"));
    context_fd_.reset(::open(context_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(context_fd_.valid());
  }

  std::string ctx_path(const std::string& p) const { return context_.path() + "/" + p; }
  std::string root_path(const std::string& p) const { return rootfs_.path() + "/" + p; }
  void ctx(const std::string& dir) {
    ::mkdir(ctx_path(dir).c_str(), 0755);
    ::chown(ctx_path(dir).c_str(), 1234, 1234);
  }
  void file(const std::string& p, const std::string& text, mode_t mode = 0644) {
    write_text(ctx_path(p), text, mode);
    ::chown(ctx_path(p).c_str(), 1234, 1234);
    set_mtime(ctx_path(p));
  }

  CopyRequest request(std::vector<std::string> sources, std::string dest) const {
    CopyRequest r;
    r.source_root_fd = context_fd_.get();
    r.sources = std::move(sources);
    r.source_arguments = r.sources.size();
    r.dest = std::move(dest);
    return r;
  }

  Result<CopyStats> copy(const CopyRequest& r) { return copy_sources(r, rootfs_.path()); }

  ScratchDir context_;
  ScratchDir rootfs_;
  UniqueFd context_fd_;
};

TEST_F(CopyStep, ROOT_SingleFileBecomesTheDestinationPathOwnedByRoot) {
  auto r = copy(request({"app.py"}, "/app/main.py"));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(read_text(root_path("app/main.py")), "print('hi')\n");
  auto st = lstat_of(root_path("app/main.py"));
  EXPECT_EQ(st.st_uid, 0u);  // not the context's 1234: Docker's rule
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, kOldTime);
  auto parent = lstat_of(root_path("app"));
  EXPECT_TRUE(S_ISDIR(parent.st_mode));
  EXPECT_EQ(parent.st_mode & 07777, 0755u);
  EXPECT_EQ(r->files, 1u);
}

TEST_F(CopyStep, ROOT_TrailingSlashOrExistingDirectoryPutsTheFileInside) {
  ASSERT_TRUE(copy(request({"app.py"}, "/app/")));
  EXPECT_EQ(read_text(root_path("app/app.py")), "print('hi')\n");
  ::mkdir(root_path("srv").c_str(), 0755);
  ASSERT_TRUE(copy(request({"app.py"}, "/srv")));
  EXPECT_EQ(read_text(root_path("srv/app.py")), "print('hi')\n");
  ASSERT_TRUE(copy(request({"app.py"}, "/plain")));
  EXPECT_TRUE(S_ISREG(lstat_of(root_path("plain")).st_mode));
}

TEST_F(CopyStep, ROOT_DirectorySourceCopiesItsContentsWithModesTimesLinks) {
  ASSERT_EQ(::symlink("main.py", ctx_path("src/link").c_str()), 0);
  ASSERT_EQ(::link(ctx_path("src/main.py").c_str(), ctx_path("src/lib/hard.py").c_str()), 0);
  set_mtime(ctx_path("src/lib"));  // the new link moved it
  auto r = copy(request({"src"}, "/app"));
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_FALSE(exists(root_path("app/src")));
  EXPECT_EQ(read_text(root_path("app/main.py")), "main\n");
  EXPECT_EQ(read_text(root_path("app/lib/deep.py")), "deep\n");
  EXPECT_EQ(lstat_of(root_path("app/main.py")).st_mode & 07777, 0755u);
  auto lib = lstat_of(root_path("app/lib"));
  EXPECT_EQ(lib.st_mode & 07777, 0750u);
  EXPECT_EQ(lib.st_mtim.tv_sec, kOldTime);
  EXPECT_EQ(lib.st_uid, 0u);
  char target[64] = {};
  ASSERT_EQ(::readlink(root_path("app/link").c_str(), target, sizeof target - 1), 7);
  EXPECT_STREQ(target, "main.py");
  EXPECT_EQ(lstat_of(root_path("app/lib/hard.py")).st_ino, lstat_of(root_path("app/main.py")).st_ino);
  EXPECT_EQ(r->hardlinks, 1u);
}

TEST_F(CopyStep, ROOT_SeveralSourcesNeedADestinationEndingInSlash) {
  auto refused = copy(request({"app.py", "b.py"}, "/app"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().what(),
            "When using COPY with more than one source file, the destination must be a directory and end with a /");
  EXPECT_FALSE(exists(root_path("app")));
  ASSERT_TRUE(copy(request({"app.py", "b.py"}, "/app/")));
  EXPECT_EQ(read_text(root_path("app/b.py")), "b\n");
  EXPECT_EQ(read_text(root_path("app/app.py")), "print('hi')\n");
}

TEST_F(CopyStep, ROOT_GlobWithSeveralMatchesMakesTheDestinationADirectory) {
  auto matched = match_sources(context_fd_.get(), "*.py", {}, "the build context");
  ASSERT_TRUE(matched);
  auto r = request(*matched, "/out");
  r.source_arguments = 1;
  ASSERT_TRUE(copy(r));
  EXPECT_EQ(read_text(root_path("out/b.py")), "b\n");
  EXPECT_EQ(read_text(root_path("out/app.py")), "print('hi')\n");
}

TEST_F(CopyStep, ROOT_RelativeDestinationUsesTheWorkdir) {
  auto r = request({"app.py"}, "conf/");
  r.workdir = "/srv/app";
  ASSERT_TRUE(copy(r));
  EXPECT_TRUE(exists(root_path("srv/app/conf/app.py")));
  r.dest = ".";
  ASSERT_TRUE(copy(r));
  EXPECT_TRUE(exists(root_path("srv/app/app.py")));
  r.dest = "../../../up.py";  // `..` stops at `/`, as path.Join does in Docker
  ASSERT_TRUE(copy(r));
  EXPECT_TRUE(exists(root_path("up.py")));
}

TEST_F(CopyStep, ROOT_ChownNamesComeFromTheImagesPasswdAndGroup) {
  ::mkdir(root_path("etc").c_str(), 0755);
  write_text(root_path("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1234:2345::/home/app:/bin/sh\n");
  write_text(root_path("etc/group"), "root:x:0:\nstaff:x:3456:app\n");
  auto r = request({"src"}, "/opt/app/");
  r.chown = "app";
  ASSERT_TRUE(copy(r)) << copy(r).error().what();
  auto st = lstat_of(root_path("opt/app/lib/deep.py"));
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 2345u);
  EXPECT_EQ(lstat_of(root_path("opt")).st_uid, 1234u);  // created parents too
  r.chown = "app:staff";
  r.dest = "/g/";
  ASSERT_TRUE(copy(r));
  EXPECT_EQ(lstat_of(root_path("g/main.py")).st_gid, 3456u);
  r.chown = "77";
  r.dest = "/n/";
  ASSERT_TRUE(copy(r));
  EXPECT_EQ(lstat_of(root_path("n/main.py")).st_uid, 77u);
  EXPECT_EQ(lstat_of(root_path("n/main.py")).st_gid, 77u);
  r.chown = "nobody-here";
  r.dest = "/m/";
  auto missing = copy(r);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().what().find("nobody-here"), std::string::npos);
  EXPECT_FALSE(exists(root_path("m")));
}

TEST_F(CopyStep, ROOT_ChmodAppliesToFilesAndDirectories) {
  auto r = request({"src"}, "/app");
  r.chmod = 0700;
  ASSERT_TRUE(copy(r));
  EXPECT_EQ(lstat_of(root_path("app/main.py")).st_mode & 07777, 0700u);
  EXPECT_EQ(lstat_of(root_path("app/lib")).st_mode & 07777, 0700u);
  EXPECT_EQ(lstat_of(root_path("app/lib/deep.py")).st_mode & 07777, 0700u);
}

TEST_F(CopyStep, ROOT_DockerignoredFilesAreNotCopied) {
  auto r = request({"src"}, "/app");
  r.excluded = [](std::string_view p) { return p == "src/lib/deep.py"; };
  ASSERT_TRUE(copy(r));
  EXPECT_TRUE(exists(root_path("app/main.py")));
  EXPECT_FALSE(exists(root_path("app/lib/deep.py")));
}

TEST_F(CopyStep, ROOT_AddUnpacksATarRecognisedByContentNotName) {
  {
    TarBuilder tar(ctx_path("bundle.dat"), "gzip");
    tar.owner(1000, 1001).dir("pkg").file("pkg/run.sh", "#!/bin/sh\n", 0755).symlink("pkg/latest", "run.sh");
    tar.close();
    ASSERT_TRUE(tar.ok());
  }
  auto add = request({"bundle.dat"}, "/opt");
  add.is_add = true;
  auto r = copy(add);
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->archives, 1u);
  EXPECT_EQ(read_text(root_path("opt/pkg/run.sh")), "#!/bin/sh\n");
  EXPECT_EQ(lstat_of(root_path("opt/pkg/run.sh")).st_uid, 1000u);  // the tar's owner
  EXPECT_TRUE(S_ISLNK(lstat_of(root_path("opt/pkg/latest")).st_mode));

  // COPY never unpacks; ADD of a file that is not a tar copies it.
  ASSERT_TRUE(copy(request({"bundle.dat"}, "/copied.dat")));
  EXPECT_TRUE(S_ISREG(lstat_of(root_path("copied.dat")).st_mode));
  add.sources = {"app.py"};
  add.dest = "/added.py";
  ASSERT_TRUE(copy(add));
  EXPECT_EQ(read_text(root_path("added.py")), "print('hi')\n");
}

TEST_F(CopyStep, ROOT_AddRefusesRemoteUrlsAndCopiesFileUrlsAs0600) {
  auto add = request({"https://example.com/app.tar.gz"}, "/app/");
  add.is_add = true;
  auto refused = copy(add);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().what().find("remote URLs are not supported in this offline kit"), std::string::npos);
  EXPECT_FALSE(exists(root_path("app")));

  ScratchDir host;
  write_text(host.path() + "/notes.txt", "host notes\n", 0644);
  add.sources = {"file://" + host.path() + "/notes.txt"};
  auto r = copy(add);
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(read_text(root_path("app/notes.txt")), "host notes\n");
  EXPECT_EQ(lstat_of(root_path("app/notes.txt")).st_mode & 07777, 0600u);
}

// --- breakout attempts: each must stay inside the rootfs or fail.

TEST_F(CopyStep, ROOT_SymlinkedDestinationDirectoryResolvesInsideTheRootfs) {
  ScratchDir victim;
  ASSERT_EQ(::symlink(victim.path().c_str(), root_path("app").c_str()), 0);
  ASSERT_EQ(::symlink(("../../../../../.." + victim.path()).c_str(), root_path("rel").c_str()), 0);
  ASSERT_TRUE(copy(request({"app.py"}, "/app/x")));
  ASSERT_TRUE(copy(request({"src"}, "/rel/")));
  EXPECT_FALSE(exists(victim.path() + "/x"));
  EXPECT_FALSE(exists(victim.path() + "/main.py"));
  EXPECT_EQ(read_text(root_path(victim.path().substr(1) + "/x")), "print('hi')\n");
  EXPECT_TRUE(exists(root_path(victim.path().substr(1) + "/main.py")));
}

TEST_F(CopyStep, ROOT_AddTarIntoASymlinkedDestinationStaysInside) {
  ScratchDir victim;
  {
    TarBuilder tar(ctx_path("payload.tar"));
    tar.file("dropped", "pwned\n");
  }
  ASSERT_EQ(::symlink(victim.path().c_str(), root_path("opt").c_str()), 0);
  auto add = request({"payload.tar"}, "/opt");
  add.is_add = true;
  auto r = copy(add);
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_FALSE(exists(victim.path() + "/dropped"));
  EXPECT_EQ(read_text(root_path(victim.path().substr(1) + "/dropped")), "pwned\n");
}

TEST_F(CopyStep, ROOT_SymlinkAtTheDestinationFileIsReplacedNotWrittenThrough) {
  ScratchDir victim;
  write_text(victim.path() + "/file", "original\n");
  ASSERT_EQ(::symlink((victim.path() + "/file").c_str(), root_path("target.txt").c_str()), 0);
  ASSERT_TRUE(copy(request({"app.py"}, "/target.txt")));
  EXPECT_EQ(read_text(victim.path() + "/file"), "original\n");
  EXPECT_TRUE(S_ISREG(lstat_of(root_path("target.txt")).st_mode));
}

TEST_F(CopyStep, ROOT_SymlinkInsideAMergedDirectoryIsReplacedNotFollowed) {
  ScratchDir victim;
  ::mkdir(root_path("app").c_str(), 0755);
  ASSERT_EQ(::symlink(victim.path().c_str(), root_path("app/lib").c_str()), 0);
  ASSERT_TRUE(copy(request({"src"}, "/app")));
  EXPECT_FALSE(exists(victim.path() + "/deep.py"));
  EXPECT_TRUE(S_ISDIR(lstat_of(root_path("app/lib")).st_mode));
  EXPECT_EQ(read_text(root_path("app/lib/deep.py")), "deep\n");
}

TEST_F(CopyStep, ROOT_SourceClimbingOutOfTheContextIsRefused) {
  auto matched = match_sources(context_fd_.get(), "../../etc/passwd", {}, "the build context");
  ASSERT_FALSE(matched);
  EXPECT_NE(matched.error().what().find("outside the build context"), std::string::npos);
  // Even handed straight to the copy, `..` stops at the context's root.
  auto r = copy(request({"../../etc/passwd"}, "/"));
  ASSERT_FALSE(r);
  EXPECT_FALSE(exists(root_path("passwd")));
}

TEST_F(CopyStep, ROOT_ContextSymlinkToAHostFileIsCopiedAsASymlinkNeverAsContent) {
  ASSERT_EQ(::symlink("/etc/passwd", ctx_path("src/pw").c_str()), 0);
  ASSERT_TRUE(copy(request({"src"}, "/app")));
  auto st = lstat_of(root_path("app/pw"));
  ASSERT_TRUE(S_ISLNK(st.st_mode));
  char target[64] = {};
  ASSERT_GT(::readlink(root_path("app/pw").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "/etc/passwd");
  // Named directly, the same link is followed inside the context: there is no
  // etc/passwd there, so nothing is copied.
  ASSERT_EQ(::symlink("/etc/passwd", ctx_path("pw").c_str()), 0);
  EXPECT_FALSE(copy(request({"pw"}, "/direct")));
  EXPECT_FALSE(exists(root_path("direct")));
}

}  // namespace
}  // namespace imagebuilder::build
