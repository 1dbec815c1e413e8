/**
 * @file control_loop.cpp
 * @brief The wait / snapshot / decide / write cycle shared by the manager's loops
 *        (control_loop.hpp).
 */
#include "miniswarm/manager/control_loop.hpp"

#include <algorithm>

namespace miniswarm::manager {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

ControlLoop::ControlLoop(std::string name, ClusterStore& store, Step step, LogSink log,
                         int64_t idle_ms, int64_t coalesce_ms)
    : name_(std::move(name)),
      store_(store),
      step_(std::move(step)),
      log_(std::move(log)),
      idle_ms_(idle_ms),
      coalesce_ms_(coalesce_ms) {}

ControlLoop::~ControlLoop() { stop(); }

void ControlLoop::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void ControlLoop::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

StepResult ControlLoop::run_once() {
  ++runs_;
  return step_(now_ms());
}

void ControlLoop::run() {
  uint64_t seen = 0;
  std::optional<int64_t> wake_at;
  std::string last_error;
  while (!stopping_) {
    // Read the seq *before* the step: a commit that lands while the step runs makes
    // the next wait return at once instead of being missed.
    seen = store_.last_seq();
    StepResult result = run_once();
    if (!result.ok()) {
      // A version conflict means another loop won a race: run again on the new state.
      // Anything else is logged once per distinct message, and retried after a pause.
      std::string message = result.error().what();
      if (!is_version_conflict(result.error()) && message != last_error && log_) {
        log_(name_ + ": " + message);
      }
      last_error = message;
      std::this_thread::sleep_for(std::chrono::milliseconds(is_version_conflict(result.error()) ? 1 : 100));
      continue;
    }
    last_error.clear();
    wake_at = *result;
    // Sleep until a change, the step's own wake-up time, or the idle limit. Short
    // slices so stop() is prompt.
    while (!stopping_) {
      int64_t now = now_ms();
      int64_t until = now + idle_ms_;
      if (wake_at) until = std::min(until, *wake_at);
      if (until <= now) break;
      int64_t slice = std::min<int64_t>(until - now, 200);
      if (store_.wait_for_change(seen, std::chrono::milliseconds(slice)) > seen) {
        std::this_thread::sleep_for(std::chrono::milliseconds(coalesce_ms_));
        break;
      }
      if (now_ms() >= until) break;
    }
  }
}

}  // namespace miniswarm::manager
