// The global orchestrator: one task per eligible node (miniswarm/orchestrator/global.hpp).
#include <gtest/gtest.h>

#include "orchestrator_test_support.hpp"

namespace miniswarm::orchestrator {
namespace {

using testing::ClusterSim;
using testing::global_service;
using testing::ids_of;
using testing::ready_node;

std::vector<std::string> nodes_of(const std::vector<Task>& tasks) {
  std::vector<std::string> out;
  for (const Task& t : tasks) out.push_back(t.node_id);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(GlobalOrchestrator, OneTaskPerEligibleNode) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2"), ready_node("n3"), ready_node("n4")};
  c.node("n3").availability = NodeAvailability::kDrain;
  c.node("n4").status = NodeStatus::kDown;
  c.services = {global_service("agent")};
  OrchestratorActions a = c.run();
  EXPECT_EQ(nodes_of(a.create), (std::vector<std::string>{"n1", "n2"}));
  for (const Task& t : a.create) {
    EXPECT_EQ(t.slot, 0u);
    EXPECT_EQ(t.status.state, TaskState::kPending);
    EXPECT_EQ(t.desired_state, TaskState::kRunning);
  }
}

TEST(GlobalOrchestrator, IsIdempotentOnItsOwnOutput) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {global_service("agent")};
  c.run();
  EXPECT_TRUE(c.run().empty());
}

TEST(GlobalOrchestrator, NewNodeGetsATask) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {global_service("agent")};
  c.run();
  c.nodes.push_back(ready_node("n2"));
  OrchestratorActions a = c.run();
  EXPECT_EQ(nodes_of(a.create), (std::vector<std::string>{"n2"}));
  EXPECT_EQ(a.create[0].status.message, "created for node n2-host");
}

TEST(GlobalOrchestrator, DrainedNodesTaskIsShutDownNotMoved) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {global_service("agent")};
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n2");
  c.node("n1").availability = NodeAvailability::kDrain;
  OrchestratorActions a = c.run();
  EXPECT_EQ(ids_of(a.update), (std::vector<std::string>{"t1"}));
  EXPECT_EQ(a.update[0].desired_state, TaskState::kShutdown);
  EXPECT_TRUE(a.create.empty());
}

TEST(GlobalOrchestrator, PendingTaskOfDownNodeIsDeleted) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {global_service("agent")};
  c.run();  // t1 PENDING on n1, not yet confirmed by the scheduler
  c.node("n1").status = NodeStatus::kDown;
  OrchestratorActions a = c.run();
  EXPECT_EQ(a.remove, (std::vector<std::string>{"t1"}));
  EXPECT_TRUE(a.create.empty());
}

TEST(GlobalOrchestrator, ConstraintLimitsTheNodes) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2"), ready_node("n3")};
  c.node("n1").labels["zone"] = "a";
  c.node("n2").labels["zone"] = "b";
  c.node("n3").role = NodeRole::kManager;
  c.node("n3").labels["zone"] = "a";
  c.services = {global_service("agent")};
  c.service("agent").spec.placement.constraints = {"node.labels.zone==a", "node.role!=manager"};
  EXPECT_EQ(nodes_of(c.run().create), (std::vector<std::string>{"n1"}));
}

TEST(GlobalOrchestrator, NodeThatStopsMatchingLosesItsTask) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.node("n1").labels["zone"] = "a";
  c.services = {global_service("agent")};
  c.service("agent").spec.placement.constraints = {"node.labels.zone==a"};
  c.run();
  c.start("t1", "n1");
  c.node("n1").labels.erase("zone");  // `node update --label-rm zone`
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.update.size(), 1u);
  EXPECT_EQ(a.update[0].desired_state, TaskState::kShutdown);
  EXPECT_NE(a.reasons.at("t1").find("does not satisfy constraint `node.labels.zone==a`"),
            std::string::npos)
      << a.reasons.at("t1");
  EXPECT_TRUE(a.create.empty());
}

TEST(GlobalOrchestrator, FailedTaskRestartsOnTheSameNode) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {global_service("agent")};
  c.service("agent").spec.restart.delay_ms = 2000;
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n2");
  c.end("t1", TaskState::kFailed, 1);
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].node_id, "n1");
  EXPECT_EQ(a.create[0].restart_attempt, 1u);
  EXPECT_EQ(a.create[0].not_before_ms, c.now + 2000);
  EXPECT_EQ(ids_of(a.update), (std::vector<std::string>{"t1"}));
}

TEST(GlobalOrchestrator, MaxAttemptsCountPerNode) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {global_service("agent")};
  c.service("agent").spec.restart.max_attempts = 1;
  c.run();
  c.end("t1", TaskState::kFailed, 1, "", "n1");
  ASSERT_EQ(c.run().create.size(), 1u);  // t3 on n1: restart 1 of 1
  c.end("t3", TaskState::kFailed, 1, "", "n1");
  c.end("t2", TaskState::kFailed, 1, "", "n2");
  OrchestratorActions a = c.run();  // n1 is out of attempts, n2 has all of its own
  EXPECT_EQ(nodes_of(a.create), (std::vector<std::string>{"n2"}));
  EXPECT_TRUE(a.not_restarted.count("t3"));
}

TEST(GlobalOrchestrator, PausedNodeGetsNoNewTask) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.node("n1").availability = NodeAvailability::kPause;
  c.services = {global_service("agent")};
  EXPECT_TRUE(c.run().empty());
}

TEST(GlobalOrchestrator, StoppedTaskOnPausedNodeWaitsUntilItIsActive) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {global_service("agent")};
  c.run();
  c.end("t1", TaskState::kFailed, 1, "", "n1");
  c.node("n1").availability = NodeAvailability::kPause;
  OrchestratorActions paused = c.run();
  EXPECT_TRUE(paused.empty());
  EXPECT_NE(paused.not_restarted.at("t1").find("paused"), std::string::npos);
  c.node("n1").availability = NodeAvailability::kActive;
  EXPECT_EQ(c.run().create.size(), 1u);
}

TEST(GlobalOrchestrator, BadConstraintLeavesTasksAloneAndWarns) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {global_service("agent")};
  c.run();
  c.start("t1", "n1");
  c.service("agent").spec.placement.constraints = {"node.label.zone==a"};
  OrchestratorActions a = c.run();
  EXPECT_TRUE(a.empty());
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_NE(a.warnings[0].find("unknown attribute `node.label.zone`"), std::string::npos) << a.warnings[0];
  EXPECT_NE(a.warnings[0].find("service update"), std::string::npos) << a.warnings[0];
}

}  // namespace
}  // namespace miniswarm::orchestrator
