// Reports stay queued until a heartbeat that carried them was answered (report_queue.hpp).
#include <gtest/gtest.h>

#include "miniswarm/agent/report_queue.hpp"

namespace miniswarm::agent {
namespace {

TaskReport report(const std::string& id, TaskState state) {
  TaskReport r;
  r.task_id = id;
  r.state = state;
  return r;
}

TEST(ReportQueue, PendingKeepsTheOrderReportsWereQueuedIn) {
  ReportQueue q;
  q.push(report("t1", TaskState::kAccepted));
  q.push(report("t2", TaskState::kAccepted));
  q.push(report("t1", TaskState::kRunning));
  auto batch = q.pending();
  ASSERT_EQ(batch.reports.size(), 3u);
  EXPECT_EQ(batch.reports[0], report("t1", TaskState::kAccepted));
  EXPECT_EQ(batch.reports[1], report("t2", TaskState::kAccepted));
  EXPECT_EQ(batch.reports[2], report("t1", TaskState::kRunning));
}

TEST(ReportQueue, ReportQueuedDuringAHeartbeatSurvivesItsAcknowledgement) {
  ReportQueue q;
  q.push(report("t1", TaskState::kAccepted));
  auto in_flight = q.pending();
  q.push(report("t1", TaskState::kRunning));  // while the heartbeat was on the wire
  q.acknowledge(in_flight.last_seq);
  auto left = q.pending();
  ASSERT_EQ(left.reports.size(), 1u);
  EXPECT_EQ(left.reports[0].state, TaskState::kRunning);
}

TEST(ReportQueue, UnacknowledgedReportsStay) {
  ReportQueue q;
  q.push(report("t1", TaskState::kAccepted));
  (void)q.pending();  // a heartbeat that failed: no acknowledge()
  EXPECT_EQ(q.pending().reports.size(), 1u);
}

}  // namespace
}  // namespace miniswarm::agent
