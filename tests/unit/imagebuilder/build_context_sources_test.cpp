// COPY/ADD sources: which paths a pattern names, what .dockerignore leaves out, what the
// content digest sees and ignores, and that context symlinks never reach host files.
#include "imagebuilder/build/context_sources.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/imagebuilder/layer_test_support.hpp"

namespace imagebuilder::build {
namespace {

using store::testing::TempDir;
using store::testing::write_text;

/// A build context in a temp dir, with an fd on it as the builder holds one.
class Context {
 public:
  Context() {
    fd_.reset(::open(dir_.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ::mkdir((dir_ / "src").c_str(), 0755);
    ::mkdir((dir_ / "src/lib").c_str(), 0755);
    write_text(dir_ / "app.py", "print('hi')\n");
    write_text(dir_ / "setup.py", "setup()\n");
    write_text(dir_ / ".env", "SECRET=1\n");
    write_text(dir_ / "README.md", "# readme\n");
    write_text(dir_ / "src/main.py", "main\n");
    write_text(dir_ / "src/util.py", "util\n");
    write_text(dir_ / "src/lib/deep.py", "deep\n");
  }
  int fd() const { return fd_.get(); }
  std::string operator/(const std::string& name) const { return dir_ / name; }

 private:
  TempDir dir_;
  UniqueFd fd_;
};

const std::string kContext = "the build context";

std::vector<std::string> match(const Context& c, std::string_view pattern, const ExcludedFn& excluded = {}) {
  auto r = match_sources(c.fd(), pattern, excluded, kContext);
  if (!r) return {"error: " + r.error().what()};
  return *r;
}

std::string digest(const Context& c, std::string_view relative, const ExcludedFn& excluded = {}) {
  auto r = source_digest(c.fd(), relative, excluded);
  return r ? *r : "error: " + r.error().what();
}

using Paths = std::vector<std::string>;

TEST(ContextSources, PlainPathMatchesItselfWithLeadingSlashOrDotIgnored) {
  Context c;
  EXPECT_EQ(match(c, "app.py"), Paths{"app.py"});
  EXPECT_EQ(match(c, "/app.py"), Paths{"app.py"});
  EXPECT_EQ(match(c, "./src/./main.py"), Paths{"src/main.py"});
  EXPECT_EQ(match(c, "."), Paths{"."});
  EXPECT_EQ(match(c, "src/lib/../main.py"), Paths{"src/main.py"});
}

TEST(ContextSources, GlobMatchesOneComponentSortedAndIncludesDotFiles) {
  Context c;
  EXPECT_EQ(match(c, "*.py"), (Paths{"app.py", "setup.py"}));
  EXPECT_EQ(match(c, "src/*"), (Paths{"src/lib", "src/main.py", "src/util.py"}));
  EXPECT_EQ(match(c, "*/*.py"), (Paths{"src/main.py", "src/util.py"}));
  EXPECT_EQ(match(c, "[su]*.py"), Paths{"setup.py"});
  EXPECT_EQ(match(c, "?pp.py"), Paths{"app.py"});
  // Go's filepath.Match (Docker) lets `*` match a leading dot.
  EXPECT_EQ(match(c, ".e*"), Paths{".env"});
}

TEST(ContextSources, MissingSourceIsAnErrorNamingIt) {
  Context c;
  auto r = match_sources(c.fd(), "nope.py", {}, kContext);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(), "source `nope.py` not found in the build context");
  auto g = match_sources(c.fd(), "*.rs", [](std::string_view) { return false; }, kContext);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().what(), "source `*.rs` matches no file in the build context (or excluded by .dockerignore)");
}

TEST(ContextSources, DotDotAboveTheRootIsRefused) {
  Context c;
  for (const char* bad : {"../../etc/passwd", "..", "src/../../x", "/../etc/passwd"}) {
    auto r = match_sources(c.fd(), bad, {}, kContext);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().what().find("outside the build context"), std::string::npos) << r.error().what();
    EXPECT_NE(r.error().what().find(bad), std::string::npos) << r.error().what();
  }
}

TEST(ContextSources, DockerignoreHidesMatchesAndNamedSources) {
  Context c;
  ExcludedFn ignore = [](std::string_view p) { return p == ".env" || p == "README.md" || p.rfind("src/lib", 0) == 0; };
  EXPECT_EQ(match(c, "*", ignore), (Paths{"app.py", "setup.py", "src"}));
  EXPECT_EQ(match(c, "src/*", ignore), (Paths{"src/main.py", "src/util.py"}));
  auto r = match_sources(c.fd(), ".env", ignore, kContext);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("excluded by .dockerignore"), std::string::npos);
}

TEST(ContextSources, IgnoredFilesInsideADirectoryDoNotChangeItsDigest) {
  Context c;
  ExcludedFn ignore = [](std::string_view p) { return p == "src/util.py"; };
  const auto before = digest(c, "src", ignore);
  write_text(c / "src/util.py", "edited\n");
  EXPECT_EQ(digest(c, "src", ignore), before);
  write_text(c / "src/main.py", "edited\n");
  EXPECT_NE(digest(c, "src", ignore), before);
}

TEST(ContextSources, ExcludedDirectoryWithAKeptFileStays) {
  Context c;
  // `.dockerignore`: `src` then `!src/lib/deep.py`.
  ExcludedFn ignore = [](std::string_view p) { return p.rfind("src", 0) == 0 && p != "src/lib/deep.py"; };
  EXPECT_EQ(match(c, "src", ignore), Paths{"src"});
  const auto before = digest(c, "src", ignore);
  write_text(c / "src/main.py", "ignored edit\n");
  EXPECT_EQ(digest(c, "src", ignore), before);
  write_text(c / "src/lib/deep.py", "kept edit\n");
  EXPECT_NE(digest(c, "src", ignore), before);
}

TEST(ContextSources, DigestIgnoresTimesButNotContentModeOrNames) {
  Context c;
  const auto file = digest(c, "app.py");
  const auto dir = digest(c, "src");
  ASSERT_EQ(file.rfind("sha256:", 0), 0u) << file;
  struct timespec times[2] = {{12345, 0}, {12345, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (c / "app.py").c_str(), times, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (c / "src/lib/deep.py").c_str(), times, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (c / "src").c_str(), times, 0), 0);
  EXPECT_EQ(digest(c, "app.py"), file);
  EXPECT_EQ(digest(c, "src"), dir);

  ASSERT_EQ(::chmod((c / "app.py").c_str(), 0755), 0);
  EXPECT_NE(digest(c, "app.py"), file);
  ASSERT_EQ(::chmod((c / "src/lib/deep.py").c_str(), 04644), 0);
  const auto setuid = digest(c, "src");
  EXPECT_NE(setuid, dir);
  ASSERT_EQ(::rename((c / "src/lib/deep.py").c_str(), (c / "src/lib/deeper.py").c_str()), 0);
  EXPECT_NE(digest(c, "src"), setuid);
}

TEST(ContextSources, DigestChangesWithContentOfTheSameSize) {
  Context c;
  const auto before = digest(c, "app.py");
  write_text(c / "app.py", "print('HI')\n");
  EXPECT_NE(digest(c, "app.py"), before);
}

TEST(ContextSources, SymlinkInsideADirectoryIsHashedAsItsTargetTextNotFollowed) {
  Context c;
  ASSERT_EQ(::symlink("../app.py", (c / "src/link").c_str()), 0);
  const auto before = digest(c, "src");
  write_text(c / "app.py", "the link's target changed, the link did not\n");
  EXPECT_EQ(digest(c, "src"), before);
  ASSERT_EQ(::unlink((c / "src/link").c_str()), 0);
  ASSERT_EQ(::symlink("../setup.py", (c / "src/link").c_str()), 0);
  EXPECT_NE(digest(c, "src"), before);
}

TEST(ContextSources, SymlinkNamedAsSourceIsFollowedAndHashesItsTarget) {
  Context c;
  ASSERT_EQ(::symlink("src/main.py", (c / "alias.py").c_str()), 0);
  EXPECT_EQ(match(c, "alias.py"), Paths{"alias.py"});
  const auto through_link = digest(c, "alias.py");
  // Same name inside the source (``), same bytes and mode: the same digest as the target.
  EXPECT_EQ(through_link, digest(c, "src/main.py"));
}

TEST(ContextSources, AbsoluteSymlinkResolvesInsideTheContextNeverOnTheHost) {
  Context c;
  ASSERT_EQ(::symlink("/etc/passwd", (c / "passwd").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../../../etc", (c / "etcdir").c_str()), 0);
  // No etc/passwd in the context: the link leads nowhere.
  auto missing = match_sources(c.fd(), "passwd", {}, kContext);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().what().find("not found"), std::string::npos);
  EXPECT_FALSE(source_digest(c.fd(), "passwd", {}));
  EXPECT_FALSE(match_sources(c.fd(), "etcdir/passwd", {}, kContext));

  // With the context's own etc/passwd, both links hash *that* file, not the host's.
  ::mkdir((c / "etc").c_str(), 0755);
  write_text(c / "etc/passwd", "context-only:x:1:1::/:/bin/false\n");
  EXPECT_EQ(match(c, "passwd"), Paths{"passwd"});
  EXPECT_EQ(digest(c, "passwd"), digest(c, "etc/passwd"));
  EXPECT_EQ(digest(c, "etcdir/passwd"), digest(c, "etc/passwd"));
  // Had the host's /etc/passwd been read, the digests above would differ (its content
  // is not the context's). And editing the context's copy moves the link's digest.
  const auto before = digest(c, "passwd");
  write_text(c / "etc/passwd", "context-only:x:2:2::/:/bin/false\n");
  EXPECT_NE(digest(c, "passwd"), before);
}

TEST(ContextSources, GlobDoesNotFollowALinkOutOfTheContext) {
  Context c;
  ASSERT_EQ(::symlink("/etc", (c / "hostetc").c_str()), 0);
  // `hostetc/*` lists the context's (missing) etc, never the host's /etc.
  auto r = match_sources(c.fd(), "hostetc/*", {}, kContext);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("matches no file"), std::string::npos);
}

TEST(ContextSources, CleanSourcePath) {
  EXPECT_EQ(*clean_source_path("/a//b/./c/", kContext), "a/b/c");
  EXPECT_EQ(*clean_source_path("./", kContext), ".");
  EXPECT_EQ(*clean_source_path("a/../b", kContext), "b");
  EXPECT_FALSE(clean_source_path("a/../../b", kContext));
  EXPECT_TRUE(has_glob("src/*.py"));
  EXPECT_FALSE(has_glob("src/main.py"));
}

/// Collects the walk, to check order and what is skipped.
class Recorder : public SourceVisitor {
 public:
  Result<void> enter(const SourceEntry& e) override {
    seen.push_back(e.path);
    return minirun::sys::ok();
  }
  Result<void> leave_directory(const SourceEntry& e) override {
    seen.push_back("leave " + e.path);
    return minirun::sys::ok();
  }
  std::vector<std::string> seen;
};

TEST(ContextSources, WalkVisitsParentsFirstInByteOrderAndLeavesAfterChildren) {
  Context c;
  Recorder r;
  ASSERT_TRUE(walk_source(c.fd(), "src", {}, r));
  EXPECT_EQ(r.seen, (Paths{"", "lib", "lib/deep.py", "leave lib", "main.py", "util.py", "leave "}));
}

}  // namespace
}  // namespace imagebuilder::build
