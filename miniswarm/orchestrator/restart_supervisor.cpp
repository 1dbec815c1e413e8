/**
 * @file restart_supervisor.cpp
 * @brief Restart condition, attempt counting, delay and backoff (see restart_supervisor.hpp).
 */
#include "miniswarm/orchestrator/restart_supervisor.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace miniswarm::orchestrator {
namespace {

// The moment a stopped task's window is counted back from: when it stopped. Using the
// stop time rather than "now" is what makes the decision the same on every later run.
// A terminal status without a timestamp is malformed; "now" is the best guess then.
int64_t stopped_at(const Task& ended, int64_t now_ms) {
  return ended.status.timestamp_ms > 0 ? ended.status.timestamp_ms : now_ms;
}

std::string window_words(const RestartPolicy& policy) {
  return policy.window_ms > 0 ? " within " + format_duration_ms(policy.window_ms) : "";
}

}  // namespace

std::string describe_end(const Task& ended) {
  std::string out(to_string(ended.status.state));
  std::string detail = !ended.status.err.empty()       ? ended.status.err
                       : !ended.status.message.empty() ? ended.status.message
                       : ended.status.exit_code != 0
                           ? "exit code " + std::to_string(ended.status.exit_code)
                           : "";
  if (!detail.empty()) out += ": " + detail;
  return out;
}

uint64_t counted_restarts(const Task& ended, const SlotTasks& slot, int64_t now_ms) {
  const RestartPolicy& policy = ended.spec.restart;
  if (policy.window_ms <= 0) return ended.restart_attempt;

  // Restart k happened when the first task with restart_attempt k was created; a later
  // task with the same k is the same replica moved off a failed node, not a restart.
  std::map<uint64_t, int64_t> restarted_at;
  for (const Task* t : slot) {
    uint64_t k = t->restart_attempt;
    if (k == 0 || k > ended.restart_attempt) continue;
    auto [it, inserted] = restarted_at.emplace(k, t->created_ms);
    if (!inserted) it->second = std::min(it->second, t->created_ms);
  }
  int64_t window_start = stopped_at(ended, now_ms) - policy.window_ms;
  return static_cast<uint64_t>(std::count_if(restarted_at.begin(), restarted_at.end(),
                                             [&](const auto& kv) { return kv.second > window_start; }));
}

int64_t restart_delay_ms(const RestartPolicy& policy, uint64_t earlier_restarts) {
  if (policy.delay_ms <= 0) return 0;
  if (!policy.backoff) return policy.delay_ms;
  // A max_delay below the base delay would make backoff shorten the delay; the base
  // delay is the floor.
  int64_t cap = std::max(policy.max_delay_ms, policy.delay_ms);
  int64_t delay = policy.delay_ms;
  for (uint64_t i = 0; i < earlier_restarts && delay < cap; ++i) {
    delay = delay > cap / 2 ? cap : delay * 2;  // doubling, without overflowing
  }
  return std::min(delay, cap);
}

RestartDecision decide_restart(const Task& ended, const SlotTasks& slot, int64_t now_ms) {
  const RestartPolicy& policy = ended.spec.restart;
  RestartDecision d;
  switch (policy.condition) {
    case RestartCondition::kNone:
      d.why = "restart condition is none";
      return d;
    case RestartCondition::kOnFailure:
      if (ended.status.state == TaskState::kComplete) {
        d.why = "it completed (exit code 0) and the restart condition is on-failure";
        return d;
      }
      break;
    case RestartCondition::kAny:
      break;
  }

  uint64_t earlier = counted_restarts(ended, slot, now_ms);
  if (policy.max_attempts != 0 && earlier >= policy.max_attempts) {
    d.why = "it was restarted " + std::to_string(earlier) + " time" + (earlier == 1 ? "" : "s") +
            window_words(policy) + ", the most --restart-max-attempts " +
            std::to_string(policy.max_attempts) + " allows";
    return d;
  }

  d.restart = true;
  d.attempt = ended.restart_attempt + 1;
  d.delay_ms = restart_delay_ms(policy, earlier);
  d.why = policy.max_attempts != 0
              ? "restart " + std::to_string(earlier + 1) + " of " +
                    std::to_string(policy.max_attempts) + window_words(policy)
              : "restart " + std::to_string(d.attempt);
  if (d.delay_ms > 0) {
    d.why += ", delay " + format_duration_ms(d.delay_ms);
    if (policy.backoff && earlier > 0) d.why += " (backoff)";
  }
  return d;
}

int64_t restart_history_horizon(const SlotTasks& slot, int64_t now_ms) {
  int64_t horizon = std::numeric_limits<int64_t>::max();
  for (const Task* t : slot) {
    const RestartPolicy& policy = t->spec.restart;
    // Only a task still desired RUNNING has a decision ahead of (or held on) it; the
    // tasks it replaced decided long ago.
    if (policy.max_attempts == 0 || policy.window_ms <= 0 || !is_runnable(*t)) continue;
    // A task that has not stopped yet will stop at "now" or later: its window starts
    // no earlier than now - window.
    int64_t reference = is_terminal(t->status.state) ? stopped_at(*t, now_ms) : now_ms;
    horizon = std::min(horizon, reference - policy.window_ms);
  }
  return horizon;
}

}  // namespace miniswarm::orchestrator
