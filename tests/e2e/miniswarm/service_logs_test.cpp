// `miniswarm service logs` end to end: a manager and a joined node on loopback (as in
// swarm_e2e_test.cpp), real task containers, and the lines travelling from each node's
// container log through the agents and the manager's log broker to the command.
// Root: the tasks are real containers. Every path is a temp dir (nothing in /var/lib).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/test_env.hpp"

#ifndef MINISWARM_BINARY
#define MINISWARM_BINARY "miniswarm"
#endif

namespace minirun::testing {
namespace {

class ServiceLogsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    MINIRUN_REQUIRE_ROOT();
    manager_dir_ = scratch_.path() + "/manager";
    worker_dir_ = scratch_.path() + "/worker";
    images_ = scratch_.path() + "/images";
    port_ = free_loopback_port();
  }

  void TearDown() override {
    if (!running_as_root()) return;
    if (follower_ > 0) {
      ::kill(follower_, SIGKILL);
      ::waitpid(follower_, nullptr, 0);
    }
    for (const auto& dir : {worker_dir_, manager_dir_}) {
      if (::access((dir + "/daemon.pid").c_str(), F_OK) == 0 || ::access((dir + "/engine").c_str(), F_OK) == 0) {
        swarm(dir, {"leave", "--force"});
      }
      auto ps = run_command({MINIRUN_BINARY, "--data-root", dir + "/engine", "--image-root", images_, "ps", "-a", "-q"});
      EXPECT_TRUE(ps.out.empty()) << "containers left in " << dir << ":\n" << ps.out;
    }
    auto procs = run_command({"pgrep", "-f", scratch_.path()});
    EXPECT_TRUE(procs.out.empty()) << "processes left:\n" << procs.out;
  }

  CommandResult swarm(const std::string& state_dir, std::vector<std::string> args, int timeout = 60) {
    std::vector<std::string> argv = {MINISWARM_BINARY, "--state-dir", state_dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, timeout);
  }

  nlohmann::json api(const std::string& path) {
    httplib::Client client(manager_dir_ + "/manager.sock");
    client.set_address_family(AF_UNIX);
    auto reply = client.Get(path.c_str());
    if (!reply || reply->status != 200) return nlohmann::json();
    return nlohmann::json::parse(reply->body);
  }

  template <class F>
  bool eventually(F condition, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
  }

  void init_manager() {
    auto r = swarm(manager_dir_, {"init", "--lab", "--listen-addr", "127.0.0.1:" + std::to_string(port_),
                                  "--image-root", images_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  void join_worker() {
    auto token = swarm(manager_dir_, {"join-token", "-q", "worker"});
    ASSERT_EQ(token.exit_code, 0) << token.err;
    auto joined = swarm(worker_dir_, {"join", "--token", token.out.substr(0, token.out.find('\n')), "--image-root",
                                      images_, "127.0.0.1:" + std::to_string(port_)});
    ASSERT_EQ(joined.exit_code, 0) << joined.out << joined.err;
    ASSERT_TRUE(eventually([&] {
      int ready = 0;
      for (const auto& n : api("/v1/nodes")) ready += n["status"] == "ready";
      return ready == 2;
    }, 10000));
  }

  /// The running tasks of a service, as the API lists them.
  std::vector<nlohmann::json> running_tasks(const std::string& service) {
    std::vector<nlohmann::json> out;
    for (const auto& t : api("/v1/tasks?service=" + service)) {
      if (t["status"]["state"] == "running" && t["desired_state"] == "running") out.push_back(t);
    }
    return out;
  }

  /// "web.1.k2j4xyz0abcd@host": what `service logs` puts before each of the task's lines.
  std::string prefix_of(const nlohmann::json& task) {
    std::string hostname;
    for (const auto& n : api("/v1/nodes")) {
      if (n["id"] == task["node_id"]) hostname = n["hostname"];
    }
    return task["service_name"].get<std::string>() + "." + std::to_string(task["slot"].get<int>()) + "." +
           task["id"].get<std::string>().substr(0, 12) + "@" + hostname;
  }

  /// Starts `miniswarm service logs ARGS` in the background, its stdout to `out_path`.
  void start_follower(const std::vector<std::string>& args, const std::string& out_path) {
    std::vector<std::string> argv = {MINISWARM_BINARY, "--state-dir", manager_dir_, "service", "logs"};
    argv.insert(argv.end(), args.begin(), args.end());
    follower_ = ::fork();
    ASSERT_GE(follower_, 0);
    if (follower_ == 0) {
      int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      std::vector<char*> c_argv;
      for (auto& a : argv) c_argv.push_back(a.data());
      c_argv.push_back(nullptr);
      ::execv(MINISWARM_BINARY, c_argv.data());
      ::_exit(127);
    }
  }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  ScratchDir scratch_;
  std::string manager_dir_, worker_dir_, images_;
  int port_ = 0;
  pid_t follower_ = -1;
};

TEST_F(ServiceLogsE2E, ROOT_LogsOfAServiceComeFromEveryNodeWithDockersPrefixes) {
  init_manager();
  join_worker();
  auto created = swarm(manager_dir_, {"service", "create", "--detach", "--name", "hello", "--replicas", "2",
                                      "busybox", "sh", "-c", "echo hello on stdout; echo oops >&2; sleep 300"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_TRUE(eventually([&] { return running_tasks("hello").size() == 2; }, 20000))
      << swarm(manager_dir_, {"service", "ps", "hello"}).out;
  auto tasks = running_tasks("hello");
  ASSERT_NE(tasks[0]["node_id"], tasks[1]["node_id"]) << "spread puts one task on each node";

  CommandResult logs;
  // The containers have started; their first line reaches the log a moment later.
  ASSERT_TRUE(eventually([&] {
    logs = swarm(manager_dir_, {"service", "logs", "hello"});
    return logs.exit_code == 0 && std::count(logs.out.begin(), logs.out.end(), '\n') == 2;
  }, 10000)) << logs.out << logs.err;
  for (const auto& t : tasks) {
    EXPECT_NE(logs.out.find(prefix_of(t) + "    | hello on stdout\n"), std::string::npos) << logs.out;
    EXPECT_NE(logs.err.find(prefix_of(t) + "    | oops\n"), std::string::npos) << logs.err;
  }
  EXPECT_EQ(logs.err.find("warning"), std::string::npos) << logs.err;

  // A task id selects that task alone.
  auto one = swarm(manager_dir_, {"service", "logs", "--raw", tasks[1]["id"].get<std::string>()});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "hello on stdout\n");

  // An unknown name says so.
  auto unknown = swarm(manager_dir_, {"service", "logs", "nosuchservice"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no such service or task: `nosuchservice`"), std::string::npos) << unknown.err;
}

TEST_F(ServiceLogsE2E, ROOT_FollowShowsNewLinesAndEndsWhenTheCommandIsStopped) {
  init_manager();
  auto created = swarm(manager_dir_, {"service", "create", "--detach", "--name", "ticker", "busybox", "sh", "-c",
                                      "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_TRUE(eventually([&] { return running_tasks("ticker").size() == 1; }, 20000));

  // --tail 0: nothing that was there before; every line shown was printed after the start.
  const std::string out_path = scratch_.path() + "/follow.out";
  start_follower({"-f", "--tail", "0", "--no-task-ids", "ticker"}, out_path);
  ASSERT_TRUE(eventually([&] { return read_file(out_path).find("| tick ") != std::string::npos; }, 10000))
      << read_file(out_path);
  ASSERT_EQ(api("/v1/logs/subscriptions").size(), 1u);

  ASSERT_EQ(::kill(follower_, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(follower_, &status, 0), follower_);
  follower_ = -1;
  EXPECT_TRUE(WIFSIGNALED(status) || WIFEXITED(status));
  // The manager notices the closed connection at its next keep-alive and drops the
  // subscription; the agent sees it gone at its next long poll and stops following.
  EXPECT_TRUE(eventually([&] { return api("/v1/logs/subscriptions").empty(); }, 5000))
      << api("/v1/logs/subscriptions").dump();
}

}  // namespace
}  // namespace minirun::testing
