/**
 * @file report_queue.hpp
 * @brief The task reports an agent has not yet delivered, kept until a heartbeat carried them.
 *
 * Every state a task goes through on the node (ACCEPTED, PREPARING, STARTING, RUNNING,
 * then COMPLETE / FAILED / SHUTDOWN / REJECTED) becomes one TaskReport, queued here in
 * the order it happened. A heartbeat takes a snapshot of the whole queue; only when the
 * manager answered that heartbeat are those reports dropped (acknowledge()). If the
 * heartbeat failed (manager down, network cut, timeout) they stay and go again with the
 * next one, together with whatever happened since.
 *
 * Sending a report twice is safe by design: the dispatcher ignores a report that does
 * not move a task forward (task_reports.hpp), so "at least once" is enough and the agent
 * needs no exactly-once bookkeeping. The manager may also *refuse* a report (the task is
 * unknown, or not this node's); it says so in HeartbeatResponse::rejected, and those
 * reports are dropped with the rest when the heartbeat is acknowledged: sending them
 * again could never succeed.
 *
 * Each report gets a sequence number, so that a report queued while a heartbeat was in
 * flight is not dropped by that heartbeat's acknowledgement.
 *
 * Not thread-safe: the agent guards it with its own mutex (agent.hpp).
 *
 * Docs: SwarmKit agent/reporter.go (the status reporter that retries until the manager
 * has a task's latest state).
 */
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "miniswarm/dispatcher/protocol.hpp"

namespace miniswarm::agent {

class ReportQueue {
 public:
  /// A snapshot of the queue: the reports, oldest first, and the number to acknowledge.
  struct Batch {
    std::vector<TaskReport> reports;
    uint64_t last_seq = 0;  ///< pass to acknowledge() once the heartbeat succeeded
  };

  void push(TaskReport report);
  /// Everything not yet acknowledged.
  Batch pending() const;
  /// Drops the reports up to `last_seq` (a batch the manager answered).
  void acknowledge(uint64_t last_seq);

  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }

 private:
  struct Entry {
    uint64_t seq;
    TaskReport report;
  };
  std::deque<Entry> queue_;
  uint64_t next_seq_ = 1;
};

}  // namespace miniswarm::agent
