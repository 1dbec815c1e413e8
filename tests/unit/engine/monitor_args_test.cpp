// The monitor's command line, as `minirun start` writes it: required flags, optional
// ones, and errors that say what went wrong. Pure.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "minirun/engine/monitor.hpp"

namespace minirun::engine {
namespace {

/// parse_monitor_args over `words` (argv[0] is added).
sys::Result<MonitorArgs> parse(std::vector<std::string> words) {
  words.insert(words.begin(), "minirun-monitor");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return parse_monitor_args(static_cast<int>(words.size()), argv.data());
}

TEST(MonitorArgs, RequiredFlagsAloneAreEnough) {
  auto args = parse({"--data-root", "/d", "--id", "abc"});
  ASSERT_TRUE(args.ok()) << args.error().what();
  EXPECT_EQ(args->data_root, "/d");
  EXPECT_EQ(args->id, "abc");
  EXPECT_EQ(args->image_root, "");
  EXPECT_EQ(args->init_path, "");
  EXPECT_FALSE(args->attached);
  EXPECT_FALSE(args->detach);
}

TEST(MonitorArgs, EveryFlagIsRead) {
  auto args = parse({"--attached", "--detach", "--id", "abc", "--image-root", "/img", "--init",
                     "/bin/minirun-init", "--data-root", "/d"});
  ASSERT_TRUE(args.ok()) << args.error().what();
  EXPECT_EQ(args->data_root, "/d");
  EXPECT_EQ(args->id, "abc");
  EXPECT_EQ(args->image_root, "/img");
  EXPECT_EQ(args->init_path, "/bin/minirun-init");
  EXPECT_TRUE(args->attached);
  EXPECT_TRUE(args->detach);
}

TEST(MonitorArgs, MissingDataRootOrIdIsAnError) {
  for (const auto& words : {std::vector<std::string>{"--id", "abc"}, std::vector<std::string>{"--data-root", "/d"},
                            std::vector<std::string>{}}) {
    auto args = parse(words);
    ASSERT_FALSE(args.ok());
    EXPECT_NE(args.error().what().find("--data-root and --id are required"), std::string::npos)
        << args.error().what();
  }
}

TEST(MonitorArgs, UnknownFlagIsNamed) {
  auto args = parse({"--data-root", "/d", "--id", "abc", "--verbose", "yes"});
  ASSERT_FALSE(args.ok());
  EXPECT_NE(args.error().what().find("unknown flag --verbose"), std::string::npos) << args.error().what();
}

TEST(MonitorArgs, FlagWithoutValueIsNamed) {
  auto args = parse({"--data-root", "/d", "--id"});
  ASSERT_FALSE(args.ok());
  EXPECT_NE(args.error().what().find("--id needs a value"), std::string::npos) << args.error().what();
}

}  // namespace
}  // namespace minirun::engine
