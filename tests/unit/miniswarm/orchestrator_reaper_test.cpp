// The task reaper: history per slot, gone slots, the restart window's claim
// (miniswarm/orchestrator/task_reaper.hpp).
#include <gtest/gtest.h>

#include "miniswarm/orchestrator/task_reaper.hpp"
#include "orchestrator_test_support.hpp"

namespace miniswarm::orchestrator {
namespace {

using testing::ClusterSim;
using testing::global_service;
using testing::ready_node;
using testing::replicated_service;

std::vector<std::string> history_of_slot(const ClusterSim& c, uint64_t slot) {
  std::vector<const Task*> found;
  for (const Task& t : c.tasks) {
    if (t.slot == slot && t.desired_state == TaskState::kShutdown) found.push_back(&t);
  }
  std::sort(found.begin(), found.end(),
            [](const Task* a, const Task* b) { return a->status.timestamp_ms < b->status.timestamp_ms; });
  std::vector<std::string> ids;
  for (const Task* t : found) ids.push_back(t->id);
  return ids;
}

// `web` (replicas 1, restart any, no delay) whose slot-1 task fails `failures` times,
// one second apart.
ClusterSim failing_slot(int failures, RestartPolicy policy = {}) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 1)};
  policy.delay_ms = 0;
  c.service("web").spec.restart = policy;
  c.run();
  for (int i = 0; i < failures; ++i) {
    c.now += 1000;
    c.end(c.runnable_in_slot("web", 1).id, TaskState::kFailed, 1);
    c.run();
  }
  return c;
}

TEST(TaskReaper, KeepsTheFiveNewestStoppedTasksPerSlot) {
  ClusterSim c = failing_slot(8);  // t1..t8 failed, t9 pending
  EXPECT_EQ(history_of_slot(c, 1), (std::vector<std::string>{"t4", "t5", "t6", "t7", "t8"}));
  EXPECT_TRUE(c.has_task("t9"));
}

TEST(TaskReaper, ConvergesInTheRunThatStopsATask) {
  ClusterSim c = failing_slot(8);
  EXPECT_TRUE(c.run().empty());
}

TEST(TaskReaper, LimitIsConfigurable) {
  ClusterSim c;
  c.options.task_history_limit = 2;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 1)};
  c.service("web").spec.restart.delay_ms = 0;
  c.run();
  for (int i = 0; i < 4; ++i) {
    c.now += 1000;
    c.end(c.runnable_in_slot("web", 1).id, TaskState::kFailed, 1);
    c.run();
  }
  EXPECT_EQ(history_of_slot(c, 1), (std::vector<std::string>{"t3", "t4"}));
}

TEST(TaskReaper, NegativeLimitKeepsAllHistory) {
  ClusterSim c;
  c.options.task_history_limit = -1;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 1)};
  c.service("web").spec.restart.delay_ms = 0;
  c.run();
  for (int i = 0; i < 7; ++i) {
    c.end(c.runnable_in_slot("web", 1).id, TaskState::kFailed, 1);
    c.run();
  }
  EXPECT_EQ(history_of_slot(c, 1).size(), 7u);
}

TEST(TaskReaper, NeverDeletesATaskMeantToRun) {
  std::vector<Task> tasks;
  for (int i = 0; i < 10; ++i) {
    Task t;
    t.id = "r" + std::to_string(i);
    t.service_id = "web";
    t.slot = 1;
    t.status.state = TaskState::kFailed;  // stopped, but still desired RUNNING (held)
    tasks.push_back(t);
  }
  auto reaped = find_tasks_to_reap(tasks, {replicated_service("web", 1)}, {}, 0, 0);
  EXPECT_TRUE(reaped.empty());
}

TEST(TaskReaper, HistoryOfScaledAwaySlotIsDeletedOnceStopped) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 2)};
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n1");
  c.service("web").spec.replicas = 1;
  c.run();  // t2 desired SHUTDOWN, still running
  EXPECT_TRUE(c.has_task("t2"));
  c.end("t2", TaskState::kShutdown);
  OrchestratorActions a = c.run();
  EXPECT_EQ(a.remove, (std::vector<std::string>{"t2"}));
}

TEST(TaskReaper, HistoryIsKeptPerNodeForGlobalServices) {
  ClusterSim c;
  c.options.task_history_limit = 1;
  c.nodes = {ready_node("n1"), ready_node("n2")};
  c.services = {global_service("agent")};
  c.service("agent").spec.restart.delay_ms = 0;
  c.run();  // t1 on n1, t2 on n2
  c.end("t1", TaskState::kFailed, 1, "", "n1");
  c.end("t2", TaskState::kFailed, 1, "", "n2");
  c.run();  // t3 on n1, t4 on n2; history: t1, t2 (one per node: within the limit)
  EXPECT_TRUE(c.has_task("t1"));
  EXPECT_TRUE(c.has_task("t2"));
  c.now += 1000;
  c.end("t3", TaskState::kFailed, 1, "", "n1");
  c.run();  // n1's history is now t1 and t3: t1 goes
  EXPECT_FALSE(c.has_task("t1"));
  EXPECT_TRUE(c.has_task("t2"));
  EXPECT_TRUE(c.has_task("t3"));
}

TEST(TaskReaper, KeepsWhatTheRestartWindowStillCounts) {
  // max 10 attempts in 10 minutes, history limit 5: deleting restarts the window still
  // counts would let a crash loop run past its limit.
  RestartPolicy p;
  p.max_attempts = 10;
  p.window_ms = 600'000;
  ClusterSim c = failing_slot(8, p);  // t1..t8 failed within 8 s, t9 pending
  EXPECT_EQ(history_of_slot(c, 1).size(), 8u);
  EXPECT_TRUE(c.peek().empty());
}

TEST(TaskReaper, TrimsHistoryOnceTheRestartWindowHasPassed) {
  RestartPolicy p;
  p.max_attempts = 10;
  p.window_ms = 600'000;
  ClusterSim c = failing_slot(8, p);
  c.now += 3'600'000;
  EXPECT_EQ(c.peek().remove, (std::vector<std::string>{"t1", "t2", "t3"}));
}

TEST(TaskReaper, HeldTaskKeepsTheHistoryItWasJudgedBy) {
  // Out of attempts (7 restarts in the window): t8 is held. Were t1..t2 reaped later,
  // a recount would find fewer restarts and start the loop again.
  RestartPolicy p;
  p.max_attempts = 7;
  p.window_ms = 600'000;
  ClusterSim c = failing_slot(8, p);
  ASSERT_EQ(c.runnable_in_slot("web", 1).id, "t8");
  ASSERT_TRUE(is_terminal(c.task("t8").status.state));
  c.now += 3'600'000;
  OrchestratorActions a = c.peek();
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(a.not_restarted.count("t8"));
}

TEST(TaskReaper, TasksOfUnknownServicesAreLeftToTheOrchestrator) {
  Task t;
  t.id = "x";
  t.service_id = "gone";
  t.desired_state = TaskState::kShutdown;
  t.status.state = TaskState::kPending;
  EXPECT_TRUE(find_tasks_to_reap({t}, {}, {}, 0, 5).empty());
}

}  // namespace
}  // namespace miniswarm::orchestrator
