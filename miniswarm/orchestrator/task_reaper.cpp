/**
 * @file task_reaper.cpp
 * @brief History limit per slot, gone slots, never-ran tasks (see task_reaper.hpp).
 */
#include "miniswarm/orchestrator/task_reaper.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>

#include "miniswarm/orchestrator/restart_supervisor.hpp"
#include "miniswarm/orchestrator/slot.hpp"

namespace miniswarm::orchestrator {
namespace {

bool is_history(const Task& t) {
  return t.desired_state == TaskState::kShutdown && is_terminal(t.status.state);
}

// Latest stopped first; creation time and id settle ties so the cut is stable.
bool stopped_later(const Task* a, const Task* b) {
  if (a->status.timestamp_ms != b->status.timestamp_ms) {
    return a->status.timestamp_ms > b->status.timestamp_ms;
  }
  return created_after(*a, *b);
}

// Why the slot of `t` no longer exists in `service`, or empty when it does.
std::string gone_slot(const Task& t, const Service& service, const std::set<std::string>& node_ids) {
  if (service.spec.mode == ServiceMode::kReplicated) {
    if (t.slot == 0) return "not a slot of a replicated service";
    if (t.slot > service.spec.replicas) {
      return "slot " + std::to_string(t.slot) + " is gone (scaled down to " +
             std::to_string(service.spec.replicas) + ")";
    }
    return {};
  }
  if (t.slot != 0) return "not a task of a global service";
  if (node_ids.count(t.node_id) == 0) return "node " + t.node_id + " was removed";
  return {};
}

}  // namespace

std::map<std::string, std::string> find_tasks_to_reap(const std::vector<const Task*>& tasks,
                                                      const std::vector<Service>& services,
                                                      const std::vector<Node>& nodes,
                                                      int64_t now_ms, int64_t history_limit) {
  std::map<std::string, const Service*> service_by_id;
  for (const Service& s : services) service_by_id[s.id] = &s;
  std::set<std::string> node_ids;
  for (const Node& n : nodes) node_ids.insert(n.id);

  std::map<std::string, std::string> reap;
  // (service id, slot key) -> all tasks of that slot; history is picked out below.
  std::map<std::pair<std::string, std::string>, SlotTasks> slots;
  for (const Task* task : tasks) {
    const Task& t = *task;
    auto service = service_by_id.find(t.service_id);
    if (service == service_by_id.end()) continue;
    if (t.desired_state == TaskState::kShutdown && never_assigned(t)) {
      reap[t.id] = "stopped before any node took it";
      continue;
    }
    if (is_history(t)) {
      std::string gone = gone_slot(t, *service->second, node_ids);
      if (!gone.empty()) {
        reap[t.id] = "history of " + describe_slot(t) + ": " + gone;
        continue;
      }
    }
    slots[{t.service_id, slot_key(t)}].push_back(&t);
  }
  if (history_limit < 0) return reap;

  const auto keep = static_cast<size_t>(history_limit);
  for (const auto& [key, slot] : slots) {
    SlotTasks history;
    std::copy_if(slot.begin(), slot.end(), std::back_inserter(history),
                 [](const Task* t) { return is_history(*t); });
    if (history.size() <= keep) continue;
    std::sort(history.begin(), history.end(), stopped_later);
    int64_t horizon = restart_history_horizon(slot, now_ms);
    for (size_t i = keep; i < history.size(); ++i) {
      const Task* t = history[i];
      if (t->created_ms >= horizon) continue;  // the restart window may still count it
      reap[t->id] = "history of " + describe_slot(*t) + " beyond the task history limit of " +
                    std::to_string(history_limit);
    }
  }
  return reap;
}

std::map<std::string, std::string> find_tasks_to_reap(const std::vector<Task>& tasks,
                                                      const std::vector<Service>& services,
                                                      const std::vector<Node>& nodes,
                                                      int64_t now_ms, int64_t history_limit) {
  std::vector<const Task*> view;
  view.reserve(tasks.size());
  for (const Task& t : tasks) view.push_back(&t);
  return find_tasks_to_reap(view, services, nodes, now_ms, history_limit);
}

}  // namespace miniswarm::orchestrator
