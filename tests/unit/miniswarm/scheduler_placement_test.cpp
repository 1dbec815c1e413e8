// What schedule() promises as a whole: load is counted as it places, limits hold, and
// every task left pending says why (scheduler.hpp).
#include <gtest/gtest.h>

#include <random>

#include "miniswarm/scheduler/exhaustive_scheduler.hpp"
#include "miniswarm/scheduler/scheduler.hpp"
#include "scheduler_test_support.hpp"

namespace miniswarm::scheduler {
namespace {

using testing::count_by_node;
using testing::kCpu;
using testing::kGiB;
using testing::make_node;
using testing::make_task;
using testing::make_tasks;
using testing::running_on;

TEST(Schedule, ResourcesAreNotOverCommittedWithinOneCall) {
  auto tasks = make_tasks("db", 7);
  for (Task& t : tasks) t.spec.reservations = {kCpu, 3 * kGiB};  // two fit in 8 GiB
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a"), make_node("b")}, tasks, 0);
  EXPECT_EQ(count_by_node(result), (std::map<std::string, int>{{"a", 2}, {"b", 2}}));
  ASSERT_EQ(result.pending.size(), 3u);
  EXPECT_EQ(result.pending[0].reason, "no suitable node (insufficient memory on 2 nodes)");
}

TEST(Schedule, MaxReplicasPerNodeIsHonoured) {
  auto tasks = make_tasks("web", 5);
  for (Task& t : tasks) t.spec.placement.max_replicas_per_node = 2;
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a"), make_node("b")}, tasks, 0);
  EXPECT_EQ(count_by_node(result), (std::map<std::string, int>{{"a", 2}, {"b", 2}}));
  ASSERT_EQ(result.pending.size(), 1u);
  EXPECT_EQ(result.pending[0].reason,
            "no suitable node (max replicas per node (2) reached on 2 nodes)");
}

TEST(Schedule, MaxReplicasPerNodeCountsTasksAlreadyRunning) {
  Task task = make_task("w2", "web");
  task.spec.placement.max_replicas_per_node = 1;
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a"), make_node("b")},
                                   {running_on("w1", "a", "web"), task}, 0);
  ASSERT_EQ(result.assigned.size(), 1u);
  EXPECT_EQ(result.assigned[0].node_id, "b");
}

TEST(Schedule, TaskInItsRestartDelayWaitsAndSaysHowLong) {
  Task task = make_task("t1");
  task.not_before_ms = 10'000 + 1'150;
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a")}, {task}, 10'000);
  EXPECT_TRUE(result.assigned.empty());
  ASSERT_EQ(result.pending.size(), 1u);
  EXPECT_EQ(result.pending[0].reason, "restart delay: 1.2 s left");
}

TEST(Schedule, TaskWhoseRestartDelayIsOverIsPlaced) {
  Task task = make_task("t1");
  task.not_before_ms = 10'000;
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a")}, {task}, 10'000);
  EXPECT_EQ(result.assigned.size(), 1u);
}

TEST(Schedule, GlobalTaskOnADrainedNodeStaysPendingWithTheReason) {
  Node node = make_node("a");
  node.availability = NodeAvailability::kDrain;
  Task task = make_task("g1", "agent");
  task.spec.mode = ServiceMode::kGlobal;
  task.node_id = "a";
  Scheduler scheduler;
  auto result = scheduler.schedule({node, make_node("b")}, {task}, 0);
  EXPECT_TRUE(result.assigned.empty());
  ASSERT_EQ(result.pending.size(), 1u);
  EXPECT_EQ(result.pending[0].reason, "no suitable node (1 node drained)");
}

TEST(Schedule, GlobalTaskIsAssignedToItsOwnNode) {
  Task task = make_task("g1", "agent");
  task.spec.mode = ServiceMode::kGlobal;
  task.node_id = "b";
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a"), make_node("b")}, {task}, 0);
  ASSERT_EQ(result.assigned.size(), 1u);
  EXPECT_EQ(result.assigned[0], (Assignment{"g1", "b"}));
}

TEST(Schedule, ExplanationCountsEachKindOfRefusalInPipelineOrder) {
  std::vector<Node> nodes;
  for (auto id : {"n1", "n2", "n3", "n4", "n5"}) nodes.push_back(make_node(id));
  for (auto& n : nodes) n.labels["zone"] = "a";
  nodes[0].total.memory_bytes = kGiB;
  nodes[1].total.memory_bytes = kGiB;
  nodes[2].labels["zone"] = "b";
  nodes[3].status = NodeStatus::kDown;
  nodes[4].availability = NodeAvailability::kPause;
  Task task = make_task("t1");
  task.spec.placement.constraints = {"node.labels.zone==a"};
  task.spec.reservations.memory_bytes = 2 * kGiB;
  Scheduler scheduler;
  auto result = scheduler.schedule(nodes, {task}, 0);
  ASSERT_EQ(result.pending.size(), 1u);
  EXPECT_EQ(result.pending[0].reason,
            "no suitable node (1 node down; 1 node paused; constraint node.labels.zone==a unmet "
            "on 1 node; insufficient memory on 2 nodes)");
}

TEST(Schedule, NoNodesAtAllIsSaidPlainly) {
  Scheduler scheduler;
  auto result = scheduler.schedule({}, {make_task("t1")}, 0);
  ASSERT_EQ(result.pending.size(), 1u);
  EXPECT_EQ(result.pending[0].reason, "no suitable node (no nodes in the cluster)");
}

TEST(Schedule, TerminalAndShutdownDesiredTasksDoNotCountAsLoad) {
  Task failed = running_on("f", "a", "web");
  failed.status.state = TaskState::kFailed;
  Task stopping = running_on("s", "a", "web");
  stopping.desired_state = TaskState::kShutdown;
  failed.spec.reservations.memory_bytes = stopping.spec.reservations.memory_bytes = 8 * kGiB;
  Task task = make_task("t1", "web");
  task.spec.reservations.memory_bytes = 8 * kGiB;
  task.spec.placement.max_replicas_per_node = 1;
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a")}, {failed, stopping, task}, 0);
  ASSERT_EQ(result.assigned.size(), 1u) << (result.pending.empty() ? "" : result.pending[0].reason);
  EXPECT_EQ(result.assigned[0].node_id, "a");
}

TEST(Schedule, TasksNotPendingOrNotWantedAreLeftAlone) {
  Task running = running_on("r", "a", "web");
  Task unwanted = make_task("u", "web");
  unwanted.desired_state = TaskState::kShutdown;
  Task fresh = make_task("n", "web");
  fresh.status.state = TaskState::kNew;
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a")}, {running, unwanted, fresh}, 0);
  EXPECT_TRUE(result.assigned.empty());
  EXPECT_TRUE(result.pending.empty());
}

TEST(Schedule, WhyNotNodeNamesTheRefusalOrNothing) {
  Node node = make_node("a");
  Task task = make_task("t1");
  EXPECT_EQ(why_not_node(node, {}, task), std::nullopt);
  task.spec.reservations.memory_bytes = 16 * kGiB;
  EXPECT_EQ(why_not_node(node, {}, task), "insufficient memory on 1 node");
}

// A random cluster: mixed sizes, labels, states and some load; services listed one
// after the other, so that the two schedulers take the tasks in the same order.
struct RandomCluster {
  std::vector<Node> nodes;
  std::vector<Task> tasks;
};

RandomCluster random_cluster(uint64_t seed, PlacementStrategy strategy) {
  std::mt19937_64 random(seed);
  auto below = [&random](int n) { return static_cast<int>(random() % static_cast<uint64_t>(n)); };
  RandomCluster c;
  for (int i = 0; i < 40; ++i) {
    Node n = make_node("node" + std::to_string(100 + i));
    n.total = {(1 + below(8)) * kCpu, (1 + below(16)) * kGiB};
    n.labels["zone"] = std::string(1, static_cast<char>('a' + below(3)));
    if (below(10) == 0) n.status = NodeStatus::kDown;
    if (below(10) == 0) n.availability = NodeAvailability::kDrain;
    if (below(4) == 0) n.role = NodeRole::kManager;
    c.nodes.push_back(n);
  }
  for (int i = 0; i < 60; ++i) {
    Task t = running_on("load" + std::to_string(i), c.nodes[below(40)].id, "svc" + std::to_string(below(6)));
    t.spec.reservations = {below(2) * kCpu, below(3) * kGiB};
    c.tasks.push_back(t);
  }
  for (int s = 0; s < 6; ++s) {
    std::string service = "svc" + std::to_string(s);
    Placement placement;
    placement.strategy = strategy;
    if (below(2) == 0) placement.constraints.push_back("node.labels.zone!=" + std::string(1, static_cast<char>('a' + below(3))));
    if (below(3) == 0) placement.constraints.push_back("node.role==worker");
    if (below(2) == 0) placement.max_replicas_per_node = 1 + static_cast<uint64_t>(below(3));
    Resources reservations{below(3) * kCpu / 2, below(4) * kGiB};
    int count = 5 + below(40);
    for (int i = 0; i < count; ++i) {
      Task t = make_task(service + "-" + std::to_string(i), service);
      t.spec.placement = placement;
      t.spec.reservations = reservations;
      c.tasks.push_back(t);
    }
  }
  return c;
}

TEST(Schedule, FastPathPlacesExactlyAsTheExhaustiveLoop) {
  for (auto strategy : {PlacementStrategy::kSpread, PlacementStrategy::kBinpack,
                        PlacementStrategy::kRoundRobin}) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      RandomCluster c = random_cluster(seed, strategy);
      Scheduler fast;
      ExhaustiveScheduler slow;
      auto a = fast.schedule(c.nodes, c.tasks, 0);
      auto b = slow.schedule(c.nodes, c.tasks, 0);
      ASSERT_EQ(a.assigned, b.assigned) << to_string(strategy) << " seed " << seed;
      ASSERT_EQ(a.pending, b.pending) << to_string(strategy) << " seed " << seed;
    }
  }
}

TEST(Schedule, RandomClustersLeaveSomeTasksPendingAndPlaceOthers) {
  // Guards the test above: the random clusters must exercise both outcomes.
  size_t assigned = 0, pending = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    RandomCluster c = random_cluster(seed, PlacementStrategy::kSpread);
    auto r = Scheduler().schedule(c.nodes, c.tasks, 0);
    assigned += r.assigned.size();
    pending += r.pending.size();
  }
  EXPECT_GT(assigned, 100u);
  EXPECT_GT(pending, 10u);
}

}  // namespace
}  // namespace miniswarm::scheduler
