/**
 * @file slot.cpp
 * @brief Slot keys, newest task, and the small predicates of slot.hpp.
 */
#include "miniswarm/orchestrator/slot.hpp"

namespace miniswarm::orchestrator {

std::string slot_key(const Task& task) {
  return task.slot != 0 ? std::to_string(task.slot) : "node:" + task.node_id;
}

std::string describe_slot(const Task& task) {
  if (task.slot != 0) return task.service_name + "." + std::to_string(task.slot);
  return task.service_name + " on node " + task.node_id;
}

bool created_after(const Task& a, const Task& b) {
  if (a.created_ms != b.created_ms) return a.created_ms > b.created_ms;
  return a.id > b.id;
}

const Task* newest_task(const SlotTasks& tasks) {
  const Task* best = nullptr;
  for (const Task* t : tasks) {
    if (best == nullptr || created_after(*t, *best)) best = t;
  }
  return best;
}

bool never_assigned(const Task& task) { return task.status.state < TaskState::kAssigned; }

bool is_runnable(const Task& task) { return task.desired_state <= TaskState::kRunning; }

std::string format_duration_ms(int64_t ms) {
  // Whole seconds read best as seconds; anything finer stays exact in milliseconds.
  if (ms < 1000 || ms % 1000 != 0) return std::to_string(ms) + "ms";
  int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  std::string out = std::to_string(s / 60) + "m";
  if (s % 60 != 0) out += std::to_string(s % 60) + "s";
  return out;
}

}  // namespace miniswarm::orchestrator
