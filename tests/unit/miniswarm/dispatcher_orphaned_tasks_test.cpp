// The unfinished tasks of a node that stayed DOWN past the orphan delay become
// ORPHANED; nothing else does (orphaned_tasks.hpp).
#include <gtest/gtest.h>

#include "miniswarm/dispatcher/orphaned_tasks.hpp"

namespace miniswarm {
namespace {

constexpr int64_t kDelay = 60'000;

Node node(std::string id, NodeStatus status, int64_t last_beat_ms) {
  Node n;
  n.id = std::move(id);
  n.hostname = "host-" + n.id;
  n.status = status;
  n.last_heartbeat_ms = last_beat_ms;
  return n;
}

Task task(std::string id, std::string node_id, TaskState state) {
  Task t;
  t.id = std::move(id);
  t.node_id = std::move(node_id);
  t.status.state = state;
  t.status.timestamp_ms = 1;
  return t;
}

TEST(PlanOrphans, RunningTaskOfANodeDownPastTheDelayIsOrphanedWithTheReason) {
  auto plan = plan_orphans({node("n1", NodeStatus::kDown, 1000)}, {task("t1", "n1", TaskState::kRunning)},
                           1000 + kDelay + 1, kDelay);
  ASSERT_EQ(plan.orphaned.size(), 1u);
  const Task& t = plan.orphaned[0];
  EXPECT_EQ(t.status.state, TaskState::kOrphaned);
  EXPECT_EQ(t.status.message, "node host-n1 has been down for more than 1m: task orphaned");
  ASSERT_EQ(t.history.size(), 1u);
  EXPECT_EQ(t.history[0].state, TaskState::kRunning);  // the last known state stays in the history
}

TEST(PlanOrphans, BeforeTheDelayNothingIsOrphanedAndTheDeadlineIsGiven) {
  auto plan = plan_orphans({node("n1", NodeStatus::kDown, 1000)}, {task("t1", "n1", TaskState::kRunning)},
                           1000 + kDelay, kDelay);
  EXPECT_TRUE(plan.orphaned.empty());
  EXPECT_EQ(plan.next_deadline_ms, 1000 + kDelay + 1);
}

TEST(PlanOrphans, TasksOfReadyNodesAreNeverOrphaned) {
  auto plan = plan_orphans({node("n1", NodeStatus::kReady, 0)}, {task("t1", "n1", TaskState::kRunning)},
                           10 * kDelay, kDelay);
  EXPECT_TRUE(plan.orphaned.empty());
  EXPECT_EQ(plan.next_deadline_ms, 0);
}

TEST(PlanOrphans, FinishedAndUnassignedTasksKeepTheirState) {
  std::vector<Task> tasks = {task("done", "n1", TaskState::kComplete), task("failed", "n1", TaskState::kFailed),
                             task("pending", "n1", TaskState::kPending),
                             task("starting", "n1", TaskState::kStarting)};
  auto plan = plan_orphans({node("n1", NodeStatus::kDown, 0)}, tasks, 10 * kDelay, kDelay);
  ASSERT_EQ(plan.orphaned.size(), 1u);
  EXPECT_EQ(plan.orphaned[0].id, "starting");
}

TEST(PlanOrphans, EachNodeCountsFromItsOwnLastHeartbeat) {
  std::vector<Node> nodes = {node("old", NodeStatus::kDown, 0), node("recent", NodeStatus::kDown, 50'000)};
  std::vector<Task> tasks = {task("a", "old", TaskState::kRunning), task("b", "recent", TaskState::kRunning)};
  auto plan = plan_orphans(nodes, tasks, kDelay + 1, kDelay);
  ASSERT_EQ(plan.orphaned.size(), 1u);
  EXPECT_EQ(plan.orphaned[0].id, "a");
  EXPECT_EQ(plan.next_deadline_ms, 50'000 + kDelay + 1);
}

TEST(OrphanDelayText, PicksTheLargestWholeUnit) {
  EXPECT_EQ(orphan_delay_text(24LL * 3'600'000), "24h");
  EXPECT_EQ(orphan_delay_text(60'000), "1m");
  EXPECT_EQ(orphan_delay_text(90'000), "90s");
  EXPECT_EQ(orphan_delay_text(1500), "1500ms");
}

}  // namespace
}  // namespace miniswarm
