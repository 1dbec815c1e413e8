// Agents may only move their own tasks forward (task_reports.hpp).
#include <gtest/gtest.h>

#include "miniswarm/dispatcher/task_reports.hpp"

namespace miniswarm {
namespace {

Task assigned_task(const std::string& id, const std::string& node) {
  Task t;
  t.id = id;
  t.node_id = node;
  advance_task(t, TaskState::kPending, 1, "created");
  advance_task(t, TaskState::kAssigned, 2, "assigned");
  return t;
}

TaskReport report(const std::string& id, TaskState state) {
  TaskReport r;
  r.task_id = id;
  r.state = state;
  r.message = std::string(to_string(state));
  return r;
}

TEST(ApplyTaskReport, MovesTheTaskForwardAndKeepsHistory) {
  Task t = assigned_task("t1", "n1");
  auto r = report("t1", TaskState::kRunning);
  r.container_id = "c1";
  auto changed = apply_task_report(t, "n1", r, 100);
  ASSERT_TRUE(changed.ok()) << changed.error().what();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(t.status.state, TaskState::kRunning);
  EXPECT_EQ(t.container_id, "c1");
  EXPECT_EQ(t.history.back().state, TaskState::kAssigned);
}

TEST(ApplyTaskReport, AnotherNodesTaskIsRefused) {
  Task t = assigned_task("t1", "n1");
  auto changed = apply_task_report(t, "n2", report("t1", TaskState::kRunning), 100);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().what().find("n1"), std::string::npos);
  EXPECT_EQ(t.status.state, TaskState::kAssigned);
}

TEST(ApplyTaskReport, OldNewsChangesNothing) {
  Task t = assigned_task("t1", "n1");
  ASSERT_TRUE(*apply_task_report(t, "n1", report("t1", TaskState::kRunning), 100));
  auto again = apply_task_report(t, "n1", report("t1", TaskState::kStarting), 101);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(t.status.state, TaskState::kRunning);
}

TEST(ApplyTaskReport, TerminalStateIsFinal) {
  Task t = assigned_task("t1", "n1");
  auto failed = report("t1", TaskState::kFailed);
  failed.exit_code = 3;
  ASSERT_TRUE(*apply_task_report(t, "n1", failed, 100));
  EXPECT_EQ(t.status.exit_code, 3);
  EXPECT_FALSE(*apply_task_report(t, "n1", report("t1", TaskState::kShutdown), 101));
  EXPECT_EQ(t.status.state, TaskState::kFailed);
}

TEST(ApplyTaskReport, AgentCannotSetManagerStates) {
  Task t = assigned_task("t1", "n1");
  auto r = apply_task_report(t, "n1", report("t1", TaskState::kPending), 100);
  EXPECT_FALSE(r.ok());
}

TEST(AssignmentsFor, ListsOnlyTheNodesLiveAssignedTasks) {
  std::vector<Task> tasks;
  tasks.push_back(assigned_task("b", "n1"));
  tasks.push_back(assigned_task("a", "n1"));
  tasks.push_back(assigned_task("c", "n2"));
  Task pending_global;  // global tasks carry their node before they are ASSIGNED
  pending_global.id = "d";
  pending_global.node_id = "n1";
  advance_task(pending_global, TaskState::kPending, 1, "created");
  tasks.push_back(pending_global);
  Task ended = assigned_task("e", "n1");
  advance_task(ended, TaskState::kComplete, 5, "done");
  tasks.push_back(ended);
  Task stopping = assigned_task("f", "n1");
  advance_task(stopping, TaskState::kRunning, 5, "running");
  stopping.desired_state = TaskState::kShutdown;
  tasks.push_back(stopping);

  auto mine = assignments_for("n1", tasks);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[0].id, "a");
  EXPECT_EQ(mine[1].id, "b");
  EXPECT_EQ(mine[2].id, "f");  // to be stopped: the agent must still see it
}

}  // namespace
}  // namespace miniswarm
