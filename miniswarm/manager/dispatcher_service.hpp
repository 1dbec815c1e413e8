/**
 * @file dispatcher_service.hpp
 * @brief The manager's side of the agent conversation: heartbeats, task reports,
 *        assignments, and marking silent nodes DOWN.
 *
 * The pure rules live in miniswarm/dispatcher/ (what a heartbeat changes, which reports
 * are accepted, what a node is told); this class adds the store and the time:
 *
 *  - heartbeat(): beats the node's clock (memory only), and in one transaction applies
 *    the node's reports and whatever the heartbeat changed on the node (status READY
 *    after DOWN, new resources). The node id is the caller's TLS identity.
 *  - assignments(): a long poll. Answers at once when the store moved past the agent's
 *    `since_seq`, else waits for a commit (or `wait_ms`). Any commit wakes it, and the
 *    answer is the node's full list; an agent that gets the same list again simply finds
 *    nothing to do. (Filtering wake-ups by node would save work at scale, at the price of
 *    a subtler reading; the seq tells the agent where it is either way.)
 *  - liveness_step(): the loop that marks a node DOWN when its heartbeats stop
 *    (heartbeats.hpp), which is what makes the orchestrator replace its tasks; and,
 *    when such a node stays silent past the cluster's orphan delay, moves its unfinished
 *    tasks to ORPHANED (orphaned_tasks.hpp).
 *
 * Docs: docs/design/swarm.md ("agent and dispatcher"); SwarmKit manager/dispatcher.
 */
#pragma once

#include <mutex>
#include <string>

#include "miniswarm/dispatcher/heartbeats.hpp"
#include "miniswarm/dispatcher/protocol.hpp"
#include "miniswarm/manager/control_loop.hpp"
#include "miniswarm/store/cluster_store.hpp"

namespace miniswarm::manager {

class DispatcherService {
 public:
  DispatcherService(ClusterStore& store, int64_t period_ms, LogSink log);

  /// Starts the heartbeat clocks of the nodes the store knows as READY (a manager that
  /// restarts gives them a fresh grace period instead of declaring them all DOWN).
  Result<void> start(int64_t now_ms);

  Result<HeartbeatResponse> heartbeat(const std::string& node_id, const HeartbeatRequest& request,
                                      int64_t now_ms);
  Result<AssignmentsResponse> assignments(const std::string& node_id, const AssignmentsRequest& request);

  /// Marks DOWN every node whose heartbeats stopped, and ORPHANED the unfinished tasks
  /// of nodes silent for longer than the cluster's orphan delay; returns when to look
  /// again.
  StepResult liveness_step(int64_t now_ms);

  int64_t period_ms() const;
  void set_period_ms(int64_t period_ms);

 private:
  ClusterStore& store_;
  LogSink log_;
  mutable std::mutex mutex_;  ///< guards tracker_
  HeartbeatTracker tracker_;
  /// When to look for tasks to orphan again (0: at the next step). Reading every task is
  /// not for every step: only when a node went DOWN or a known deadline came.
  int64_t next_orphan_check_ms_ = 0;

  Result<void> orphan_step(int64_t now_ms);
};

}  // namespace miniswarm::manager
