/**
 * @file schedulable.cpp
 * @brief Sorting tasks for the scheduler (see schedulable.hpp).
 */
#include "miniswarm/scheduler/schedulable.hpp"

namespace miniswarm::scheduler {

Schedulability classify_task(const Task& task, int64_t now_ms) {
  if (task.status.state != TaskState::kPending || task.desired_state != TaskState::kRunning) {
    return Schedulability::kIgnored;
  }
  if (task.not_before_ms > now_ms) return Schedulability::kDelayed;
  return task.node_id.empty() ? Schedulability::kUnassigned : Schedulability::kPinned;
}

std::string restart_delay_reason(const Task& task, int64_t now_ms) {
  int64_t left_ms = task.not_before_ms - now_ms;
  int64_t tenths = left_ms <= 0 ? 0 : (left_ms + 99) / 100;
  return "restart delay: " + std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) +
         " s left";
}

}  // namespace miniswarm::scheduler
