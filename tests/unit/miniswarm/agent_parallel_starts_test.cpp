// With parallel_starts > 1, a pass starts its new tasks together; each task still
// reports its states in order, and a task the node cannot run is still rejected
// (task_reconciler.hpp).
#include <gtest/gtest.h>

#include "tests/unit/miniswarm/agent_test_support.hpp"

namespace miniswarm::agent::testing {
namespace {

using S = TaskState;

class AgentParallelStarts : public AgentSteps {
 protected:
  void SetUp() override {
    AgentOptions o = options();
    o.parallel_starts = 4;
    agent_ = std::make_unique<Agent>(link_, backend_, o);
  }
};

TEST_F(AgentParallelStarts, EveryTaskOfAPassStartsAndReportsInOrder) {
  std::vector<Task> tasks;
  for (int i = 1; i <= 6; ++i) tasks.push_back(assigned_task("t" + std::to_string(i)));
  deliver(tasks);
  EXPECT_EQ(backend_.starts, 6);
  for (int i = 1; i <= 6; ++i) {
    std::string id = "t" + std::to_string(i);
    EXPECT_EQ(states(id), (std::vector<S>{S::kAccepted, S::kPreparing, S::kStarting, S::kRunning})) << id;
    EXPECT_FALSE(backend_.container_of(id).empty()) << id;
  }
}

TEST_F(AgentParallelStarts, ATaskTheNodeCannotRunIsStillRejected) {
  deliver({assigned_task("t1"), assigned_task("t2", "nope"), assigned_task("t3")});
  EXPECT_EQ(backend_.starts, 2);
  EXPECT_EQ(states("t2"), (std::vector<S>{S::kAccepted, S::kPreparing, S::kRejected}));
  EXPECT_EQ(states("t3").back(), S::kRunning);
}

TEST_F(AgentParallelStarts, FailedStartsAreReportedPerTask) {
  backend_.start_error = "no";
  deliver({assigned_task("t1"), assigned_task("t2")});
  EXPECT_EQ(states("t1").back(), S::kFailed);
  EXPECT_EQ(states("t2").back(), S::kFailed);
}

}  // namespace
}  // namespace miniswarm::agent::testing
