// .dockerignore: a table of rules and paths with the answers Docker gives, then
// parsing details (comments, cleaning, errors) and when a walker may skip a directory.
#include "imagebuilder/spec/dockerignore.hpp"

#include <gtest/gtest.h>

namespace imagebuilder::spec {
namespace {

IgnoreRules rules_of(std::string_view text) {
  auto rules = parse_dockerignore(text);
  EXPECT_TRUE(rules.ok()) << rules.error().what();
  return rules.ok() ? *rules : IgnoreRules{};
}

struct MatchCase {
  const char* rules;
  const char* path;
  bool excluded;
};

TEST(Dockerignore, ExcludedTable) {
  const MatchCase cases[] = {
      {"*.log", "a.log", true},
      {"*.log", "dir/a.log", false},  // patterns are anchored at the context root
      {"**/*.log", "dir/sub/a.log", true},
      {"**/*.log", "a.log", true},
      {"**", "anything/at/all", true},
      {"dir/**", "dir/a/b", true},
      {"dir/**", "dirx/a", false},
      {"a/**/b", "a/b", true},
      {"a/**/b", "a/x/y/b", true},
      {"a/**/b", "a/x/y/c", false},
      {"**/node_modules", "web/node_modules/x/y.js", true},
      {"build", "build/out/app", true},  // a matched parent excludes everything below
      {"build", "builder", false},
      {"*/temp*", "dir/temporary", true},
      {"*/temp*", "dir/sub/temporary", false},
      {"?.txt", "a.txt", true},
      {"?.txt", "ab.txt", false},
      {"file[0-9].txt", "file7.txt", true},
      {"file[0-9].txt", "filex.txt", false},
      {"file[^0-9].txt", "filex.txt", true},
      {"file[!0-9].txt", "filex.txt", false},  // Docker: `!` is a class member, not a negation
      {"file[!0-9].txt", "file!.txt", true},
      {"\\*.txt", "*.txt", true},
      {"\\*.txt", "a.txt", false},
      {"/abs", "abs", true},
      {"./dot/../dot/x", "dot/x", true},
      {"*.md\n!README.md", "README.md", false},
      {"*.md\n!README.md", "CHANGES.md", true},
      {"*.md\n!README.md\nREADME.md", "README.md", true},  // the last matching rule wins
      {"docs\n!docs/keep.txt", "docs/keep.txt", false},
      {"docs\n!docs/keep.txt", "docs/other.txt", true},
      {"", "anything", false},
  };
  for (const MatchCase& c : cases) {
    SCOPED_TRACE(std::string("rules: ") + c.rules + " path: " + c.path);
    EXPECT_EQ(rules_of(c.rules).excluded(c.path), c.excluded);
  }
}

TEST(Dockerignore, CommentsAndBlankLinesAreSkipped) {
  IgnoreRules rules = rules_of("# a comment\n\n   \n  secret.txt  \r\n");
  ASSERT_EQ(rules.rules().size(), 1u);
  EXPECT_EQ(rules.rules()[0].pattern.text(), "secret.txt");
  EXPECT_EQ(rules.rules()[0].line, 4);
  EXPECT_TRUE(rules.excluded("secret.txt"));
}

TEST(Dockerignore, HashAfterSpaceIsAPattern) {
  IgnoreRules rules = rules_of(" #notacomment\n");
  EXPECT_TRUE(rules.excluded("#notacomment"));
}

TEST(Dockerignore, UnterminatedClassIsAnErrorWithFileAndLine) {
  auto rules = parse_dockerignore("ok\n# fine\nbad[abc\n", ".dockerignore");
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.error().what(), ".dockerignore:3: syntax error in pattern \"bad[abc\": unterminated character class [");
}

TEST(Dockerignore, MalformedPatternsAreErrors) {
  for (const char* text : {"a[]b", "x[a-]", "trailing\\", "[-a]", "!"}) {
    SCOPED_TRACE(text);
    auto rules = parse_dockerignore(text, ".dockerignore");
    ASSERT_FALSE(rules.ok());
    EXPECT_EQ(rules.error().what().rfind(".dockerignore:1: ", 0), 0u) << rules.error().what();
  }
}

TEST(Dockerignore, ExcludedDirectoryWithoutExceptionsMayBeSkipped) {
  IgnoreRules rules = rules_of("node_modules\n.git\n");
  EXPECT_TRUE(rules.may_skip_directory("node_modules"));
  EXPECT_FALSE(rules.may_skip_directory("src"));  // not excluded at all
}

TEST(Dockerignore, ExceptionInsideDirectoryPreventsSkipping) {
  IgnoreRules rules = rules_of("docs\n!docs/keep.txt\nbuild\n");
  EXPECT_FALSE(rules.may_skip_directory("docs"));
  EXPECT_TRUE(rules.may_skip_directory("build"));  // the exception cannot reach it
}

TEST(Dockerignore, WildcardExceptionPreventsSkipping) {
  IgnoreRules rules = rules_of("vendor\n!**/LICENSE\n");
  EXPECT_FALSE(rules.may_skip_directory("vendor"));
  EXPECT_FALSE(rules.excluded("vendor/lib/LICENSE"));
  EXPECT_TRUE(rules.excluded("vendor/lib/code.go"));
}

TEST(Dockerignore, CleanPathFollowsGo) {
  EXPECT_EQ(clean_path(""), ".");
  EXPECT_EQ(clean_path("./a//b/"), "a/b");
  EXPECT_EQ(clean_path("a/../.."), "..");
  EXPECT_EQ(clean_path("/../x"), "/x");
  EXPECT_EQ(clean_path("/"), "/");
}

}  // namespace
}  // namespace imagebuilder::spec
