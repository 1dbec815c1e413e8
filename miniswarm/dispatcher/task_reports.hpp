/**
 * @file task_reports.hpp
 * @brief Applying what an agent reports about its tasks, and what the agent is told.
 *
 * The agent owns a task's *observed* state from ACCEPTED on; the manager owns its
 * *desired* state (task_state.hpp). So a report may only:
 *  - concern a task assigned to the reporting node (the node id comes from its TLS
 *    certificate, so a worker cannot speak for another node);
 *  - move the state forward, to ACCEPTED or later. A report that would move it back, or
 *    repeats the current state, is old news (the network delivered it late, or the
 *    agent sent it again after a lost answer) and changes nothing. It is not an error:
 *    an agent retrying after a timeout is normal.
 *
 * assignments_for() is the other direction: the tasks a node must know about, which is
 * every task on it that has been ASSIGNED and has not ended. A task whose desired state
 * became SHUTDOWN stays in the list until the agent reports it ended: that is how the
 * agent learns to stop it (after a scale-down, a drain, or when a node that was DOWN
 * comes back and finds its tasks replaced).
 *
 * Docs: docs/design/swarm.md ("agent and dispatcher"); SwarmKit dispatcher
 * UpdateTaskStatus and Assignments.
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/dispatcher/protocol.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm {

/// Applies one report from `node_id` to `task`. Returns true when the task changed,
/// false for old news, an Error when the report is not this node's to make.
minirun::sys::Result<bool> apply_task_report(Task& task, const std::string& node_id,
                                             const TaskReport& report, int64_t now_ms);

/// The tasks `node_id` should know about (see above), in a stable order (by id).
std::vector<Task> assignments_for(const std::string& node_id, const std::vector<Task>& tasks);

}  // namespace miniswarm
