// `miniswarm lab` end to end, as a teacher uses it: three nodes in network namespaces on
// one VM, a service spread over them, a node powered off, a node cut off and healed,
// and `lab down` leaving nothing behind. Root: real namespaces, veths, a bridge,
// containers. Traffic goes only to the lab's own addresses.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "minirun/network/bridge.hpp"
#include "miniswarm/lab/lab_network.hpp"
#include "miniswarm/lab/lab_plan.hpp"
#include "tests/support/test_env.hpp"

#ifndef MINISWARM_BINARY
#define MINISWARM_BINARY "miniswarm"
#endif

namespace minirun::testing {
namespace {

namespace lab = miniswarm::lab;

/// The first 10.23X.0.0/24 (X = 1..9) that overlaps no route or address of the host.
std::string free_lab_subnet() {
  auto routes = lab::list_host_routes();
  auto addresses = lab::list_host_addresses();
  if (!routes || !addresses) return "";
  for (int x = 231; x <= 239; ++x) {
    std::string text = "10." + std::to_string(x) + ".0.0/24";
    auto subnet = network::parse_subnet(text);
    if (subnet && lab::check_subnet_is_free(*subnet, *routes, *addresses)) return text;
  }
  return "";
}

class LabE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    MINIRUN_REQUIRE_ROOT();
    if (network::link_exists(lab::kBridgeName)) GTEST_SKIP() << "a lab is up on this VM (mswlab0 exists)";
    root_ = scratch_.path() + "/lab";
    subnet_ = free_lab_subnet();
    ASSERT_FALSE(subnet_.empty()) << "no free /24 in 10.231-10.239";
    prefix_ = subnet_.substr(0, subnet_.find(".0/24"));  // "10.23X.0"
  }

  void TearDown() override {
    if (!running_as_root() || root_.empty()) return;
    auto cgroups = container_cgroups();
    auto down = lab({"down"});
    EXPECT_EQ(down.exit_code, 0) << down.out << down.err;
    expect_nothing_left(cgroups);
  }

  CommandResult lab(std::vector<std::string> args, int timeout = 120) {
    std::vector<std::string> argv = {MINISWARM_BINARY, "lab"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--root", root_});
    return run_command(argv, {}, timeout);
  }

  CommandResult up(int nodes = 3) { return lab({"up", "--nodes", std::to_string(nodes), "--subnet", subnet_}); }

  std::string node_dir(int i) const { return root_ + "/node-" + std::to_string(i); }

  CommandResult swarm(std::vector<std::string> args) {
    std::vector<std::string> argv = {MINISWARM_BINARY, "--state-dir", node_dir(1)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, 60);
  }

  nlohmann::json api(const std::string& path) {
    httplib::Client client(node_dir(1) + "/manager.sock");
    client.set_address_family(AF_UNIX);
    client.set_read_timeout(5, 0);
    auto reply = client.Get(path.c_str());
    if (!reply || reply->status != 200) return nlohmann::json::array();
    return nlohmann::json::parse(reply->body, nullptr, false);
  }

  /// hostname -> status of the manager's nodes.
  std::map<std::string, std::string> node_states() {
    std::map<std::string, std::string> out;
    for (const auto& n : api("/v1/nodes")) out[n.value("hostname", "")] = n.value("status", "");
    return out;
  }

  std::string node_id(const std::string& hostname) {
    for (const auto& n : api("/v1/nodes")) {
      if (n.value("hostname", "") == hostname) return n.value("id", "");
    }
    return "";
  }

  /// Running tasks of `service`: task id -> node id.
  std::map<std::string, std::string> running_tasks(const std::string& service) {
    std::map<std::string, std::string> out;
    for (const auto& t : api("/v1/tasks?service=" + service)) {
      if (t["status"]["state"] == "running" && t["desired_state"] == "running") out[t["id"]] = t["node_id"];
    }
    return out;
  }

  std::string lab_state_of(const std::string& node) {
    auto ls = lab({"ls", "--format", "json"});
    auto j = nlohmann::json::parse(ls.out, nullptr, false);
    if (!j.is_array()) return "";
    for (const auto& n : j) {
      if (n.value("node", "") == node) return n.value("state", "");
    }
    return "";
  }

  template <class F>
  bool eventually(F condition, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return condition();
  }

  /// Every cgroup directory the nodes' containers were given (the engine's records).
  std::vector<std::string> container_cgroups() {
    std::vector<std::string> paths;
    std::error_code ec;
    for (int i = 1; i <= lab::kMaxNodes; ++i) {
      std::filesystem::path runtime = node_dir(i) + "/engine/runtime";
      if (!std::filesystem::is_directory(runtime, ec)) continue;
      for (const auto& entry : std::filesystem::directory_iterator(runtime, ec)) {
        std::ifstream in(entry.path() / "state.json");
        auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_object() && j.contains("cgroupPaths")) {
          for (const auto& p : j["cgroupPaths"]) paths.push_back(p.get<std::string>());
        }
      }
    }
    return paths;
  }

  void expect_nothing_left(const std::vector<std::string>& cgroups) {
    for (int i = 1; i <= 3; ++i) {
      EXPECT_FALSE(std::filesystem::exists("/run/netns/mswlab-node-" + std::to_string(i))) << "netns left";
      EXPECT_FALSE(network::link_exists("mswlab-node" + std::to_string(i))) << "veth left";
    }
    EXPECT_FALSE(network::link_exists(lab::kBridgeName)) << "bridge left";
    for (const auto& path : cgroups) EXPECT_FALSE(std::filesystem::exists(path)) << "cgroup left: " << path;
    EXPECT_FALSE(std::filesystem::exists(root_)) << "lab root left";
    auto procs = run_command({"pgrep", "-f", root_});
    EXPECT_TRUE(procs.out.empty()) << "processes left:\n" << procs.out;
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; std::getline(mounts, line);) {
      EXPECT_EQ(line.find(root_), std::string::npos) << "mount left: " << line;
      EXPECT_EQ(line.find("/run/netns/mswlab-"), std::string::npos) << "netns mount left: " << line;
    }
  }

  ScratchDir scratch_;
  std::string root_, subnet_, prefix_;
};

TEST_F(LabE2E, ROOT_UpGivesReadyNodesWithTheirOwnHostnamesAndAddresses) {
  auto r = up();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("export MINISWARM_STATE_DIR=" + node_dir(1)), std::string::npos) << r.out;
  std::map<std::string, std::string> addr_of;
  for (const auto& n : api("/v1/nodes")) {
    EXPECT_EQ(n.value("status", ""), "ready") << n.dump();
    addr_of[n.value("hostname", "")] = n.value("addr", "");
  }
  std::map<std::string, std::string> expected = {
      {"node-1", prefix_ + ".2"}, {"node-2", prefix_ + ".3"}, {"node-3", prefix_ + ".4"}};
  EXPECT_EQ(addr_of, expected);
  // The host CLI reaches the manager through the environment variable alone.
  auto ls = run_command({"env", "MINISWARM_STATE_DIR=" + node_dir(1), MINISWARM_BINARY, "node", "ls"});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("node-3"), std::string::npos) << ls.out;
}

TEST_F(LabE2E, ROOT_AServiceRunsOneTaskPerNode) {
  ASSERT_EQ(up().exit_code, 0);
  auto created = swarm({"service", "create", "--detach", "--name", "spread", "--replicas", "3", "busybox", "sleep", "300"});
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  ASSERT_TRUE(eventually([&] { return running_tasks("spread").size() == 3; }, 60000))
      << swarm({"service", "ps", "spread"}).out;
  std::set<std::string> nodes;
  for (const auto& [task, node] : running_tasks("spread")) nodes.insert(node);
  EXPECT_EQ(nodes.size(), 3u) << swarm({"service", "ps", "spread"}).out;
}

TEST_F(LabE2E, ROOT_AKilledNodeGoesDownItsContainersDieAndItsTaskRunsElsewhere) {
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_EQ(swarm({"service", "create", "--detach", "--name", "spread", "--replicas", "3", "busybox", "sleep", "300"})
                .exit_code,
            0);
  ASSERT_TRUE(eventually([&] { return running_tasks("spread").size() == 3; }, 60000));
  const std::string node3 = node_id("node-3");
  auto killed = lab({"kill", "node-3"});
  ASSERT_EQ(killed.exit_code, 0) << killed.out << killed.err;
  // Power loss: nothing of node-3 runs any more, its container (and monitor) included.
  auto procs = run_command({"pgrep", "-f", node_dir(3)});
  EXPECT_TRUE(procs.out.empty()) << "node-3 processes alive after kill:\n" << procs.out;
  EXPECT_EQ(lab_state_of("node-3"), "killed");
  ASSERT_TRUE(eventually([&] { return node_states()["node-3"] == "down"; }, 15000));
  ASSERT_TRUE(eventually([&] {
    auto now = running_tasks("spread");
    if (now.size() != 3) return false;
    for (const auto& [task, node] : now) {
      if (node == node3) return false;
    }
    return true;
  }, 30000)) << swarm({"service", "ps", "spread"}).out;
}

TEST_F(LabE2E, ROOT_AKilledNodeStartsAgainAndIsReady) {
  ASSERT_EQ(up(2).exit_code, 0);
  ASSERT_EQ(lab({"kill", "node-2"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return node_states()["node-2"] == "down"; }, 15000));
  auto started = lab({"start", "node-2"});
  ASSERT_EQ(started.exit_code, 0) << started.out << started.err;
  EXPECT_EQ(node_states()["node-2"], "ready");
  EXPECT_EQ(lab_state_of("node-2"), "running");
}

TEST_F(LabE2E, ROOT_APartitionedNodeGoesDownAndHealsBackToReady) {
  ASSERT_EQ(up().exit_code, 0);
  auto cut = lab({"partition", "node-2"});
  ASSERT_EQ(cut.exit_code, 0) << cut.out << cut.err;
  EXPECT_EQ(lab_state_of("node-2"), "partitioned");
  ASSERT_TRUE(eventually([&] { return node_states()["node-2"] == "down"; }, 15000)) << lab({"ls"}).out;
  EXPECT_EQ(node_states()["node-3"], "ready");
  auto healed = lab({"heal", "node-2"});
  ASSERT_EQ(healed.exit_code, 0) << healed.out << healed.err;
  EXPECT_EQ(lab_state_of("node-2"), "running");
  ASSERT_TRUE(eventually([&] { return node_states()["node-2"] == "ready"; }, 20000));
}

TEST_F(LabE2E, ROOT_DownLeavesNothingBehindAndASecondDownIsANoOp) {
  ASSERT_EQ(up().exit_code, 0);
  ASSERT_EQ(swarm({"service", "create", "--detach", "--name", "spread", "--replicas", "3", "busybox", "sleep", "300"})
                .exit_code,
            0);
  ASSERT_TRUE(eventually([&] { return running_tasks("spread").size() == 3; }, 60000));
  auto cgroups = container_cgroups();
  EXPECT_FALSE(cgroups.empty());
  auto down = lab({"down"});
  ASSERT_EQ(down.exit_code, 0) << down.out << down.err;
  expect_nothing_left(cgroups);
  auto again = lab({"down"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to remove"), std::string::npos) << again.out;
}

TEST_F(LabE2E, ROOT_ASecondUpIsRefusedNamingDown) {
  ASSERT_EQ(up(1).exit_code, 0);
  auto second = up(1);
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("lab down"), std::string::npos) << second.err;
  EXPECT_EQ(node_states()["node-1"], "ready") << "the refused up must not touch the running lab";
}

TEST_F(LabE2E, ROOT_ASubnetOverlappingAHostRouteIsRefusedAndNothingIsMade) {
  auto routes = lab::list_host_routes();
  ASSERT_TRUE(routes.ok());
  ASSERT_FALSE(routes->empty());
  subnet_ = routes->front().destination.to_string();
  if (routes->front().destination.prefix < 8 || routes->front().destination.prefix > 28) GTEST_SKIP() << subnet_;
  auto r = up(1);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("overlaps the host route " + subnet_), std::string::npos) << r.err;
  EXPECT_FALSE(network::link_exists(lab::kBridgeName));
  EXPECT_FALSE(std::filesystem::exists(root_));
}

}  // namespace
}  // namespace minirun::testing
