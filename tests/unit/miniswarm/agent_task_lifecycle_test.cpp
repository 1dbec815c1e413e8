// A task's life on the node: started, rejected, failed, complete, shut down, removed
// (task_reconciler.hpp). The agent is driven one step at a time over fakes.
#include "tests/unit/miniswarm/agent_test_support.hpp"

namespace miniswarm::agent::testing {
namespace {

using S = TaskState;

class AgentTaskLifecycle : public AgentSteps {};

TEST_F(AgentTaskLifecycle, AssignedTaskIsStartedAndReportedInOrder) {
  deliver({assigned_task("t1")});
  EXPECT_EQ(states("t1"), (std::vector<S>{S::kAccepted, S::kPreparing, S::kStarting, S::kRunning}));
  const std::string container = backend_.container_of("t1");
  ASSERT_FALSE(container.empty());
  EXPECT_EQ(backend_.state_of(container), ContainerRunState::kRunning);
  EXPECT_EQ(last_report("t1").container_id, container);
  EXPECT_TRUE(logged("task web.1.t1: running (container " + container.substr(0, 12) + ")"));
}

TEST_F(AgentTaskLifecycle, RunningTaskIsNotStartedAgainOnLaterPasses) {
  deliver({assigned_task("t1")});
  pass();
  deliver({assigned_task("t1")});
  EXPECT_EQ(backend_.starts, 1);
  EXPECT_EQ(states("t1").size(), 4u);
}

TEST_F(AgentTaskLifecycle, UnknownImageIsRejectedWithTheReason) {
  deliver({assigned_task("t1", "nope")});
  EXPECT_EQ(states("t1"), (std::vector<S>{S::kAccepted, S::kPreparing, S::kRejected}));
  EXPECT_NE(last_report("t1").err.find("image `nope` not found"), std::string::npos);
  EXPECT_EQ(backend_.starts, 0);
}

TEST_F(AgentTaskLifecycle, ContainerThatCannotStartIsFailedWithTheError) {
  backend_.start_error = "start container web.1.t1: exec `nosuch`: No such file or directory";
  deliver({assigned_task("t1")});
  EXPECT_EQ(states("t1").back(), S::kFailed);
  EXPECT_NE(last_report("t1").err.find("exec `nosuch`"), std::string::npos);
}

TEST_F(AgentTaskLifecycle, NonZeroExitIsFailedWithTheExitCode) {
  deliver({assigned_task("t1")});
  backend_.exit_container(backend_.container_of("t1"), 3);
  pass();
  TaskReport r = last_report("t1");
  EXPECT_EQ(r.state, S::kFailed);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "exit code 3");
}

TEST_F(AgentTaskLifecycle, ZeroExitIsComplete) {
  deliver({assigned_task("t1")});
  backend_.exit_container(backend_.container_of("t1"), 0);
  pass();
  TaskReport r = last_report("t1");
  EXPECT_EQ(r.state, S::kComplete);
  EXPECT_EQ(r.err, "");
}

TEST_F(AgentTaskLifecycle, OomKillIsFailedAndSaysSo) {
  deliver({assigned_task("t1")});
  backend_.exit_container(backend_.container_of("t1"), 137, true);
  pass();
  TaskReport r = last_report("t1");
  EXPECT_EQ(r.state, S::kFailed);
  EXPECT_NE(r.err.find("killed by OOM"), std::string::npos);
  EXPECT_EQ(r.exit_code, 137);
}

TEST_F(AgentTaskLifecycle, ExitWhoseCodeWasLostIsFailedWithTheEnginesReason) {
  deliver({assigned_task("t1")});
  const std::string container = backend_.container_of("t1");
  backend_.exit_container(container, -1);
  backend_.containers.at(container).error = "the container's monitor died, and with it the exit status";
  pass();
  TaskReport r = last_report("t1");
  EXPECT_EQ(r.state, S::kFailed);
  EXPECT_NE(r.err.find("monitor died"), std::string::npos);
}

TEST_F(AgentTaskLifecycle, ExitIsReportedOnce) {
  deliver({assigned_task("t1")});
  backend_.exit_container(backend_.container_of("t1"), 1);
  pass();
  pass();
  auto sent = states("t1");
  EXPECT_EQ(std::count(sent.begin(), sent.end(), S::kFailed), 1);
}

TEST_F(AgentTaskLifecycle, ContainerRemovedBehindTheAgentsBackIsFailed) {
  deliver({assigned_task("t1")});
  backend_.containers.clear();  // `minirun rm -f` by hand
  pass();
  TaskReport r = last_report("t1");
  EXPECT_EQ(r.state, S::kFailed);
  EXPECT_NE(r.err.find("no longer exists"), std::string::npos);
  EXPECT_EQ(backend_.starts, 1) << "a task that ended is replaced by the orchestrator, not restarted here";
}

TEST_F(AgentTaskLifecycle, DesiredShutdownStopsTheContainerAndReportsShutdown) {
  Task t = assigned_task("t1");
  deliver({t});
  const std::string container = backend_.container_of("t1");
  t.desired_state = S::kShutdown;
  deliver({t});
  EXPECT_EQ(backend_.stop_requests, 1);
  pass();  // the next pass sees the exit
  EXPECT_EQ(backend_.state_of(container), ContainerRunState::kExited);
  EXPECT_EQ(last_report("t1").state, S::kShutdown);
  EXPECT_EQ(backend_.kills, 0);
}

TEST_F(AgentTaskLifecycle, StopIsEscalatedToKillOnlyAfterTheGracePeriod) {
  backend_.ignores_stop_signal = true;
  Task t = assigned_task("t1");
  deliver({t});
  t.desired_state = S::kShutdown;
  deliver({t});
  now_ms_ += 1999;
  pass();
  EXPECT_EQ(backend_.kills, 0);
  now_ms_ += 1;
  pass();
  EXPECT_EQ(backend_.kills, 1);
  pass();
  EXPECT_EQ(last_report("t1").state, S::kShutdown);
}

TEST_F(AgentTaskLifecycle, ShutdownBeforeStartIsReportedWithoutAContainer) {
  Task t = assigned_task("t1");
  t.desired_state = S::kShutdown;
  deliver({t});
  EXPECT_EQ(states("t1"), (std::vector<S>{S::kShutdown}));
  EXPECT_EQ(backend_.starts, 0);
}

TEST_F(AgentTaskLifecycle, ExitedContainerOfTaskGoneFromTheListIsRemoved) {
  deliver({assigned_task("t1")});
  const std::string container = backend_.container_of("t1");
  backend_.exit_container(container, 0);
  pass();
  deliver({});  // the manager recorded COMPLETE and forgot the task
  EXPECT_EQ(backend_.removed.count(container), 1u);
  EXPECT_FALSE(agent_->task_entry("t1").has_value());
}

TEST_F(AgentTaskLifecycle, RunningContainerOfTaskGoneFromTheListIsStoppedThenRemoved) {
  deliver({assigned_task("t1")});
  const std::string container = backend_.container_of("t1");
  deliver({});
  EXPECT_EQ(backend_.stop_requests, 1);
  EXPECT_EQ(backend_.removed.count(container), 0u) << "stopped first, removed once not running";
  pass();
  EXPECT_EQ(backend_.removed.count(container), 1u);
}

TEST_F(AgentTaskLifecycle, OtherTasksKeepRunningWhenOneLeavesTheList) {
  deliver({assigned_task("t1"), assigned_task("t2", "busybox", 2)});
  const std::string kept = backend_.container_of("t2");
  deliver({assigned_task("t2", "busybox", 2)});
  pass();
  EXPECT_EQ(backend_.state_of(kept), ContainerRunState::kRunning);
  EXPECT_EQ(backend_.starts, 2);
}

TEST_F(AgentTaskLifecycle, TaskTheManagerAlreadyEndedIsLeftAlone) {
  Task t = assigned_task("t1");
  t.status.state = S::kFailed;
  deliver({t});
  EXPECT_EQ(backend_.starts, 0);
  EXPECT_TRUE(states("t1").empty());
}

TEST_F(AgentTaskLifecycle, NoPassCanActWhenContainersCannotBeListed) {
  backend_.list_error = "read `/var/lib/minirun/containers`: Permission denied";
  deliver({assigned_task("t1")});
  pass();
  EXPECT_EQ(backend_.starts, 0) << "without a list, a start could be a duplicate";
  EXPECT_EQ(std::count_if(lines_.begin(), lines_.end(),
                          [](const std::string& l) { return l.find("Permission denied") != std::string::npos; }),
            1)
      << "one line for the failure, not one per pass";
  backend_.list_error.clear();
  pass();
  EXPECT_EQ(backend_.starts, 1);
}

}  // namespace
}  // namespace miniswarm::agent::testing
