/**
 * @file init_test.cpp
 * @brief minirun-init, the PID 1 of `minirun run --init`: it forwards signals, reaps
 * zombies and passes the command's exit code through.
 *
 * Two suites. `MinirunInit` runs the minirun-init binary as a plain program, no root and
 * no container: its command line, exit codes and signal forwarding. Outside a PID
 * namespace it is not PID 1, so what is special about PID 1 cannot be shown there.
 * `EngineInit` (ROOT_) drives the real `minirun run --init` in a busybox container,
 * where minirun-init *is* PID 1: `minirun stop` ends a shell with SIGTERM (which the
 * shell, as PID 1, would never see), orphans are reaped, exit codes pass through.
 *
 * Every EngineInit test has its own --data-root (the image store is shared by the suite:
 * making busybox costs ~0.3 s); TearDown force-removes every container found there, then
 * checks that nothing is left: no container directory, no runtime state, no mount under
 * the data root, no cgroup `minirun/<id>`.
 *
 * Man pages: pid_namespaces(7), signal(7). Docker: `docker run --init`. Lab: labs/01-image-and-container.
 */
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_env.hpp"

#ifndef MINIRUN_NET_BINARY
#define MINIRUN_NET_BINARY "minirun-net"
#endif

#ifndef MINIRUN_BINARY
#define MINIRUN_BINARY "minirun"
#endif

namespace {

using minirun::testing::CommandResult;
using minirun::testing::run_command;
using minirun::testing::ScratchDir;
using Clock = std::chrono::steady_clock;

/// The engine looks for minirun-init next to its own binary; so do we.
std::string init_binary() {
  std::string minirun = MINIRUN_BINARY;
  auto slash = minirun.rfind('/');
  return (slash == std::string::npos ? std::string(".") : minirun.substr(0, slash)) +
         "/minirun-init";
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------
// minirun-init as a plain program

TEST(MinirunInit, CommandWithoutDoubleDashIsAUsageError) {
  auto r = run_command({init_binary(), "true"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("usage: minirun-init [-v] -- COMMAND"), std::string::npos) << r.err;
}

TEST(MinirunInit, DoubleDashWithoutCommandIsAUsageError) {
  auto r = run_command({init_binary(), "-v", "--"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("missing command"), std::string::npos) << r.err;
}

TEST(MinirunInit, UnknownOptionIsAUsageError) {
  auto r = run_command({init_binary(), "-g", "--", "true"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("unknown option"), std::string::npos) << r.err;
}

TEST(MinirunInit, CommandsExitCodeIsPassedThrough) {
  auto r = run_command({init_binary(), "--", "sh", "-c", "echo out; exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_EQ(r.out, "out\n") << "the command keeps our stdout";
}

TEST(MinirunInit, MissingCommandExits127AndNamesIt) {
  auto r = run_command({init_binary(), "--", "/nonexistent/minirun-init-test"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("exec /nonexistent/minirun-init-test: No such file or directory"),
            std::string::npos)
      << r.err;
}

TEST(MinirunInit, CommandThatCannotBeExecutedExits126) {
  auto r = run_command({init_binary(), "--", "/etc/passwd"});  // exists, not executable
  EXPECT_EQ(r.exit_code, 126) << r.err;
}

TEST(MinirunInit, SigtermIsForwardedToTheCommand) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);  // a group of its own, so that a failed test can kill it all
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    // `exec`: sleep itself is the command, so nothing is orphaned when it dies.
    ::execl(init_binary().c_str(), "minirun-init", "--", "sh", "-c", "echo ready; exec sleep 100",
            nullptr);
    _exit(99);
  }
  ::setpgid(pid, pid);
  ::close(out[1]);
  // Wait for the command to be running: a SIGTERM sent before minirun-init has blocked
  // its signals would kill minirun-init itself, with the very status we expect.
  char ready[6] = {};
  EXPECT_EQ(::read(out[0], ready, 6), 6);
  ::close(out[0]);
  ASSERT_EQ(std::string(ready, 6), "ready\n");

  auto start = Clock::now();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  pid_t waited = 0;
  while ((waited = ::waitpid(pid, &status, WNOHANG)) == 0 && seconds_since(start) < 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (waited == 0) {  // the SIGTERM was not forwarded: clean up before failing
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "minirun-init was still running 10 s after SIGTERM";
  }
  ASSERT_TRUE(WIFEXITED(status)) << "minirun-init itself must exit, not be killed";
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << "the command died of the forwarded SIGTERM";
}

// ---------------------------------------------------------------------------------------
// minirun run --init: minirun-init as the container's PID 1

class EngineInit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new ScratchDir();
    ::setenv("MINIRUN_NFT_TABLE", "minirun_e2e", 1);  // the tests' own firewall table
  }
  static void TearDownTestSuite() {
    delete images_;
    images_ = nullptr;
    (void)run_command({MINIRUN_NET_BINARY, "--table", "minirun_e2e", "remove-table"}, {}, 30);
  }

  void SetUp() override { MINIRUN_REQUIRE_ROOT(); }

  void TearDown() override {
    if (!minirun::testing::running_as_root()) return;
    std::vector<std::string> ids = container_dirs();
    for (const auto& id : ids) {
      auto removed = minirun({"rm", "-f", id});
      EXPECT_EQ(removed.exit_code, 0) << "rm -f " << id << ": " << removed.err;
    }
    // The default network, made on first use, goes with its bridge and rules.
    auto pruned = minirun({"network", "prune", "-f"});
    EXPECT_EQ(pruned.exit_code, 0) << "network prune: " << pruned.err;
    EXPECT_EQ(container_dirs(), std::vector<std::string>{}) << "container directories left behind";
    EXPECT_EQ(container_states(), std::vector<std::string>{}) << "runtime state left behind";
    std::string cgroups = memory_cgroup_dir() + "/minirun/";
    for (const auto& id : ids)
      EXPECT_FALSE(std::filesystem::exists(cgroups + id)) << "cgroup left: " << cgroups + id;
    // Unmount (only under our own scratch dir) whatever a failed test left, deepest first,
    // so that ScratchDir can remove the tree.
    std::vector<std::string> mounts = mounts_under(data_.path());
    EXPECT_EQ(mounts, std::vector<std::string>{}) << "mounts left under the data root";
    std::sort(mounts.rbegin(), mounts.rend());
    for (const auto& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
  }

  std::string data_root() const { return data_.path() + "/data"; }

  CommandResult minirun(std::vector<std::string> args, int timeout_seconds = 60) {
    std::vector<std::string> argv{MINIRUN_BINARY, "--data-root", data_root(), "--image-root",
                                  images_->path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, timeout_seconds);
  }

  /// `run -d --init busybox sh -c SCRIPT`, then waits until the script has printed
  /// "ready" (so minirun-init has long since blocked its signals). Returns the id.
  std::string run_detached_until_ready(const std::vector<std::string>& run_flags,
                                       const std::string& script) {
    std::vector<std::string> args{"run", "-d"};
    args.insert(args.end(), run_flags.begin(), run_flags.end());
    args.insert(args.end(), {"busybox", "sh", "-c", "echo ready; " + script});
    auto run = minirun(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::string id = run.out.substr(0, run.out.find('\n'));
    auto start = Clock::now();
    while (minirun({"logs", id}).out.find("ready") == std::string::npos &&
           seconds_since(start) < 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_NE(minirun({"logs", id}).out.find("ready"), std::string::npos)
        << "the container never got ready";
    return id;
  }

  int exit_code_of(const std::string& id) {
    auto inspect = minirun({"inspect", id});
    if (inspect.exit_code != 0) return -1;
    return nlohmann::json::parse(inspect.out).at(0).at("State").at("ExitCode").get<int>();
  }

 private:
  static std::vector<std::string> entries_of(const std::string& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      names.push_back(entry.path().filename());
    return names;
  }
  std::vector<std::string> container_dirs() const {
    return entries_of(data_root() + "/containers");
  }

  /// The runtime's per-container state directories (names starting with a dot, such as
  /// the seccomp cache `.cache`, are the runtime's own and may stay).
  std::vector<std::string> container_states() const {
    std::vector<std::string> names = entries_of(data_root() + "/runtime");
    std::erase_if(names, [](const std::string& name) { return name.starts_with('.'); });
    return names;
  }

  /// Our own memory cgroup (v1), under which the runtime makes `minirun/<id>`.
  static std::string memory_cgroup_dir() {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
      auto at = line.find(":memory:");
      if (at != std::string::npos) return "/sys/fs/cgroup/memory" + line.substr(at + 8);
    }
    return "/sys/fs/cgroup";  // cgroup v2: one tree
  }

  /// Mount points (field 5 of mountinfo) at or below `dir`.
  static std::vector<std::string> mounts_under(const std::string& dir) {
    std::vector<std::string> found;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string id, parent, device, root, mount_point;
      fields >> id >> parent >> device >> root >> mount_point;
      if (mount_point == dir || mount_point.rfind(dir + "/", 0) == 0) found.push_back(mount_point);
    }
    return found;
  }

  static ScratchDir* images_;
  ScratchDir data_;
};

ScratchDir* EngineInit::images_ = nullptr;

TEST_F(EngineInit, ROOT_InitIsPid1AndTheCommandItsChild) {
  auto r = minirun({"run", "--rm", "--init", "busybox", "ps", "-o", "pid,ppid,comm"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("    1     0 minirun-init"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    2     1 ps"), std::string::npos) << r.out;
}

TEST_F(EngineInit, ROOT_StopEndsAShellPromptlyWithSigterm) {
  // `; exit 0` keeps sh from exec'ing sleep: the shell itself receives the SIGTERM.
  std::string id = run_detached_until_ready({"--init"}, "sleep 100; exit 0");
  auto start = Clock::now();
  auto stop = minirun({"stop", "-t", "5", id});
  double took = seconds_since(start);
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_LT(took, 4.0) << "stop waited for the SIGKILL after -t 5: SIGTERM was not forwarded";
  EXPECT_EQ(exit_code_of(id), 128 + SIGTERM);
}

// The contrast that shows why --init exists: the same shell as PID 1 never sees SIGTERM,
// so stop has to wait out its grace period and SIGKILL it.
TEST_F(EngineInit, ROOT_WithoutInitAShellAsPid1IgnoresSigterm) {
  std::string id = run_detached_until_ready({}, "sleep 100; exit 0");
  auto start = Clock::now();
  auto stop = minirun({"stop", "-t", "1", id});
  double took = seconds_since(start);
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_GE(took, 1.0) << "the shell died before the grace period ended";
  EXPECT_EQ(exit_code_of(id), 128 + SIGKILL);
}

TEST_F(EngineInit, ROOT_OtherSignalsAreForwardedToo) {
  std::string id = run_detached_until_ready(
      {"--init"}, "trap 'echo got-usr1; exit 3' USR1; echo trapped; while :; do sleep 0.1; done");
  // "ready" comes before the trap is set; a USR1 before it would end the shell instead.
  auto start = Clock::now();
  while (minirun({"logs", id}).out.find("trapped") == std::string::npos && seconds_since(start) < 10)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto kill = minirun({"kill", "-s", "USR1", id});
  ASSERT_EQ(kill.exit_code, 0) << kill.err;
  auto wait = minirun({"wait", id}, 20);
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  EXPECT_EQ(wait.out, "3\n") << "the shell's USR1 trap ran and chose the exit code";
  EXPECT_NE(minirun({"logs", id}).out.find("got-usr1"), std::string::npos);
}

TEST_F(EngineInit, ROOT_OrphanedZombiesAreReaped) {
  // The subshell exits at once, orphaning its `sleep 0.1`: that sleep is re-parented to
  // PID 1, and when it dies only PID 1 can wait for it.
  auto r = minirun(
      {"run", "--rm", "--init", "busybox", "sh", "-c", "(sleep 0.1 &) ; sleep 1; ps -o stat,comm"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_NE(r.out.find("minirun-init"), std::string::npos) << "ps ran under minirun-init\n"
                                                           << r.out;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line))
    EXPECT_NE(line.rfind("Z", 0), 0u) << "a zombie is left:\n" << r.out;
}

TEST_F(EngineInit, ROOT_ExitCodeIsPassedThrough) {
  auto r = minirun({"run", "--rm", "--init", "busybox", "sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
}

TEST_F(EngineInit, ROOT_MissingCommandExits127) {
  auto r = minirun({"run", "--rm", "--init", "busybox", "no-such-command"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("minirun-init: exec no-such-command: No such file or directory"),
            std::string::npos)
      << r.err;
}

}  // namespace
