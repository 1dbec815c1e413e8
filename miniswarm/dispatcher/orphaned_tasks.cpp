/**
 * @file orphaned_tasks.cpp
 * @brief Which tasks of silent nodes become ORPHANED (orphaned_tasks.hpp).
 */
#include "miniswarm/dispatcher/orphaned_tasks.hpp"

#include <map>

namespace miniswarm {

std::string orphan_delay_text(int64_t ms) {
  const int64_t hour = 3'600'000, minute = 60'000, second = 1000;
  if (ms > 0 && ms % hour == 0) return std::to_string(ms / hour) + "h";
  if (ms > 0 && ms % minute == 0) return std::to_string(ms / minute) + "m";
  if (ms % second == 0) return std::to_string(ms / second) + "s";
  return std::to_string(ms) + "ms";
}

OrphanPlan plan_orphans(const std::vector<Node>& nodes, const std::vector<Task>& tasks, int64_t now_ms,
                        int64_t orphan_after_ms) {
  // When each DOWN node's tasks are given up on.
  std::map<std::string, const Node*> down;
  for (const auto& node : nodes) {
    if (node.status == NodeStatus::kDown) down[node.id] = &node;
  }
  OrphanPlan plan;
  if (down.empty()) return plan;
  const std::string delay = orphan_delay_text(orphan_after_ms);
  for (const auto& task : tasks) {
    // Only tasks the node had been given (ASSIGNED or later) and that have not ended:
    // a finished task's last word stands, and an unassigned one was never there.
    if (task.status.state < TaskState::kAssigned || is_terminal(task.status.state)) continue;
    auto it = down.find(task.node_id);
    if (it == down.end()) continue;
    const Node& node = *it->second;
    // "More than the delay": the first instant at which the task is given up on.
    const int64_t deadline = node.last_heartbeat_ms + orphan_after_ms + 1;
    if (now_ms < deadline) {
      if (plan.next_deadline_ms == 0 || deadline < plan.next_deadline_ms) plan.next_deadline_ms = deadline;
      continue;
    }
    Task orphan = task;
    const std::string name = node.hostname.empty() ? node.id : node.hostname;
    if (advance_task(orphan, TaskState::kOrphaned, now_ms,
                     "node " + name + " has been down for more than " + delay + ": task orphaned")) {
      plan.orphaned.push_back(std::move(orphan));
    }
  }
  return plan;
}

}  // namespace miniswarm
