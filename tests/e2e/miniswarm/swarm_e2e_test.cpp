// The real `miniswarm` program end to end, as a learner uses it: init a manager in lab
// mode, join a second node (another state dir on the same VM), run a service, kill a
// task and a node, and leave without leftovers. Root: the tasks are real containers.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/test_env.hpp"

#ifndef MINISWARM_BINARY
#define MINISWARM_BINARY "miniswarm"
#endif

namespace minirun::testing {
namespace {

class SwarmE2E : public ::testing::Test {
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
    // Leave on every node, whatever the test did: it stops the daemons and removes the
    // task containers. Then nothing of ours may remain.
    for (const auto& dir : {worker_dir_, manager_dir_}) {
      if (::access((dir + "/daemon.pid").c_str(), F_OK) == 0 || ::access((dir + "/engine").c_str(), F_OK) == 0) {
        swarm(dir, {"leave", "--force"});
      }
      auto ps = run_command({MINIRUN_BINARY, "--data-root", dir + "/engine", "--image-root", images_, "ps", "-a", "-q"});
      EXPECT_TRUE(ps.out.empty()) << "containers left in " << dir << ":\n" << ps.out;
    }
    auto procs = run_command({"pgrep", "-f", scratch_.path()});
    EXPECT_TRUE(procs.out.empty()) << "processes left:\n" << procs.out;
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; std::getline(mounts, line);) {
      EXPECT_EQ(line.find(scratch_.path()), std::string::npos) << "mount left: " << line;
    }
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

  void init_manager() {
    auto r = swarm(manager_dir_, {"init", "--lab", "--listen-addr", "127.0.0.1:" + std::to_string(port_),
                                  "--image-root", images_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_NE(r.out.find("miniswarm join --token SWMTKN-1-"), std::string::npos) << r.out;
  }

  /// The running tasks of a service: task id -> node id.
  std::map<std::string, std::string> running_tasks(const std::string& service) {
    std::map<std::string, std::string> out;
    for (const auto& t : api("/v1/tasks?service=" + service)) {
      if (t["status"]["state"] == "running" && t["desired_state"] == "running") out[t["id"]] = t["node_id"];
    }
    return out;
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

  ScratchDir scratch_;
  std::string manager_dir_, worker_dir_, images_;
  int port_ = 0;
};

TEST_F(SwarmE2E, ROOT_ServiceRunsAndAKilledTaskIsReplaced) {
  init_manager();
  auto created = swarm(manager_dir_, {"service", "create", "--detach", "--name", "sleepy", "--replicas", "2",
                                      "--restart-delay", "0s", "busybox", "sleep", "300"});
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  ASSERT_TRUE(eventually([&] { return running_tasks("sleepy").size() == 2; }, 20000))
      << swarm(manager_dir_, {"service", "ps", "sleepy"}).out;

  // Kill one task's container behind the swarm's back.
  auto before = running_tasks("sleepy");
  std::string victim_task = before.begin()->first;
  std::string container;
  for (const auto& t : api("/v1/tasks?service=sleepy")) {
    if (t["id"] == victim_task) container = t["container_id"];
  }
  ASSERT_FALSE(container.empty());
  auto killed = run_command({MINIRUN_BINARY, "--data-root", manager_dir_ + "/engine", "--image-root", images_, "kill", container});
  ASSERT_EQ(killed.exit_code, 0) << killed.err;

  ASSERT_TRUE(eventually([&] {
    auto now = running_tasks("sleepy");
    return now.size() == 2 && !now.count(victim_task);
  }, 10000)) << swarm(manager_dir_, {"service", "ps", "sleepy"}).out;
  // The old task stays as history, ended.
  for (const auto& t : api("/v1/tasks?service=sleepy")) {
    if (t["id"] == victim_task) {
      EXPECT_EQ(t["desired_state"], "shutdown");
      EXPECT_NE(t["status"]["state"], "running");
    }
  }
}

TEST_F(SwarmE2E, ROOT_SecondNodeJoinsAndItsTasksMoveWhenItDies) {
  init_manager();
  auto token = swarm(manager_dir_, {"join-token", "-q", "worker"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string t = token.out.substr(0, token.out.find('\n'));
  auto joined = swarm(worker_dir_, {"join", "--token", t, "--image-root", images_,
                                    "127.0.0.1:" + std::to_string(port_)});
  ASSERT_EQ(joined.exit_code, 0) << joined.out << joined.err;
  ASSERT_TRUE(eventually([&] {
    int ready = 0;
    for (const auto& n : api("/v1/nodes")) ready += n["status"] == "ready";
    return ready == 2;
  }, 10000));

  auto created = swarm(manager_dir_, {"service", "create", "--detach", "--name", "spread", "--replicas", "4",
                                      "busybox", "sleep", "300"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_TRUE(eventually([&] { return running_tasks("spread").size() == 4; }, 20000));
  std::map<std::string, int> per_node;
  for (const auto& [task, node] : running_tasks("spread")) ++per_node[node];
  EXPECT_EQ(per_node.size(), 2u) << "spread puts 2 tasks on each node";

  // Power loss on the worker: its agent dies at once (its containers keep running).
  std::ifstream pid_file(worker_dir_ + "/daemon.pid");
  int pid = 0;
  pid_file >> pid;
  ASSERT_GT(pid, 1);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] {
    auto now = running_tasks("spread");
    if (now.size() != 4) return false;
    std::set<std::string> nodes;
    for (const auto& [task, node] : now) nodes.insert(node);
    return nodes.size() == 1;  // all four on the manager
  }, 15000)) << swarm(manager_dir_, {"service", "ps", "spread"}).out;
  auto took = std::chrono::steady_clock::now() - killed_at;
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST_F(SwarmE2E, ROOT_JoinWithAWrongTokenFailsAndLeavesNothing) {
  init_manager();
  auto joined = swarm(worker_dir_, {"join", "--token",
                                    "SWMTKN-1-0000000000000000000000000000000000000000000000000-0000000000000000000000000",
                                    "127.0.0.1:" + std::to_string(port_)});
  EXPECT_NE(joined.exit_code, 0);
  EXPECT_NE(joined.err.find("miniswarm:"), std::string::npos) << joined.err;
  EXPECT_NE(::access((worker_dir_ + "/certificates/node.crt").c_str(), F_OK), 0);
  EXPECT_NE(::access((worker_dir_ + "/daemon.pid").c_str(), F_OK), 0);
}


TEST_F(SwarmE2E, ROOT_ManagerKilledMidDeployComesBackAndConverges) {
  init_manager();
  auto created = swarm(manager_dir_, {"service", "create", "--detach", "--name", "steady", "--replicas", "6",
                                      "busybox", "sleep", "300"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  // SIGKILL in the middle of the deploy: the manager and its own agent die at once.
  std::ifstream pid_file(manager_dir_ + "/daemon.pid");
  int pid = 0;
  pid_file >> pid;
  ASSERT_GT(pid, 1);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  // Started again (what `miniswarm manager` does in the foreground), detached.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    std::string log = manager_dir_ + "/restart.log";
    FILE* out = std::freopen(log.c_str(), "a", stderr);
    (void)out;
    ::execl(MINISWARM_BINARY, MINISWARM_BINARY, "--state-dir", manager_dir_.c_str(), "manager", "--listen-addr",
            ("127.0.0.1:" + std::to_string(port_)).c_str(), "--image-root", images_.c_str(), nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);

  ASSERT_TRUE(eventually([&] { return running_tasks("steady").size() == 6; }, 20000))
      << swarm(manager_dir_, {"service", "ps", "steady"}).out;
  // The service is intact, and no slot got a second live task.
  auto services = api("/v1/services");
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0]["spec"]["replicas"], 6);
  std::map<uint64_t, int> live_per_slot;
  for (const auto& t : api("/v1/tasks?service=steady")) {
    if (t["desired_state"] == "running") ++live_per_slot[t["slot"].get<uint64_t>()];
  }
  EXPECT_EQ(live_per_slot.size(), 6u);
  for (const auto& [slot, n] : live_per_slot) EXPECT_EQ(n, 1) << "slot " << slot;
  // Every container of the node belongs to a live task: none was started twice.
  auto ps = run_command({MINIRUN_BINARY, "--data-root", manager_dir_ + "/engine", "--image-root", images_, "ps", "-q"});
  EXPECT_EQ(std::count(ps.out.begin(), ps.out.end(), '\n'), 6) << ps.out;
}

TEST_F(SwarmE2E, ROOT_RebalanceSpreadsTasksOntoANodeThatJoinedLater) {
  init_manager();
  auto created = swarm(manager_dir_, {"service", "create", "--detach", "--name", "early", "--replicas", "4",
                                      "busybox", "sleep", "300"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_TRUE(eventually([&] { return running_tasks("early").size() == 4; }, 20000));
  auto token = swarm(manager_dir_, {"join-token", "-q", "worker"});
  auto joined = swarm(worker_dir_, {"join", "--token", token.out.substr(0, token.out.find('\n')), "--image-root",
                                    images_, "127.0.0.1:" + std::to_string(port_)});
  ASSERT_EQ(joined.exit_code, 0) << joined.err;
  ASSERT_TRUE(eventually([&] {
    int ready = 0;
    for (const auto& n : api("/v1/nodes")) ready += n["status"] == "ready";
    return ready == 2;
  }, 10000));
  // Swarm leaves the new node empty: running tasks are never moved by themselves.
  std::set<std::string> nodes_used;
  for (const auto& [task, node] : running_tasks("early")) nodes_used.insert(node);
  EXPECT_EQ(nodes_used.size(), 1u);

  auto rebalanced = swarm(manager_dir_, {"rebalance", "early"});
  ASSERT_EQ(rebalanced.exit_code, 0) << rebalanced.err;
  EXPECT_NE(rebalanced.out.find("moves 2 of 4"), std::string::npos) << rebalanced.out;
  ASSERT_TRUE(eventually([&] {
    std::map<std::string, int> per_node;
    auto now = running_tasks("early");
    for (const auto& [task, node] : now) ++per_node[node];
    return now.size() == 4 && per_node.size() == 2 && per_node.begin()->second == 2;
  }, 20000)) << swarm(manager_dir_, {"service", "ps", "early"}).out;
}

}  // namespace
}  // namespace minirun::testing
