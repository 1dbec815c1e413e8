/**
 * @file dispatcher_service.cpp
 * @brief Heartbeats, reports, assignments and liveness against the store
 *        (dispatcher_service.hpp).
 */
#include "miniswarm/manager/dispatcher_service.hpp"

#include <algorithm>
#include <chrono>

#include "miniswarm/dispatcher/orphaned_tasks.hpp"
#include "miniswarm/dispatcher/task_reports.hpp"

namespace miniswarm::manager {

using minirun::sys::Error;

DispatcherService::DispatcherService(ClusterStore& store, int64_t period_ms, LogSink log)
    : store_(store), log_(std::move(log)), tracker_(period_ms) {}

Result<void> DispatcherService::start(int64_t now_ms) {
  auto nodes = store_.nodes();
  if (!nodes.ok()) return std::move(nodes.error()).context("dispatcher: read the nodes");
  std::vector<std::string> ready;
  for (const auto& node : *nodes) {
    if (node.status == NodeStatus::kReady || node.status == NodeStatus::kUnknown) ready.push_back(node.id);
  }
  std::lock_guard lock(mutex_);
  tracker_.start(ready, now_ms);
  return minirun::sys::ok();
}

int64_t DispatcherService::period_ms() const {
  std::lock_guard lock(mutex_);
  return tracker_.period_ms();
}

void DispatcherService::set_period_ms(int64_t period_ms) {
  std::lock_guard lock(mutex_);
  tracker_.set_period_ms(period_ms);
}

Result<HeartbeatResponse> DispatcherService::heartbeat(const std::string& node_id,
                                                       const HeartbeatRequest& request,
                                                       int64_t now_ms) {
  HeartbeatResponse response;
  response.period_ms = period_ms();
  // The node is alive: it just called. Recorded first, so a slow or failed write of its
  // reports (a busy store during a large deploy) can never make it look silent.
  {
    std::lock_guard lock(mutex_);
    tracker_.beat(node_id, now_ms);
  }
  bool came_back = false;
  auto written = store_.update([&](StoreTx& tx) -> Result<void> {
    response.rejected.clear();
    came_back = false;
    auto node = tx.node(node_id);
    if (!node.ok()) return std::move(node.error());
    if (!node->has_value()) {
      return Error("node `" + node_id + "` is not in this swarm (removed with `node rm`?): " +
                   "join again with a new token");
    }
    Node n = **node;
    NodeStatus before = n.status;
    if (apply_heartbeat(n, request, now_ms)) {
      came_back = before == NodeStatus::kDown;
      MINIRUN_TRY(tx.update(n), "node `" + node_id + "`");
    }
    for (const auto& report : request.reports) {
      auto task = tx.task(report.task_id);
      if (!task.ok()) return std::move(task.error());
      if (!task->has_value()) {
        response.rejected.push_back(report.task_id + ": no such task (removed from the swarm)");
        continue;
      }
      Task t = **task;
      auto changed = apply_task_report(t, node_id, report, now_ms);
      if (!changed.ok()) {
        response.rejected.push_back(report.task_id + ": " + changed.error().what());
        continue;
      }
      if (*changed) MINIRUN_TRY(tx.update(t), "task `" + t.id + "`");
    }
    return minirun::sys::ok();
  });
  if (!written.ok()) return std::move(written.error()).context("heartbeat from node `" + node_id + "`");
  if (came_back && log_) log_("dispatcher: node " + node_id + " is ready again");
  return response;
}

Result<AssignmentsResponse> DispatcherService::assignments(const std::string& node_id,
                                                           const AssignmentsRequest& request) {
  // Cap the hold so a proxy or the client's read timeout never cuts the poll.
  int64_t wait_ms = std::clamp<int64_t>(request.wait_ms, 0, 30'000);
  if (request.since_seq != 0 && store_.last_seq() <= request.since_seq && wait_ms > 0) {
    store_.wait_for_change(request.since_seq, std::chrono::milliseconds(wait_ms));
  }
  AssignmentsResponse response;
  response.seq = store_.last_seq();  // before reading: a later commit is seen next time
  auto tasks = store_.tasks_of_node(node_id);
  if (!tasks.ok()) return std::move(tasks.error()).context("assignments of node `" + node_id + "`");
  response.tasks = assignments_for(node_id, *tasks);
  return response;
}

StepResult DispatcherService::liveness_step(int64_t now_ms) {
  std::vector<std::string> expired;
  int64_t grace = 0;
  {
    std::lock_guard lock(mutex_);
    expired = tracker_.expired(now_ms);
    grace = tracker_.grace_ms();
  }
  if (!expired.empty()) {
    std::vector<std::pair<std::string, int64_t>> last;
    {
      std::lock_guard lock(mutex_);
      for (const auto& id : expired) last.emplace_back(id, tracker_.last_beat(id));
    }
    auto written = store_.update([&](StoreTx& tx) -> Result<void> {
      for (const auto& [id, beat] : last) {
        auto node = tx.node(id);
        if (!node.ok()) return std::move(node.error());
        if (!node->has_value()) continue;  // removed meanwhile
        Node n = **node;
        if (mark_node_down(n, beat, grace)) {
          MINIRUN_TRY(tx.update(n), "mark node `" + id + "` down");
          if (log_) log_("dispatcher: node " + (n.hostname.empty() ? id : n.hostname) + " is down (" +
                         n.status_message + ")");
        }
      }
      return minirun::sys::ok();
    });
    if (!written.ok()) return std::move(written.error()).context("liveness");
    std::lock_guard lock(mutex_);
    for (const auto& id : expired) tracker_.forget(id);
    next_orphan_check_ms_ = 0;  // a node just went DOWN: learn its orphan deadline
  }
  if (now_ms >= next_orphan_check_ms_) MINIRUN_TRY(orphan_step(now_ms), "liveness");
  std::lock_guard lock(mutex_);
  int64_t next = tracker_.next_deadline();
  // Look again a little after the earliest deadline; with no node tracked, every period.
  int64_t wake = next != 0 ? next + 1 : now_ms + tracker_.period_ms();
  return std::optional<int64_t>(std::min(wake, next_orphan_check_ms_));
}

Result<void> DispatcherService::orphan_step(int64_t now_ms) {
  int64_t next_deadline = 0;
  auto written = store_.update([&](StoreTx& tx) -> Result<void> {
    auto cluster = tx.cluster();
    if (!cluster.ok()) return std::move(cluster.error());
    if (!cluster->has_value()) return minirun::sys::ok();
    auto nodes = tx.nodes();
    if (!nodes.ok()) return std::move(nodes.error());
    std::vector<Task> tasks;
    for (const auto& node : *nodes) {
      if (node.status != NodeStatus::kDown) continue;
      auto of_node = tx.tasks_of_node(node.id);
      if (!of_node.ok()) return std::move(of_node.error());
      tasks.insert(tasks.end(), of_node->begin(), of_node->end());
    }
    OrphanPlan plan = plan_orphans(*nodes, tasks, now_ms, (*cluster)->orphan_after_ms);
    for (auto& task : plan.orphaned) MINIRUN_TRY(tx.update(task), "orphan task `" + task.id + "`");
    if (!plan.orphaned.empty() && log_) {
      log_("dispatcher: " + std::to_string(plan.orphaned.size()) + " task(s) orphaned (" +
           plan.orphaned.front().status.message + ")");
    }
    next_deadline = plan.next_deadline_ms;
    return minirun::sys::ok();
  });
  if (!written.ok()) return std::move(written.error()).context("orphan tasks");
  std::lock_guard lock(mutex_);
  // With nothing waiting, the next DOWN node resets this; the hour is a safety net.
  next_orphan_check_ms_ = next_deadline != 0 ? next_deadline : now_ms + 3'600'000;
  return minirun::sys::ok();
}

}  // namespace miniswarm::manager
