// The monitor's command line, as `minirun start` writes it: required flags, optional
// ones, and errors that say what went wrong. Pure.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

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
    EXPECT_NE(args.error().what().find("--data-root and one of --id and --id-on-fd are required"), std::string::npos)
        << args.error().what();
  }
}

TEST(MonitorArgs, IdOnFdReplacesId) {
  auto args = parse({"--data-root", "/d", "--id-on-fd"});
  ASSERT_TRUE(args.ok()) << args.error().what();
  EXPECT_TRUE(args->id_on_fd);
  EXPECT_EQ(args->id, "");
  // Both at once is a mismatch between the engine and the monitor: refused.
  EXPECT_FALSE(parse({"--data-root", "/d", "--id-on-fd", "--id", "abc"}).ok());
}

/// Runs receive_monitor_id with `written` on a pipe at fd 6 (then EOF), restoring fd 6.
sys::Result<MonitorArgs> receive(const std::string& written) {
  int saved = ::fcntl(kMonitorIdFd, F_DUPFD_CLOEXEC, 10);  // -1 if fd 6 was not open
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  EXPECT_EQ(::write(fds[1], written.data(), written.size()), static_cast<ssize_t>(written.size()));
  ::close(fds[1]);
  ::dup2(fds[0], kMonitorIdFd);
  ::close(fds[0]);
  MonitorArgs args;
  args.id_on_fd = true;
  auto received = receive_monitor_id(args);
  if (saved >= 0) {
    ::dup2(saved, kMonitorIdFd);
    ::close(saved);
  }
  if (!received) return std::move(received.error());
  return args;
}

TEST(MonitorArgs, TheEarlyMonitorTakesTheIdFromItsPipe) {
  auto args = receive("0123abcd\n");
  ASSERT_TRUE(args.ok()) << args.error().what();
  EXPECT_EQ(args->id, "0123abcd");
}

TEST(MonitorArgs, AnEarlyMonitorWithoutAnIdIsToldNotToStart) {
  // The engine closes the pipe unused when its create fails: EOF, no id, no container.
  for (const std::string written : {"", "0123", "\n"}) {
    auto args = receive(written);
    ASSERT_FALSE(args.ok()) << "id " << args->id;
    EXPECT_NE(args.error().what().find("no container id on fd 6"), std::string::npos) << args.error().what();
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
