// rebalance moves only the surplus, off the fullest nodes (rebalance.hpp).
#include <gtest/gtest.h>

#include "miniswarm/orchestrator/rebalance.hpp"

namespace miniswarm::orchestrator {
namespace {

Node ready_node(const std::string& id) {
  Node n;
  n.id = id;
  n.hostname = id;
  n.status = NodeStatus::kReady;
  return n;
}

Task running_task(const Service& s, uint64_t slot, const std::string& node) {
  Task t;
  t.id = s.id + "-" + std::to_string(slot);
  t.service_id = s.id;
  t.slot = slot;
  t.node_id = node;
  t.status.state = TaskState::kRunning;
  return t;
}

Service web(uint64_t replicas) {
  Service s;
  s.id = "web";
  s.spec.name = "web";
  s.spec.replicas = replicas;
  return s;
}

TEST(Rebalance, SixTasksOnTwoNodesMoveTwoToTheNewThirdNode) {
  Service s = web(6);
  std::vector<Node> nodes = {ready_node("a"), ready_node("b"), ready_node("c")};
  std::vector<Task> tasks;
  for (uint64_t slot = 1; slot <= 6; ++slot) tasks.push_back(running_task(s, slot, slot <= 3 ? "a" : "b"));
  auto plan = plan_rebalance(s, tasks, nodes);
  ASSERT_EQ(plan.stop.size(), 2u) << plan.summary;
  for (const auto& t : plan.stop) EXPECT_EQ(t.desired_state, TaskState::kShutdown);
  // One off each full node, highest slot first.
  EXPECT_EQ(plan.stop[0].id, "web-3");
  EXPECT_EQ(plan.stop[1].id, "web-6");
}

TEST(Rebalance, SpreadServiceIsLeftAlone) {
  Service s = web(4);
  std::vector<Node> nodes = {ready_node("a"), ready_node("b")};
  std::vector<Task> tasks = {running_task(s, 1, "a"), running_task(s, 2, "b"), running_task(s, 3, "a"),
                             running_task(s, 4, "b")};
  auto plan = plan_rebalance(s, tasks, nodes);
  EXPECT_TRUE(plan.stop.empty());
  EXPECT_NE(plan.summary.find("already spread"), std::string::npos) << plan.summary;
}

TEST(Rebalance, NodesThatCannotTakeTheTasksDoNotCount) {
  Service s = web(4);
  s.spec.placement.constraints = {"node.labels.zone==a"};
  Node a = ready_node("a");
  a.labels["zone"] = "a";
  Node drained = ready_node("d");
  drained.labels["zone"] = "a";
  drained.availability = NodeAvailability::kDrain;
  Node elsewhere = ready_node("e");  // no zone label
  std::vector<Task> tasks;
  for (uint64_t slot = 1; slot <= 4; ++slot) tasks.push_back(running_task(s, slot, "a"));
  auto plan = plan_rebalance(s, tasks, {a, drained, elsewhere});
  EXPECT_TRUE(plan.stop.empty()) << plan.summary;
}

TEST(Rebalance, EndedAndStoppingTasksAreNotMoved) {
  Service s = web(2);
  std::vector<Node> nodes = {ready_node("a"), ready_node("b")};
  Task ended = running_task(s, 1, "a");
  ended.status.state = TaskState::kFailed;
  Task stopping = running_task(s, 2, "a");
  stopping.desired_state = TaskState::kShutdown;
  std::vector<Task> tasks = {ended, stopping, running_task(s, 3, "a")};
  auto plan = plan_rebalance(s, tasks, nodes);
  EXPECT_TRUE(plan.stop.empty()) << plan.summary;
}

TEST(Rebalance, GlobalServiceHasNothingToMove) {
  Service s = web(1);
  s.spec.mode = ServiceMode::kGlobal;
  auto plan = plan_rebalance(s, {running_task(s, 0, "a")}, {ready_node("a"), ready_node("b")});
  EXPECT_TRUE(plan.stop.empty());
}

}  // namespace
}  // namespace miniswarm::orchestrator
