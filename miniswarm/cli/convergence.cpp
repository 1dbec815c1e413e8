/**
 * @file convergence.cpp
 * @brief The judgement of convergence.hpp.
 */
#include "miniswarm/cli/convergence.hpp"

#include "miniswarm/cli/flag_parsing.hpp"

namespace miniswarm::cli {

namespace {

bool is_failure(TaskState state) {
  return state == TaskState::kFailed || state == TaskState::kRejected;
}

std::string failure_text(const Task& task) {
  if (!task.status.err.empty()) return task.status.err;
  if (!task.status.message.empty()) return task.status.message;
  return std::string(to_string(task.status.state));
}

}  // namespace

ConvergenceWatch::ConvergenceWatch(bool count_existing_failures, size_t failure_limit,
                                   int64_t global_grace_ms)
    : count_existing_failures_(count_existing_failures),
      failure_limit_(failure_limit),
      global_grace_ms_(global_grace_ms) {}

ConvergenceProgress ConvergenceWatch::observe(const Service& service,
                                              const std::vector<Task>& tasks, int64_t elapsed_ms) {
  ConvergenceProgress p;
  if (first_ && !count_existing_failures_) {
    for (const auto& t : tasks) {
      if (is_failure(t.status.state)) old_failures_.insert(t.id);
    }
  }
  first_ = false;

  uint64_t wanted = 0;
  int64_t newest_pending = -1;
  int64_t newest_failure = -1;
  for (const auto& t : tasks) {
    if (t.service_id != service.id) continue;
    if (is_failure(t.status.state) && old_failures_.count(t.id) == 0) {
      ++p.failures;
      if (t.status.timestamp_ms > newest_failure) {
        newest_failure = t.status.timestamp_ms;
        p.last_failure = failure_text(t);
      }
    }
    if (t.desired_state != TaskState::kRunning || is_terminal(t.status.state)) continue;
    ++wanted;
    if (t.status.state == TaskState::kRunning) ++p.running;
    if (t.status.state <= TaskState::kPending) {
      ++p.pending;
      if (!t.pending_reason.empty() && t.status.timestamp_ms > newest_pending) {
        newest_pending = t.status.timestamp_ms;
        p.pending_reason = t.pending_reason;
      }
    }
  }
  const bool global = service.spec.mode == ServiceMode::kGlobal;
  p.desired = global ? wanted : service.spec.replicas;

  bool gives_up = p.failures >= failure_limit_ ||
                  (p.failures > 0 && service.spec.restart.condition == RestartCondition::kNone);
  bool reached =
      p.running == p.desired && (!global || p.desired > 0 || elapsed_ms >= global_grace_ms_);
  if (reached) {
    p.verdict = Convergence::kConverged;
  } else if (gives_up) {
    p.verdict = Convergence::kFailing;
  }
  return p;
}

std::string progress_line(const ConvergenceProgress& p) {
  std::string line = std::to_string(p.running) + "/" + std::to_string(p.desired) + " tasks running";
  if (p.pending > 0) {
    line += "; " + std::to_string(p.pending) + " pending";
    if (!p.pending_reason.empty()) line += ": " + p.pending_reason;
  }
  if (p.failures > 0) line += "; " + std::to_string(p.failures) + " failed: " + p.last_failure;
  return line;
}

std::string not_converged_message(const ConvergenceProgress& p, const std::string& service_name,
                                  bool timed_out, int64_t timeout_ms) {
  std::string text = "verify: ";
  if (!timed_out) {
    text += "tasks keep failing (" + std::to_string(p.failures) + " failed): " + p.last_failure;
  } else {
    text += std::to_string(p.running) + "/" + std::to_string(p.desired) + " tasks running after " +
            format_duration(timeout_ms) + ": ";
    if (!p.pending_reason.empty()) {
      text += "tasks are pending: " + p.pending_reason;
    } else if (p.failures > 0) {
      text += "tasks failed: " + p.last_failure;
    } else if (p.pending > 0) {
      text += "tasks are pending";
    } else {
      text += "tasks are still starting";
    }
  }
  return text + " (the service exists: see `miniswarm service ps " + service_name + "`)";
}

}  // namespace miniswarm::cli
