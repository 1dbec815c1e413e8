// The Dockerfile parser beyond the golden files: directives, locations, and every
// error it can give, each with file, line and column.
#include "imagebuilder/spec/parser.hpp"

#include <gtest/gtest.h>

namespace imagebuilder::spec {
namespace {

std::string error_of(std::string_view text) {
  auto parsed = parse_dockerfile(text, "Dockerfile");
  return parsed.ok() ? "accepted: " + format_tree(*parsed) : parsed.error().what();
}

std::string tree_of(std::string_view text) {
  auto parsed = parse_dockerfile(text);
  return parsed.ok() ? format_tree(*parsed) : "error: " + parsed.error().what();
}

TEST(Parser, UnknownInstructionIsRefusedWithSuggestion) {
  EXPECT_EQ(error_of("FROM x\n\n  COPPY a b\n"), "Dockerfile:3:3: unknown instruction: COPPY (did you mean COPY?)");
  EXPECT_EQ(error_of("FROM x\nFOOBAR\n"), "Dockerfile:2:1: unknown instruction: FOOBAR");
}

TEST(Parser, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(tree_of("from x\nRuN echo\n"), "(from \"x\")\n(run \"echo\")\n");
}

TEST(Parser, NodesKnowTheirLines) {
  auto parsed = parse_dockerfile("# c\nFROM x\nRUN a \\\n  # comment\n  b\nCMD c\n");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->nodes.size(), 3u);
  EXPECT_EQ(parsed->nodes[1].where.line, 3);
  EXPECT_EQ(parsed->nodes[1].where.end_line, 5);
  EXPECT_EQ(parsed->nodes[1].args, std::vector<std::string>{"a   b"});
  EXPECT_EQ(parsed->nodes[2].where.line, 6);
}

TEST(Parser, EscapeDirectiveChangesContinuation) {
  auto parsed = parse_dockerfile("# escape=`\nFROM x\nRUN dir C:\\ `\n  /w\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  EXPECT_EQ(parsed->escape, '`');
  EXPECT_EQ(format_tree(*parsed), "(from \"x\")\n(run \"dir C:\\\\   /w\")\n");
}

TEST(Parser, DirectivesAfterABlankLineAreComments) {
  auto parsed = parse_dockerfile("\n# escape=`\nFROM x\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->escape, '\\');
  EXPECT_TRUE(parsed->directives.empty());
}

TEST(Parser, SyntaxDirectiveIsKept) {
  auto parsed = parse_dockerfile("# syntax=docker/dockerfile:1\nFROM x\n");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->directives.size(), 1u);
  EXPECT_EQ(parsed->directives[0].first, "syntax");
  EXPECT_EQ(parsed->directives[0].second, "docker/dockerfile:1");
}

TEST(Parser, BadEscapeDirectiveIsRefused) {
  EXPECT_EQ(error_of("# escape=x\nFROM x\n"), "Dockerfile:1:1: invalid escape token 'x' does not match ` or \\");
}

TEST(Parser, RepeatedDirectiveIsRefused) {
  EXPECT_EQ(error_of("# escape=\\\n# escape=`\nFROM x\n"),
            "Dockerfile:2:1: only one escape parser directive can be used");
}

TEST(Parser, JsonWithNonStringsIsRefused) {
  EXPECT_EQ(error_of("FROM x\nCMD [\"a\", 1]\n"),
            "Dockerfile:2:1: when using JSON array syntax, arrays must be comprised of strings only");
}

TEST(Parser, InvalidJsonFallsBackToShellForm) {
  auto parsed = parse_dockerfile("FROM x\nCMD [\"a\",]\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->nodes[1].json);
  EXPECT_EQ(parsed->nodes[1].args, std::vector<std::string>{"[\"a\",]"});
}

TEST(Parser, ExecFormIsMarkedJson) {
  auto parsed = parse_dockerfile("FROM x\nENTRYPOINT [\"/bin/sh\", \"-c\"]\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->nodes[1].json);
  EXPECT_EQ(parsed->nodes[1].args, (std::vector<std::string>{"/bin/sh", "-c"}));
}

TEST(Parser, EnvWithoutEqualsInLaterPairIsRefused) {
  EXPECT_EQ(error_of("FROM x\nENV a=b c\n"),
            "Dockerfile:2:1: Syntax error - can't find = in \"c\". Must be of the form: name=value");
}

TEST(Parser, HeredocsAreRefusedClearly) {
  EXPECT_EQ(error_of("FROM x\nRUN <<EOF\necho hi\nEOF\n"),
            "Dockerfile:2:1: heredocs are not supported: <<EOF (write the file with COPY, or use printf in RUN)");
  EXPECT_NE(error_of("FROM x\nONBUILD COPY <<-END /a\nx\nEND\n").find("heredocs are not supported"), std::string::npos);
}

TEST(Parser, QuotedHeredocMarkerIsNotAHeredoc) {
  EXPECT_EQ(tree_of("FROM x\nRUN echo '<<EOF'\n"), "(from \"x\")\n(run \"echo '<<EOF'\")\n");
}

TEST(Parser, OnbuildWrapsANestedInstruction) {
  EXPECT_EQ(tree_of("FROM x\nONBUILD copy --from=b a /b\n"),
            "(from \"x\")\n(onbuild (copy [\"--from=b\"] \"a\" \"/b\"))\n");
}

TEST(Parser, FlagsLoseTheirQuotes) {
  EXPECT_EQ(tree_of("FROM x\nCOPY --chown=\"a b\" s d\n"), "(from \"x\")\n(copy [\"--chown=a b\"] \"s\" \"d\")\n");
}

TEST(Parser, CommentOnlyFileHasNoInstructions) {
  EXPECT_EQ(error_of("# one\n# two\n"), "Dockerfile:2: file with no instructions");
}

TEST(Parser, WindowsLineEndingsReadTheSame) {
  EXPECT_EQ(tree_of("FROM x\r\nRUN a \\\r\n b\r\n"), "(from \"x\")\n(run \"a  b\")\n");
}

TEST(Parser, EmptyContinuationLineWarns) {
  auto parsed = parse_dockerfile("FROM x\nRUN a \\\n\n b\n");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_NE(parsed->warnings[0].find("empty continuation line"), std::string::npos);
}

}  // namespace
}  // namespace imagebuilder::spec
