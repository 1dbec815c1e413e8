/**
 * @file orphaned_tasks.hpp
 * @brief ORPHANED: the tasks of a node that has been DOWN for too long.
 *
 * When a node stops sending heartbeats the dispatcher marks it DOWN and the
 * orchestrator starts replacements elsewhere (its old tasks get desired state SHUTDOWN).
 * But the old tasks' *observed* state is still whatever the node last reported, often
 * RUNNING: nobody can know, since the node is silent. If the node comes back, its agent
 * stops them and reports SHUTDOWN. If it never comes back, they would stay "running" in
 * `service ps` forever. SwarmKit's answer is the last task state, ORPHANED: after the
 * node has been silent for a long time (24 hours), the manager gives up on it and moves
 * its unfinished tasks to ORPHANED, a terminal state, so history and cleanup can treat
 * them like any other finished task.
 *
 * This file is the pure decision (no store, no clock): given the nodes, the tasks and
 * the time, which tasks become ORPHANED now, and when to look again. The dispatcher's
 * liveness step (manager/dispatcher_service.cpp) runs it and writes the result. The
 * delay is the cluster's `orphan_after_ms`: 24 h as in SwarmKit, 1 min with
 * `miniswarm init --lab` so a class sees it, `--orphan-after` to choose.
 *
 * A node's silence is counted from its last heartbeat (Node::last_heartbeat_ms, which
 * mark_node_down records), not from the moment it was marked DOWN.
 *
 * Reference: SwarmKit's design/task_model.md (the ORPHANED state); `docker service ps`.
 * Lab: labs/10-swarm (step 4 kills a node; a minute later `service ps` shows its task ORPHANED).
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm {

/// SwarmKit's delay before the tasks of a silent node are given up on.
inline constexpr int64_t kDefaultOrphanAfterMs = 24LL * 60 * 60 * 1000;
/// `miniswarm init --lab`: short enough to watch in a class.
inline constexpr int64_t kLabOrphanAfterMs = 60 * 1000;

struct OrphanPlan {
  /// The tasks to write: each already advanced to ORPHANED with its reason.
  std::vector<Task> orphaned;
  /// The first instant at which another task of a DOWN node becomes orphaned (0: none).
  int64_t next_deadline_ms = 0;
};

/// The tasks that are not finished (below COMPLETE) on a DOWN node whose last heartbeat
/// is more than `orphan_after_ms` before `now_ms`.
OrphanPlan plan_orphans(const std::vector<Node>& nodes, const std::vector<Task>& tasks, int64_t now_ms,
                        int64_t orphan_after_ms);

/// "24h", "1m", "90s": a delay as the reason text shows it.
std::string orphan_delay_text(int64_t ms);

}  // namespace miniswarm
