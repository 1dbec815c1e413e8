// Golden parse trees: every case in testdata/dockerfile-parser (BuildKit's own
// parser test files) parses to the very tree BuildKit prints, byte for byte, and
// every negative case is refused with an error that names the file and a line.
// One test per case, named after its folder, so a failure says which case broke.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "imagebuilder/spec/parser.hpp"

namespace imagebuilder::spec {
namespace {

namespace fs = std::filesystem;

fs::path testdata_dir() { return fs::path(MINIRUN_SOURCE_DIR) / ".." / "shared" / "testdata" / "dockerfile-parser"; }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The case folders of one kind ("positive" or "negative"), sorted; one empty
/// path when the test data is missing, so that the test can skip with a message.
std::vector<fs::path> cases(const char* kind) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(testdata_dir() / kind, ec)) {
    if (entry.is_directory()) found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  if (found.empty()) found.emplace_back();
  return found;
}

std::string case_name(const testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.empty() ? "testdata_missing" : info.param.filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class GoldenPositive : public testing::TestWithParam<fs::path> {};
class GoldenNegative : public testing::TestWithParam<fs::path> {};

TEST_P(GoldenPositive, ParseTreeEqualsBuildKits) {
  if (GetParam().empty()) GTEST_SKIP() << "no golden cases in " << testdata_dir() << " (shared test data absent)";
  const std::string dockerfile = read_file(GetParam() / "Dockerfile");
  const std::string expected = read_file(GetParam() / "result");
  auto parsed = parse_dockerfile(dockerfile);
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  EXPECT_EQ(format_tree(*parsed), expected);
}

TEST_P(GoldenNegative, IsRefusedNamingFileAndLine) {
  if (GetParam().empty()) GTEST_SKIP() << "no golden cases in " << testdata_dir() << " (shared test data absent)";
  auto parsed = parse_dockerfile(read_file(GetParam() / "Dockerfile"), "Dockerfile");
  ASSERT_FALSE(parsed.ok()) << "accepted:\n" << format_tree(*parsed);
  EXPECT_TRUE(std::regex_search(parsed.error().what(), std::regex("^Dockerfile:[0-9]+(:[0-9]+)?: .+")))
      << parsed.error().what();
}

INSTANTIATE_TEST_SUITE_P(Dockerfile, GoldenPositive, testing::ValuesIn(cases("positive")), case_name);
INSTANTIATE_TEST_SUITE_P(Dockerfile, GoldenNegative, testing::ValuesIn(cases("negative")), case_name);

TEST(Golden, AllBuildKitCasesArePresent) {
  if (!fs::exists(testdata_dir())) GTEST_SKIP() << "shared test data absent: " << testdata_dir();
  EXPECT_EQ(cases("positive").size(), 22u);
  EXPECT_EQ(cases("negative").size(), 2u);
}

TEST(Golden, NegativeErrorsSayWhatIsWrong) {
  auto empty = parse_dockerfile("", "Dockerfile");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().what(), "Dockerfile:1: file with no instructions");
  auto env = parse_dockerfile("FROM busybox\n\nENV PATH\n", "Dockerfile");
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().what(), "Dockerfile:3:1: ENV must have two arguments");
}

}  // namespace
}  // namespace imagebuilder::spec
