// The monitor's command line, as `minirun start` writes it: required flags, optional
// ones, and errors that say what went wrong. Pure.
#include <fcntl.h>
#include <sys/stat.h>
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
    EXPECT_NE(args.error().what().find("--data-root and --id, or --id-on-fd without --id, are required"), std::string::npos)
        << args.error().what();
  }
}

TEST(MonitorArgs, IdOnFdReplacesIdAndDataRoot) {
  auto args = parse({"--id-on-fd"});
  ASSERT_TRUE(args.ok()) << args.error().what();
  EXPECT_TRUE(args->id_on_fd);
  EXPECT_EQ(args->id, "");
  // With the data root the spawning command named (for `ps`); the orders bring it again.
  args = parse({"--id-on-fd", "--data-root", "/d"});
  ASSERT_TRUE(args.ok()) << args.error().what();
  EXPECT_EQ(args->data_root, "/d");
  // Both at once is a mismatch between the engine and the monitor: refused.
  EXPECT_FALSE(parse({"--data-root", "/d", "--id-on-fd", "--id", "abc"}).ok());
}

/// Whether `fd` is /dev/null.
bool is_dev_null(int fd) {
  struct stat a {}, b {};
  return ::fstat(fd, &a) == 0 && ::stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev && S_ISCHR(a.st_mode);
}

/// Runs receive_monitor_orders with `written` on a pipe at fd 6 (then EOF), with fds 0, 4
/// and 5 on a pipe of their own; `kept` says which of those three it left alone. Every
/// fd is restored afterwards.
sys::Result<MonitorArgs> receive(const std::string& written, std::vector<int>* kept = nullptr) {
  const std::vector<int> fds_used = {0, kMonitorStdoutFd, kMonitorStderrFd, kMonitorIdFd};
  std::vector<int> saved;
  for (int fd : fds_used) saved.push_back(::fcntl(fd, F_DUPFD_CLOEXEC, 10));  // -1 if not open
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  EXPECT_EQ(::write(fds[1], written.data(), written.size()), static_cast<ssize_t>(written.size()));
  ::close(fds[1]);
  ::dup2(fds[0], kMonitorIdFd);
  ::close(fds[0]);
  int client[2];
  EXPECT_EQ(::pipe(client), 0);
  for (int fd : {0, kMonitorStdoutFd, kMonitorStderrFd}) ::dup2(client[1], fd);
  MonitorArgs args;
  args.id_on_fd = true;
  auto received = receive_monitor_orders(args);
  if (kept) {
    kept->clear();
    for (int fd : {0, kMonitorStdoutFd, kMonitorStderrFd})
      if (!is_dev_null(fd)) kept->push_back(fd);
  }
  for (size_t i = 0; i < fds_used.size(); ++i) {
    if (saved[i] >= 0) {
      ::dup2(saved[i], fds_used[i]);
      ::close(saved[i]);
    } else {
      ::close(fds_used[i]);
    }
  }
  ::close(client[0]);
  ::close(client[1]);
  if (!received) return std::move(received.error());
  return args;
}

TEST(MonitorArgs, TheEarlyMonitorTakesItsOrdersFromItsSocket) {
  MonitorOrders orders;
  orders.id = "0123abcd";
  orders.data_root = "/data root";  // a space, and below a newline: still one line
  orders.image_root = "/img\nx";
  orders.init_path = "/bin/minirun-init";
  orders.net_plugin_path = "/bin/minirun-net";
  orders.attached = true;
  std::vector<int> kept;
  auto args = receive(orders.to_line(), &kept);
  ASSERT_TRUE(args.ok()) << args.error().what();
  EXPECT_EQ(args->id, "0123abcd");
  EXPECT_EQ(args->data_root, "/data root");
  EXPECT_EQ(args->image_root, "/img\nx");
  EXPECT_EQ(args->init_path, "/bin/minirun-init");
  EXPECT_EQ(args->net_plugin_path, "/bin/minirun-net");
  EXPECT_TRUE(args->attached);
  // Attached without -i: the client's stdout and stderr stay, its stdin does not.
  EXPECT_EQ(kept, (std::vector<int>{kMonitorStdoutFd, kMonitorStderrFd}));
}

TEST(MonitorArgs, AnEarlyMonitorLetsGoOfTheClientsFdsItIsNotToKeep) {
  MonitorOrders orders;
  orders.id = "abc";
  orders.data_root = "/d";
  std::vector<int> kept;
  ASSERT_TRUE(receive(orders.to_line(), &kept).ok());
  EXPECT_TRUE(kept.empty()) << "run -d keeps fd " << kept.front();  // else $(minirun run -d) would hang
  orders.attached = true;
  orders.keep_stdin = true;
  ASSERT_TRUE(receive(orders.to_line(), &kept).ok());
  EXPECT_EQ(kept, (std::vector<int>{0, kMonitorStdoutFd, kMonitorStderrFd}));
}

TEST(MonitorArgs, AnEarlyMonitorWithoutOrdersIsToldNotToStart) {
  // The engine closes the socket unused when its create fails: EOF, no orders, no container.
  for (const std::string written : {"", "{\"id\":\"a\"", "\n"}) {
    auto args = receive(written);
    ASSERT_FALSE(args.ok()) << "id " << args->id;
    EXPECT_NE(args.error().what().find("no orders on fd 6"), std::string::npos) << args.error().what();
  }
  // Orders that are not what the engine writes are named as such.
  for (const std::string written : {"0123abcd\n", "{\"id\":\"a\"}\n", "{\"id\":1,\"data_root\":\"/d\"}\n"}) {
    auto args = receive(written);
    ASSERT_FALSE(args.ok()) << written;
    EXPECT_NE(args.error().what().find("orders on fd 6"), std::string::npos) << args.error().what();
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
