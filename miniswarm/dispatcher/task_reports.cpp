/**
 * @file task_reports.cpp
 * @brief An agent's task reports applied under the forward-only rule (task_reports.hpp).
 */
#include "miniswarm/dispatcher/task_reports.hpp"

#include <algorithm>

namespace miniswarm {

minirun::sys::Result<bool> apply_task_report(Task& task, const std::string& node_id,
                                             const TaskReport& report, int64_t now_ms) {
  using minirun::sys::Error;
  if (task.node_id != node_id) {
    return Error("task `" + task.id + "` is not assigned to node `" + node_id + "`" +
                 (task.node_id.empty() ? "" : " (it is on node `" + task.node_id + "`)"));
  }
  if (report.state < TaskState::kAccepted) {
    return Error("task `" + task.id + "`: an agent cannot report state `" +
                 std::string(to_string(report.state)) + "` (only accepted and later)");
  }
  if (!can_transition(task.status.state, report.state)) return false;  // old news
  int64_t when = report.timestamp_ms != 0 ? std::min(report.timestamp_ms, now_ms) : now_ms;
  advance_task(task, report.state, when, report.message, report.err);
  task.status.exit_code = report.exit_code;
  if (!report.container_id.empty()) task.container_id = report.container_id;
  return true;
}

std::vector<Task> assignments_for(const std::string& node_id, const std::vector<Task>& tasks) {
  std::vector<Task> out;
  for (const auto& task : tasks) {
    if (task.node_id != node_id) continue;
    if (task.status.state < TaskState::kAssigned || is_terminal(task.status.state)) continue;
    out.push_back(task);
  }
  std::sort(out.begin(), out.end(), [](const Task& a, const Task& b) { return a.id < b.id; });
  return out;
}

}  // namespace miniswarm
