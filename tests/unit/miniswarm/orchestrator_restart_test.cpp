// The restart policy as the orchestrator applies it: condition, max attempts, window,
// delay, backoff (miniswarm/orchestrator/restart_supervisor.hpp). Named after
// SwarmKit's restart tests where they have a twin (TestOrchestratorRestartOnFailure...).
#include <gtest/gtest.h>

#include <limits>

#include "miniswarm/orchestrator/restart_supervisor.hpp"
#include "orchestrator_test_support.hpp"

namespace miniswarm::orchestrator {
namespace {

using testing::ClusterSim;
using testing::ready_node;
using testing::replicated_service;

// A one-replica service on one node whose policy the test sets; t1 is running.
ClusterSim one_running_task(RestartPolicy policy) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 1)};
  c.service("web").spec.restart = policy;
  c.run();
  c.start("t1", "n1");
  return c;
}

RestartPolicy policy(RestartCondition condition, int64_t delay_ms = 0) {
  RestartPolicy p;
  p.condition = condition;
  p.delay_ms = delay_ms;
  return p;
}

TEST(OrchestratorRestart, OnAnyReplacesACompletedTask) {
  ClusterSim c = one_running_task(policy(RestartCondition::kAny));
  c.end("t1", TaskState::kComplete, 0);
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.update.size(), 1u);
  EXPECT_EQ(a.update[0].id, "t1");
  EXPECT_EQ(a.update[0].desired_state, TaskState::kShutdown);
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].slot, 1u);
  EXPECT_EQ(a.create[0].restart_attempt, 1u);
}

TEST(OrchestratorRestart, OnFailureLeavesExitCodeZeroAlone) {
  ClusterSim c = one_running_task(policy(RestartCondition::kOnFailure));
  c.end("t1", TaskState::kComplete, 0);
  OrchestratorActions a = c.run();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(c.task("t1").desired_state, TaskState::kRunning);  // keeps its slot: 0/1
  EXPECT_NE(a.not_restarted.at("t1").find("on-failure"), std::string::npos);
}

TEST(OrchestratorRestart, OnFailureReplacesExitCodeOne) {
  ClusterSim c = one_running_task(policy(RestartCondition::kOnFailure));
  c.end("t1", TaskState::kFailed, 1);
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].status.message, "replaces task t1 (failed: exit code 1), restart 1");
}

TEST(OrchestratorRestart, NoneNeverReplacesAndTheSlotStaysOccupied) {
  ClusterSim c = one_running_task(policy(RestartCondition::kNone));
  c.end("t1", TaskState::kFailed, 1);
  OrchestratorActions a = c.run();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.not_restarted.at("t1"), "not restarted: restart condition is none");
}

TEST(OrchestratorRestart, HeldTaskIsNotReconsideredLater) {
  ClusterSim c = one_running_task(policy(RestartCondition::kNone));
  c.end("t1", TaskState::kFailed, 1);
  ASSERT_TRUE(c.run().empty());
  c.now += 3'600'000;  // an hour later, the same answer
  EXPECT_TRUE(c.run().empty());
}

TEST(OrchestratorRestart, MaxAttemptsStopsRestartsAndTheSlotStaysOccupied) {
  RestartPolicy p = policy(RestartCondition::kAny);
  p.max_attempts = 2;
  ClusterSim c = one_running_task(p);
  c.end("t1", TaskState::kFailed, 1);
  ASSERT_EQ(c.run().create.size(), 1u);  // t2: restart 1 of 2
  c.end("t2", TaskState::kFailed, 1);
  ASSERT_EQ(c.run().create.size(), 1u);  // t3: restart 2 of 2
  c.end("t3", TaskState::kFailed, 1);
  OrchestratorActions a = c.run();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(c.task("t3").desired_state, TaskState::kRunning);
  EXPECT_NE(a.not_restarted.at("t3").find("restarted 2 times"), std::string::npos)
      << a.not_restarted.at("t3");
}

TEST(OrchestratorRestart, CrashLoopEndsAfterMaxAttempts) {
  RestartPolicy p = policy(RestartCondition::kOnFailure, 1000);
  p.max_attempts = 3;
  ClusterSim c = one_running_task(p);
  int created = 1;
  for (int round = 0; round < 20; ++round) {
    for (const Task& t : c.runnable("web")) {
      if (!is_terminal(t.status.state)) c.end(t.id, TaskState::kFailed, 2);
    }
    c.now += 1000;
    created += static_cast<int>(c.run().create.size());
  }
  EXPECT_EQ(created, 4);  // the first task and three restarts
}

TEST(OrchestratorRestart, WindowForgetsAttemptsOutsideIt) {
  RestartPolicy p = policy(RestartCondition::kAny);
  p.max_attempts = 1;
  p.window_ms = 60'000;
  ClusterSim c = one_running_task(p);
  c.end("t1", TaskState::kFailed, 1);
  c.run();  // t2: restart 1 of 1
  c.start("t2", "n1");
  c.now += 120'000;  // t2 ran well for longer than the window
  c.end("t2", TaskState::kFailed, 1);
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].restart_attempt, 2u);  // the count of all restarts goes on
}

TEST(OrchestratorRestart, WindowCountsAttemptsInsideIt) {
  RestartPolicy p = policy(RestartCondition::kAny);
  p.max_attempts = 1;
  p.window_ms = 60'000;
  ClusterSim c = one_running_task(p);
  c.end("t1", TaskState::kFailed, 1);
  c.run();
  c.now += 30'000;
  c.end("t2", TaskState::kFailed, 1);
  EXPECT_TRUE(c.run().empty());
}

TEST(OrchestratorRestart, DelaySetsNotBeforeAndWakeAt) {
  ClusterSim c = one_running_task(policy(RestartCondition::kAny, 5000));
  c.end("t1", TaskState::kFailed, 1);
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].not_before_ms, c.now + 5000);
  EXPECT_EQ(a.wake_at_ms, c.now + 5000);
  // Until then, a run changes nothing and still asks to be woken.
  c.now += 1000;
  OrchestratorActions later = c.run();
  EXPECT_TRUE(later.empty());
  EXPECT_EQ(later.wake_at_ms, c.now + 4000);
  c.now += 4000;
  EXPECT_FALSE(c.run().wake_at_ms.has_value());
}

TEST(OrchestratorRestart, BackoffDoublesAndCaps) {
  RestartPolicy p = policy(RestartCondition::kAny, 1000);
  p.backoff = true;
  p.max_delay_ms = 5000;
  ClusterSim c = one_running_task(p);
  std::vector<int64_t> delays;
  std::string current = "t1";
  for (int i = 0; i < 5; ++i) {
    c.end(current, TaskState::kFailed, 1);
    OrchestratorActions a = c.run();
    ASSERT_EQ(a.create.size(), 1u);
    delays.push_back(a.create[0].not_before_ms - c.now);
    current = a.create[0].id;
    c.now += 10'000;
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{1000, 2000, 4000, 5000, 5000}));
}

TEST(OrchestratorRestart, BackoffDelayDoesNotOverflow) {
  RestartPolicy p = policy(RestartCondition::kAny, 1000);
  p.backoff = true;
  p.max_delay_ms = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(restart_delay_ms(p, 200), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(restart_delay_ms(p, 3), 8000);
}

TEST(OrchestratorRestart, RejectedTaskIsRestartedWithDelayAndReason) {
  ClusterSim c = one_running_task(policy(RestartCondition::kOnFailure, 5000));
  c.end("t1", TaskState::kRejected, 0, "no such image `busybox`");
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].not_before_ms, c.now + 5000);
  EXPECT_EQ(a.create[0].status.message,
            "replaces task t1 (rejected: no such image `busybox`), restart 1, delay 5s");
}

TEST(OrchestratorRestart, MessageCountsAgainstMaxAttempts) {
  RestartPolicy p = policy(RestartCondition::kAny);
  p.max_attempts = 3;
  ClusterSim c = one_running_task(p);
  c.end("t1", TaskState::kFailed, 1);
  c.run();
  c.end("t2", TaskState::kFailed, 1);
  OrchestratorActions a = c.run();
  ASSERT_EQ(a.create.size(), 1u);
  EXPECT_EQ(a.create[0].status.message, "replaces task t2 (failed: exit code 1), restart 2 of 3");
}

TEST(OrchestratorRestart, ExistingTaskKeepsTheRestartPolicyItWasMadeWith) {
  ClusterSim c = one_running_task(policy(RestartCondition::kNone));
  c.service("web").spec.restart.condition = RestartCondition::kAny;  // no rollout
  c.end("t1", TaskState::kFailed, 1);
  EXPECT_TRUE(c.run().empty());
}

TEST(OrchestratorRestart, MoveOffFailedNodeIsNotARestartInTheWindow) {
  // t1 fails: restart 1 makes t2 at T0. At T0+50s t2's node dies and t3 takes over,
  // still attempt 1. t3 fails at T0+100s: the window (60 s) reaches back to T0+40s,
  // and restart 1 happened at T0, when t2 was made, so no restart counts and t3 is
  // replaced, although max_attempts is 1.
  RestartPolicy p = policy(RestartCondition::kAny);
  p.max_attempts = 1;
  p.window_ms = 60'000;
  ClusterSim c = one_running_task(p);
  c.nodes.push_back(ready_node("n2"));
  c.end("t1", TaskState::kFailed, 1);
  c.run();
  c.start("t2", "n1");
  c.now += 50'000;
  c.node("n1").status = NodeStatus::kDown;
  c.run();
  ASSERT_EQ(c.task("t3").restart_attempt, 1u);
  c.now += 50'000;
  c.end("t3", TaskState::kFailed, 1, "", "n2");
  SlotTasks slot;
  for (const Task& t : c.tasks) slot.push_back(&t);
  EXPECT_EQ(counted_restarts(c.task("t3"), slot, c.now), 0u);
  EXPECT_EQ(c.run().create.size(), 1u);
}

}  // namespace
}  // namespace miniswarm::orchestrator
