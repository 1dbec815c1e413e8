// The replicated orchestrator: slots 1..N, scaling, duplicates, failed nodes
// (miniswarm/orchestrator/replicated.hpp). Restart policy cases are in
// orchestrator_restart_test.cpp.
#include <gtest/gtest.h>

#include <set>

#include "orchestrator_test_support.hpp"

namespace miniswarm::orchestrator {
namespace {

using testing::ClusterSim;
using testing::ready_node;
using testing::replicated_service;
using testing::slots_of;

TEST(ReplicatedOrchestrator, NewServiceGetsOneTaskPerSlot) {
  ClusterSim c;
  c.services = {replicated_service("web", 3)};
  OrchestratorActions a = c.run();
  EXPECT_EQ(slots_of(a.create), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(a.update.empty());
  EXPECT_TRUE(a.remove.empty());
}

TEST(ReplicatedOrchestrator, NewTaskIsPendingDesiredRunningWithTheServiceSpec) {
  ClusterSim c;
  Service web = replicated_service("web", 1);
  web.spec_version = 7;
  web.spec.container.args = {"httpd", "-f"};
  c.services = {web};
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.create.size(), 1u);
  const Task& t = a.create[0];
  EXPECT_EQ(t.service_id, "web");
  EXPECT_EQ(t.service_name, "web");
  EXPECT_EQ(t.spec, web.spec);
  EXPECT_EQ(t.spec_version, 7u);
  EXPECT_EQ(t.desired_state, TaskState::kRunning);
  EXPECT_EQ(t.status.state, TaskState::kPending);
  EXPECT_EQ(t.status.message, "created");
  ASSERT_EQ(t.history.size(), 1u);
  EXPECT_EQ(t.history[0].state, TaskState::kNew);
  EXPECT_EQ(t.created_ms, c.now);
  EXPECT_TRUE(t.node_id.empty());
  EXPECT_EQ(t.restart_attempt, 0u);
  EXPECT_EQ(t.not_before_ms, 0);
}

TEST(ReplicatedOrchestrator, IsIdempotentOnItsOwnOutput) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 3), replicated_service("db", 1)};
  ASSERT_FALSE(c.run().empty());
  OrchestratorActions again = c.run();
  EXPECT_TRUE(again.empty());
  EXPECT_FALSE(again.wake_at_ms.has_value());
}

TEST(ReplicatedOrchestrator, ScaleUpAddsOnlyMissingSlots) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 2)};
  c.run();
  c.start("t1", "n1");
  c.service("web").spec.replicas = 4;
  OrchestratorActions a = c.run();
  EXPECT_EQ(slots_of(a.create), (std::vector<uint64_t>{3, 4}));
  EXPECT_TRUE(a.update.empty());
  EXPECT_TRUE(a.remove.empty());
}

TEST(ReplicatedOrchestrator, ScaleDownShutsDownTheHighestSlots) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 4)};
  c.run();
  for (const char* id : {"t1", "t2", "t3", "t4"}) c.start(id, "n1");
  c.service("web").spec.replicas = 2;
  OrchestratorActions a = c.run();
  EXPECT_TRUE(a.create.empty());
  ASSERT_EQ(a.update.size(), 2u);
  EXPECT_EQ(slots_of(a.update), (std::vector<uint64_t>{3, 4}));
  for (const Task& t : a.update) {
    EXPECT_EQ(t.desired_state, TaskState::kShutdown);
    EXPECT_NE(a.reasons.at(t.id).find("scaled down to 2"), std::string::npos) << a.reasons.at(t.id);
  }
  EXPECT_EQ(slots_of(c.runnable("web")), (std::vector<uint64_t>{1, 2}));
}

TEST(ReplicatedOrchestrator, ScaleDownDeletesTasksNoNodeHasTaken) {
  ClusterSim c;
  c.services = {replicated_service("web", 3)};
  c.run();  // t1..t3, all PENDING: no node has them
  c.service("web").spec.replicas = 1;
  OrchestratorActions a = c.run();
  EXPECT_TRUE(a.update.empty());
  EXPECT_EQ(a.remove, (std::vector<std::string>{"t2", "t3"}));
  EXPECT_NE(a.reasons.at("t3").find("scaled down to 1 replica"), std::string::npos) << a.reasons.at("t3");
  EXPECT_TRUE(c.run().empty());
}

TEST(ReplicatedOrchestrator, KeepsTheNewestOfTwoTasksInOneSlot) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 1)};
  c.run();
  c.start("t1", "n1");
  Task twin = c.task("t1");
  twin.id = "t0-twin";
  twin.created_ms = c.task("t1").created_ms + 5;
  c.tasks.push_back(twin);
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.update.size(), 1u);
  EXPECT_EQ(a.update[0].id, "t1");
  EXPECT_EQ(a.update[0].desired_state, TaskState::kShutdown);
  EXPECT_TRUE(a.create.empty());
}

TEST(ReplicatedOrchestrator, TaskOnDownNodeIsReplacedWithoutDelay) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {replicated_service("web", 1)};
  c.service("web").spec.restart.delay_ms = 10'000;
  c.run();
  c.start("t1", "n1");
  c.node("n1").status = NodeStatus::kDown;
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.update.size(), 1u);
  EXPECT_EQ(a.update[0].id, "t1");
  EXPECT_EQ(a.update[0].desired_state, TaskState::kShutdown);
  ASSERT_EQ(a.create.size(), 1u);
  const Task& moved = a.create[0];
  EXPECT_EQ(moved.slot, 1u);
  EXPECT_EQ(moved.not_before_ms, 0);
  EXPECT_EQ(moved.restart_attempt, 0u);  // a node's failure is not a restart
  EXPECT_TRUE(moved.node_id.empty());    // the scheduler picks a node
  EXPECT_EQ(moved.status.message, "replaces task t1 (node n1-host is down)");
  EXPECT_FALSE(a.wake_at_ms.has_value());
}

TEST(ReplicatedOrchestrator, NodeFailureMovesTasksWhateverTheRestartCondition) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {replicated_service("web", 1)};
  c.service("web").spec.restart.condition = RestartCondition::kNone;
  c.run();
  c.start("t1", "n1");
  c.node("n1").status = NodeStatus::kDown;
  OrchestratorActions a = c.run();
  EXPECT_EQ(a.create.size(), 1u);
}

TEST(ReplicatedOrchestrator, DrainedNodeIsEmptied) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {replicated_service("web", 3)};
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n1");
  c.start("t3", "n2");
  c.node("n1").availability = NodeAvailability::kDrain;
  OrchestratorActions a = c.run();
  EXPECT_EQ(testing::ids_of(a.update), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(slots_of(a.create), (std::vector<uint64_t>{1, 2}));
  for (const Task& t : c.runnable("web")) EXPECT_NE(t.node_id, "n1") << t.id;
  EXPECT_NE(a.reasons.at("t1").find("node n1-host is drained"), std::string::npos);
}

TEST(ReplicatedOrchestrator, PausedNodeKeepsItsTasks) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 2)};
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n1");
  c.node("n1").availability = NodeAvailability::kPause;
  EXPECT_TRUE(c.run().empty());
}

TEST(ReplicatedOrchestrator, TasksOfRemovedNodeAreReplaced) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {replicated_service("web", 1)};
  c.run();
  c.start("t1", "n1");
  c.nodes.erase(c.nodes.begin());  // `node rm n1`
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.update.size(), 1u);
  EXPECT_EQ(a.update[0].desired_state, TaskState::kShutdown);
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].status.message, "replaces task t1 (node n1 was removed)");
}

TEST(ReplicatedOrchestrator, SpecChangeReachesOnlyNewTasks) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 1)};
  c.run();
  c.start("t1", "n1");
  Service& web = c.service("web");
  web.spec.container.image = "busybox:2";
  web.spec.replicas = 2;
  web.spec_version = 2;
  OrchestratorActions a = c.run();
  EXPECT_TRUE(a.update.empty());  // no rollout: t1 keeps its spec
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].spec.container.image, "busybox:2");
  EXPECT_EQ(a.create[0].spec_version, 2u);
  EXPECT_EQ(c.task("t1").spec.container.image, "busybox");
}

TEST(ReplicatedOrchestrator, EveryActionHasAReason) {
  ClusterSim c;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {replicated_service("web", 3)};
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n2");
  c.node("n1").status = NodeStatus::kDown;
  c.service("web").spec.replicas = 1;  // t2 is scaled down, t3 deleted, t1 moved
  OrchestratorActions a = c.run();
  ASSERT_FALSE(a.empty());
  for (const Task& t : a.create) EXPECT_FALSE(a.reasons[t.id].empty()) << t.id;
  for (const Task& t : a.update) EXPECT_FALSE(a.reasons[t.id].empty()) << t.id;
  for (const std::string& id : a.remove) EXPECT_FALSE(a.reasons[id].empty()) << id;
}

TEST(ReplicatedOrchestrator, NoTaskIsInTwoActionLists) {
  ClusterSim c;
  c.options.task_history_limit = 0;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 2)};
  c.run();
  c.end("t1", TaskState::kFailed, 1);
  c.start("t2", "n1");
  OrchestratorActions a = c.run();  // t1 is replaced, and history 0 deletes it at once
  std::set<std::string> seen;
  for (const Task& t : a.create) EXPECT_TRUE(seen.insert(t.id).second) << t.id;
  for (const Task& t : a.update) EXPECT_TRUE(seen.insert(t.id).second) << t.id;
  for (const std::string& id : a.remove) EXPECT_TRUE(seen.insert(id).second) << id;
  EXPECT_TRUE(seen.count("t1"));
}

}  // namespace
}  // namespace miniswarm::orchestrator
