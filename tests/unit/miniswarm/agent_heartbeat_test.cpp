// Heartbeats carry the node's description and its task reports until the manager has
// them (report_queue.hpp, agent.hpp).
#include <sys/utsname.h>
#include <unistd.h>

#include "tests/unit/miniswarm/agent_test_support.hpp"

namespace miniswarm::agent::testing {
namespace {

using S = TaskState;

class AgentHeartbeat : public AgentSteps {};

TEST_F(AgentHeartbeat, ReportsAreResentAfterAFailedHeartbeat) {
  deliver({assigned_task("t1")});
  link_.down = true;
  EXPECT_FALSE(agent_->heartbeat_once().ok());
  EXPECT_EQ(agent_->queued_reports(), 4u);
  link_.down = false;
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  ASSERT_EQ(link_.heartbeats.size(), 2u);
  EXPECT_EQ(link_.heartbeats[1].reports, link_.heartbeats[0].reports);
  EXPECT_EQ(link_.heartbeats[1].reports.size(), 4u);
  EXPECT_EQ(agent_->queued_reports(), 0u);
}

TEST_F(AgentHeartbeat, DeliveredReportsAreNotSentAgain) {
  deliver({assigned_task("t1")});
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  EXPECT_TRUE(link_.heartbeats.back().reports.empty());
}

TEST_F(AgentHeartbeat, ReportTheManagerRefusedIsLoggedAndNotResent) {
  deliver({assigned_task("t1")});
  link_.response.rejected = {"task `t1` is not assigned to node `n1` (it is on node `n2`)"};
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  link_.response.rejected.clear();
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  EXPECT_TRUE(link_.heartbeats[1].reports.empty());
  EXPECT_TRUE(link_.heartbeats[2].reports.empty());
  EXPECT_TRUE(logged("the manager refused a task report: task `t1` is not assigned"));
}

TEST_F(AgentHeartbeat, ReportsCarryTheClocksTime) {
  now_ms_ = 1'234'567;
  deliver({assigned_task("t1")});
  EXPECT_EQ(last_report("t1").timestamp_ms, 1'234'567);
}

TEST_F(AgentHeartbeat, HeartbeatDescribesTheNode) {
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  const HeartbeatRequest& beat = link_.heartbeats.at(0);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  struct utsname names {};
  ::uname(&names);
  EXPECT_EQ(beat.hostname, host);
  EXPECT_EQ(beat.addr, "127.0.0.1:4243");
  EXPECT_EQ(beat.total.nano_cpus, ::sysconf(_SC_NPROCESSORS_ONLN) * 1'000'000'000LL);
  EXPECT_GT(beat.total.memory_bytes, 0);
  EXPECT_EQ(beat.os, "linux");
  EXPECT_EQ(beat.arch, names.machine);
}

TEST_F(AgentHeartbeat, PeriodFollowsTheManagersAnswer) {
  EXPECT_EQ(agent_->heartbeat_period_ms(), 1000) << "the constructor's until the manager answers";
  link_.response.period_ms = 250;
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  EXPECT_EQ(agent_->heartbeat_period_ms(), 250);
}

TEST_F(AgentHeartbeat, OutageIsLoggedOnceWhenItStartsAndOnceWhenItEnds) {
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  link_.down = true;
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(agent_->heartbeat_once().ok());
  link_.down = false;
  ASSERT_TRUE(agent_->heartbeat_once().ok());
  auto about = [&](const std::string& text) {
    return std::count_if(lines_.begin(), lines_.end(),
                         [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  EXPECT_EQ(about("lost the manager (heartbeat): connect to 127.0.0.1:4242: Connection refused"), 1);
  EXPECT_EQ(about("manager reachable again (heartbeat), after 5 failed attempts"), 1);
}

TEST_F(AgentHeartbeat, ContainersKeepRunningWhileTheManagerIsDown) {
  deliver({assigned_task("t1")});
  link_.down = true;
  EXPECT_FALSE(agent_->poll_assignments_once().ok());
  EXPECT_FALSE(agent_->heartbeat_once().ok());
  pass();
  EXPECT_EQ(backend_.state_of(backend_.container_of("t1")), ContainerRunState::kRunning);
  EXPECT_EQ(backend_.stop_requests, 0);
}

}  // namespace
}  // namespace miniswarm::agent::testing
