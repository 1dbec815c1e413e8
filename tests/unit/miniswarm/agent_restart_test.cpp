// An agent that was killed finds its containers again (they kept running) and adopts
// them instead of starting duplicates (task_reconciler.hpp).
#include "tests/unit/miniswarm/agent_test_support.hpp"

namespace miniswarm::agent::testing {
namespace {

using S = TaskState;

class AgentRestart : public AgentSteps {};

const char* kOldContainer = "0ld0c0ntainer0123456789";

TEST_F(AgentRestart, RunningContainerIsAdoptedNotStartedTwice) {
  backend_.add(kOldContainer, "t1", ContainerRunState::kRunning);
  Task t = assigned_task("t1");
  t.status.state = S::kStarting;  // the earlier run died before it reported RUNNING
  deliver({t});
  EXPECT_EQ(backend_.starts, 0);
  EXPECT_EQ(states("t1"), (std::vector<S>{S::kRunning}));
  EXPECT_EQ(last_report("t1").container_id, kOldContainer);
  EXPECT_TRUE(logged("adopting container"));
}

TEST_F(AgentRestart, ContainerThatExitedWhileTheAgentWasDownIsReported) {
  backend_.add(kOldContainer, "t1", ContainerRunState::kExited, 2);
  Task t = assigned_task("t1");
  t.status.state = S::kRunning;
  deliver({t});
  TaskReport r = last_report("t1");
  EXPECT_EQ(r.state, S::kFailed);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(backend_.starts, 0);
}

TEST_F(AgentRestart, StatesTheManagerAlreadyHasAreNotRepeated) {
  backend_.add(kOldContainer, "t1", ContainerRunState::kRunning);
  Task t = assigned_task("t1");
  t.status.state = S::kRunning;
  deliver({t});
  EXPECT_TRUE(states("t1").empty());
  EXPECT_EQ(backend_.starts, 0);
}

TEST_F(AgentRestart, NeverStartedContainerIsReplacedByAFreshStart) {
  backend_.add(kOldContainer, "t1", ContainerRunState::kCreated);
  deliver({assigned_task("t1")});
  EXPECT_EQ(backend_.removed.count(kOldContainer), 1u);
  EXPECT_EQ(backend_.starts, 1);
  EXPECT_EQ(states("t1").back(), S::kRunning);
}

TEST_F(AgentRestart, ContainersWaitForTheFirstListBeforeAnyIsRemoved) {
  backend_.add(kOldContainer, "t9", ContainerRunState::kExited);
  pass();  // no list yet: an empty table must not mean "remove everything"
  EXPECT_EQ(backend_.removes, 0);
  deliver({});
  EXPECT_EQ(backend_.removed.count(kOldContainer), 1u);
}

TEST_F(AgentRestart, StartCountsTheContainersOfTheEarlierRun) {
  backend_.add(kOldContainer, "t1", ContainerRunState::kRunning);
  backend_.add("another0123456789", "t2", ContainerRunState::kExited);
  link_.down = true;  // the loops get no list, so only start()'s survey acts
  ASSERT_TRUE(agent_->start().ok());
  agent_->stop();
  EXPECT_TRUE(logged("found 2 task container(s) from an earlier run (1 running)"));
  EXPECT_EQ(backend_.state_of(kOldContainer), ContainerRunState::kRunning) << "stop() leaves containers running";
}

}  // namespace
}  // namespace miniswarm::agent::testing
