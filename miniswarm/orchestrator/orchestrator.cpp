/**
 * @file orchestrator.cpp
 * @brief One run: services, removed services, reaper, wake-up time (see orchestrator.hpp).
 */
#include "miniswarm/orchestrator/orchestrator.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "miniswarm/orchestrator/global.hpp"
#include "miniswarm/orchestrator/removed_service.hpp"
#include "miniswarm/orchestrator/replicated.hpp"
#include "miniswarm/orchestrator/run_context.hpp"
#include "miniswarm/orchestrator/slot.hpp"

namespace miniswarm::orchestrator {
namespace {

// Adds the reaper's deletions. A task the reaper deletes may have been changed earlier
// in the same run (stopped, then found beyond a history limit of 0): the deletion wins.
void add_reaped(OrchestratorActions& out, const std::map<std::string, std::string>& reaped) {
  std::set<std::string> already(out.remove.begin(), out.remove.end());
  for (const auto& [id, reason] : reaped) {
    if (already.count(id) != 0) continue;
    out.remove.push_back(id);
    out.reasons[id] = reason + "; deleted";
  }
  std::erase_if(out.update, [&](const Task& t) { return reaped.count(t.id) != 0; });
}

// The tasks as the manager will find them after applying `out`: what apply_actions()
// returns, as pointers into `tasks` and `out`, so a run copies no task it leaves alone.
std::vector<const Task*> tasks_after(const std::vector<Task>& tasks, const OrchestratorActions& out) {
  std::map<std::string, const Task*> updated;
  for (const Task& t : out.update) updated[t.id] = &t;
  std::set<std::string> removed(out.remove.begin(), out.remove.end());
  std::vector<const Task*> after;
  after.reserve(tasks.size() + out.create.size());
  for (const Task& t : tasks) {
    if (removed.count(t.id) != 0) continue;
    auto it = updated.find(t.id);
    after.push_back(it == updated.end() ? &t : it->second);
  }
  for (const Task& t : out.create) after.push_back(&t);
  return after;
}

// The earliest not_before_ms still ahead among tasks waiting to be scheduled.
std::optional<int64_t> earliest_wake(const std::vector<const Task*>& tasks, int64_t now_ms) {
  std::optional<int64_t> wake;
  for (const Task* t : tasks) {
    if (!is_runnable(*t) || !never_assigned(*t) || t->not_before_ms <= now_ms) continue;
    if (!wake || t->not_before_ms < *wake) wake = t->not_before_ms;
  }
  return wake;
}

}  // namespace

OrchestratorActions orchestrate(const std::vector<Service>& services,
                                const std::vector<Task>& tasks, const std::vector<Node>& nodes,
                                int64_t now_ms, const OrchestratorOptions& options) {
  OrchestratorActions out;
  RunContext run(nodes, now_ms, options.new_id, out);

  std::map<std::string, SlotTasks> by_service;
  for (const Task& t : tasks) by_service[t.service_id].push_back(&t);

  std::set<std::string> service_ids;
  for (const Service& s : services) {
    service_ids.insert(s.id);
    const SlotTasks& own = by_service[s.id];
    if (s.spec.mode == ServiceMode::kGlobal) {
      reconcile_global(run, s, own);
    } else {
      reconcile_replicated(run, s, own);
    }
  }
  for (const auto& [service_id, own] : by_service) {
    if (service_ids.count(service_id) == 0) clean_up_removed_service(run, own);
  }

  // The wake-up time and the reaper look at the tasks as this run leaves them. The
  // reaper deletes only stopped tasks, which have no restart delay left to wake for.
  // (`after` points into `out.update`, which add_reaped changes: it is not used after.)
  std::vector<const Task*> after = tasks_after(tasks, out);
  out.wake_at_ms = earliest_wake(after, now_ms);
  add_reaped(out, find_tasks_to_reap(after, services, nodes, now_ms, options.task_history_limit));
  return out;
}

}  // namespace miniswarm::orchestrator
