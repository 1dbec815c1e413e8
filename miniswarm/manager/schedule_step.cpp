/**
 * @file schedule_step.cpp
 * @brief The scheduler's step: place pending tasks, or write why they wait (steps.hpp).
 */
#include "miniswarm/manager/steps.hpp"

#include <unordered_map>

namespace miniswarm::manager {

StepResult ScheduleStep::run(ClusterStore& store, int64_t now_ms, const LogSink& log) {
  auto snapshot = store.snapshot();
  if (!snapshot.ok()) return std::move(snapshot.error()).context("scheduler: read the store");
  const Snapshot& s = *snapshot;

  std::optional<int64_t> wake_at;
  bool any_pending = false;
  for (const auto& task : s.tasks) {
    if (task.status.state != TaskState::kPending || task.desired_state != TaskState::kRunning) continue;
    any_pending = true;
    if (task.not_before_ms > now_ms && (!wake_at || task.not_before_ms < *wake_at)) {
      wake_at = task.not_before_ms;
    }
  }
  if (!any_pending) return wake_at;

  scheduler::ScheduleResult result = scheduler_.schedule(s.nodes, s.tasks, now_ms);
  if (result.assigned.empty() && result.pending.empty()) return wake_at;

  std::unordered_map<std::string, const Node*> nodes;
  for (const auto& node : s.nodes) nodes[node.id] = &node;
  std::unordered_map<std::string, const Task*> read;
  for (const auto& task : s.tasks) read[task.id] = &task;

  std::vector<std::string> placed;
  auto written = store.update([&](StoreTx& tx) -> Result<void> {
    placed.clear();
    for (const auto& a : result.assigned) {
      Task task = *read.at(a.task_id);  // the version read: a change since is a conflict
      auto node = nodes.find(a.node_id);
      std::string where = node != nodes.end() && !node->second->hostname.empty()
                              ? node->second->hostname
                              : a.node_id;
      task.node_id = a.node_id;
      task.pending_reason.clear();
      if (!advance_task(task, TaskState::kAssigned, now_ms, "assigned to node " + where)) continue;
      MINIRUN_TRY(tx.update(task), "assign task `" + task.id + "`");
      placed.push_back(task.name() + " -> " + where);
    }
    for (const auto& u : result.pending) {
      Task task = *read.at(u.task_id);
      if (task.pending_reason == u.reason) continue;  // already says so: no write
      task.pending_reason = u.reason;
      MINIRUN_TRY(tx.update(task), "explain pending task `" + task.id + "`");
    }
    return minirun::sys::ok();
  });
  if (!written.ok()) return std::move(written.error()).context("scheduler");
  if (log && !placed.empty()) {
    std::string line = "scheduler: assigned " + std::to_string(placed.size()) + " task(s)";
    if (placed.size() <= 5) {
      for (size_t i = 0; i < placed.size(); ++i) line += (i == 0 ? ": " : ", ") + placed[i];
    }
    log(line);
  }
  return wake_at;
}

}  // namespace miniswarm::manager
