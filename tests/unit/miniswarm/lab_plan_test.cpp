// The lab's plan: names, addresses and directories derived from the options, the
// checks on the options, and the boot commands. Pure functions: no root, no kernel.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "miniswarm/lab/lab_plan.hpp"

namespace miniswarm::lab {
namespace {

using minirun::network::format_ipv4;

LabPlan plan_of(int nodes, const std::string& subnet = kDefaultSubnet, const std::string& root = "/tmp/lab") {
  LabOptions options;
  options.nodes = nodes;
  options.subnet = subnet;
  options.root = root;
  auto plan = make_lab_plan(options);
  EXPECT_TRUE(plan.ok()) << plan.error().what();
  return plan.ok() ? *plan : LabPlan{};
}

bool contains(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

TEST(LabPlan, TheBridgeHoldsTheSubnetsFirstAddressAndNodesTheNextOnes) {
  LabPlan plan = plan_of(3);
  EXPECT_EQ(format_ipv4(plan.gateway), "10.231.0.1");
  ASSERT_EQ(plan.nodes.size(), 3u);
  EXPECT_EQ(format_ipv4(plan.nodes[0].address), "10.231.0.2");
  EXPECT_EQ(format_ipv4(plan.nodes[2].address), "10.231.0.4");
  EXPECT_EQ(plan.manager_endpoint(), "10.231.0.2:2377");
}

TEST(LabPlan, EveryNodeHasItsOwnNamesAndDirectories) {
  LabPlan plan = plan_of(16);
  std::set<std::string> seen;
  for (const auto& node : plan.nodes) {
    for (const auto& name : {node.name, node.netns, node.host_veth, node.state_dir, node.image_root}) {
      EXPECT_TRUE(seen.insert(name).second) << name << " is used twice";
    }
  }
  EXPECT_EQ(plan.nodes[1].name, "node-2");
  EXPECT_EQ(plan.nodes[1].netns, "mswlab-node-2");
  EXPECT_EQ(plan.nodes[1].state_dir, "/tmp/lab/node-2");
  EXPECT_EQ(plan.nodes[1].image_root, "/tmp/lab/node-2/images");
}

TEST(LabPlan, HostVethNamesFitIfnamsizForSixteenNodes) {
  for (const auto& node : plan_of(16).nodes) EXPECT_LE(node.host_veth.size(), 15u) << node.host_veth;
}

TEST(LabPlan, OnlyNodeOneIsTheManager) {
  LabPlan plan = plan_of(3);
  EXPECT_TRUE(plan.nodes[0].is_manager());
  EXPECT_FALSE(plan.nodes[1].is_manager());
}

TEST(LabPlan, NodeCountOutsideOneToSixteenIsRefusedNamingTheFlag) {
  for (int n : {0, 17}) {
    LabOptions options;
    options.nodes = n;
    auto plan = make_lab_plan(options);
    ASSERT_FALSE(plan.ok());
    EXPECT_NE(plan.error().what().find("--nodes"), std::string::npos) << plan.error().what();
  }
}

TEST(LabPlan, ARelativeRootIsRefused) {
  LabOptions options;
  options.root = "lab";
  auto plan = make_lab_plan(options);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().what().find("--root"), std::string::npos);
}

TEST(LabPlan, ATrailingSlashOnTheRootIsDropped) {
  EXPECT_EQ(plan_of(1, kDefaultSubnet, "/tmp/lab/").nodes[0].state_dir, "/tmp/lab/node-1");
}

TEST(LabPlan, ASubnetTooSmallForTheNodesIsRefused) {
  LabOptions options;
  options.nodes = 5;
  options.subnet = "10.231.0.0/29";  // 6 usable: the bridge and 5 nodes fit
  EXPECT_TRUE(make_lab_plan(options).ok());
  options.nodes = 6;
  auto plan = make_lab_plan(options);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().what().find("room for 5 nodes"), std::string::npos) << plan.error().what();
}

TEST(LabPlan, ASubnetWithHostBitsIsRefused) {
  LabOptions options;
  options.subnet = "10.231.0.1/24";
  auto plan = make_lab_plan(options);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().what().find("--subnet"), std::string::npos);
}

TEST(LabPlan, AHeartbeatUnder100msIsRefused) {
  LabOptions options;
  options.heartbeat_period_ms = 50;
  EXPECT_FALSE(make_lab_plan(options).ok());
}

TEST(LabPlan, NodesAreFoundByNameOrNumber) {
  LabPlan plan = plan_of(3);
  auto by_name = plan.find("node-2");
  auto by_number = plan.find("2");
  ASSERT_TRUE(by_name.ok());
  ASSERT_TRUE(by_number.ok());
  EXPECT_EQ(*by_name, *by_number);
  auto missing = plan.find("node-4");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().what().find("node-1, node-2, node-3"), std::string::npos) << missing.error().what();
}

TEST(LabPlan, TheManagerBootsWithInitOnItsOwnAddress) {
  LabPlan plan = plan_of(3);
  auto argv = first_boot_argv(plan, plan.nodes[0], "");
  EXPECT_EQ(argv[3], "init");
  EXPECT_TRUE(contains(argv, "--lab"));
  EXPECT_TRUE(contains(argv, "10.231.0.2"));    // advertised
  EXPECT_TRUE(contains(argv, "0.0.0.0:2377"));  // its own agent comes over 127.0.0.1
  EXPECT_TRUE(contains(argv, "1000ms"));
  EXPECT_TRUE(contains(argv, "/tmp/lab/node-1/images"));
}

TEST(LabPlan, WorkersBootWithJoinToTheManagerWithTheirOwnAddressAndStore) {
  LabPlan plan = plan_of(3);
  auto argv = first_boot_argv(plan, plan.nodes[2], "SWMTKN-1-x");
  EXPECT_EQ(argv[3], "join");
  EXPECT_TRUE(contains(argv, "SWMTKN-1-x"));
  EXPECT_EQ(argv.back(), "10.231.0.2:2377");
  EXPECT_TRUE(contains(argv, "10.231.0.4"));
  EXPECT_TRUE(contains(argv, "/tmp/lab/node-3/images"));
  EXPECT_TRUE(contains(argv, "/tmp/lab/node-3"));
}

TEST(LabPlan, ARestartRunsTheDaemonNotInitOrJoin) {
  LabPlan plan = plan_of(3);
  EXPECT_EQ(restart_argv(plan, plan.nodes[0])[3], "manager");
  auto worker = restart_argv(plan, plan.nodes[1]);
  EXPECT_EQ(worker[3], "agent");
  EXPECT_FALSE(contains(worker, "--token"));
}

}  // namespace
}  // namespace miniswarm::lab
