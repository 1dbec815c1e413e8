// The agent's three loops, for real threads and real time: a killed task is known to
// the manager within a second, and stop() leaves the containers running (agent.hpp).
#include <gtest/gtest.h>

#include <chrono>

#include "miniswarm/agent/agent.hpp"
#include "tests/unit/miniswarm/agent_fakes.hpp"

namespace miniswarm::agent::testing {
namespace {

using namespace std::chrono_literals;

AgentOptions fast_options() {
  AgentOptions o;
  o.heartbeat_period_ms = 5000;  // long: reports must not wait for the period
  o.assignments_wait_ms = 5000;
  o.poll_interval_ms = 100;
  return o;
}

TEST(AgentThreads, NewTaskIsStartedAndReportedWithoutWaitingForAPeriod) {
  FakeLink link;
  FakeBackend backend;
  Agent agent(link, backend, fast_options());
  ASSERT_TRUE(agent.start().ok());
  auto t0 = std::chrono::steady_clock::now();
  link.assign({assigned_task("t1")});
  EXPECT_TRUE(link.wait_for_report("t1", TaskState::kRunning, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  agent.stop();
}

TEST(AgentThreads, KilledContainerIsReportedFailedWithinASecond) {
  FakeLink link;
  FakeBackend backend;
  Agent agent(link, backend, fast_options());
  ASSERT_TRUE(agent.start().ok());
  link.assign({assigned_task("t1")});
  ASSERT_TRUE(link.wait_for_report("t1", TaskState::kRunning, 2s));
  auto t0 = std::chrono::steady_clock::now();
  backend.exit_container(backend.container_of("t1"), 137);  // `minirun kill` by a learner
  EXPECT_TRUE(link.wait_for_report("t1", TaskState::kFailed, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  agent.stop();
}

TEST(AgentThreads, StopEndsTheLoopsPromptlyAndLeavesContainersRunning) {
  FakeLink link;
  FakeBackend backend;
  Agent agent(link, backend, fast_options());
  ASSERT_TRUE(agent.start().ok());
  link.assign({assigned_task("t1")});
  ASSERT_TRUE(link.wait_for_report("t1", TaskState::kRunning, 2s));
  auto t0 = std::chrono::steady_clock::now();
  agent.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "a long poll in progress is cancelled";
  EXPECT_EQ(backend.state_of(backend.container_of("t1")), ContainerRunState::kRunning);
  EXPECT_EQ(backend.stop_requests + backend.kills + backend.removes, 0);
}

TEST(AgentThreads, SecondStartIsRefused) {
  FakeLink link;
  FakeBackend backend;
  Agent agent(link, backend, fast_options());
  ASSERT_TRUE(agent.start().ok());
  EXPECT_FALSE(agent.start().ok());
  agent.stop();
}

}  // namespace
}  // namespace miniswarm::agent::testing
