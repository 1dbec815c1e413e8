/**
 * @file restart_policy.cpp
 * @brief Docker's restart rules and back-off; see restart_policy.hpp.
 *
 * Lab: labs/01-image-and-container
 */
#include "minirun/engine/restart_policy.hpp"

namespace minirun::engine {

namespace {

/// "restart 2 of 5" / "restart 2, no limit": the restart about to happen.
std::string describe_attempt(int restart_count, int max_retries) {
  std::string text = "restart " + std::to_string(restart_count + 1);
  if (max_retries > 0) return text + " of " + std::to_string(max_retries);
  return text + ", no limit";
}

}  // namespace

RestartDecision decide_restart(const RestartPolicy& policy, int exit_code, bool stopped_by_user, int restart_count) {
  const std::string& name = policy.name;
  std::string code = "exit code " + std::to_string(exit_code);
  // A user stop comes first: with `always` the container could not be stopped otherwise.
  if (stopped_by_user) return {false, name + ": stopped by the user, not restarting (" + code + ")"};
  if (name == "no" || name.empty()) return {false, "no: policy is no, not restarting (" + code + ")"};
  if (name == "always") return {true, "always: " + code + ", " + describe_attempt(restart_count, 0)};
  if (name == "unless-stopped") {
    // Same as always without a daemon to restart; see the file comment of the header.
    return {true, "unless-stopped: " + code + ", " + describe_attempt(restart_count, 0)};
  }
  if (name == "on-failure") {
    if (exit_code == 0) return {false, "on-failure: exit code 0 is a success, not restarting"};
    if (policy.max_retries > 0 && restart_count >= policy.max_retries) {
      return {false, "on-failure: " + code + ", all " + std::to_string(policy.max_retries) +
                         " restarts used, giving up"};
    }
    return {true, "on-failure: " + code + ", " + describe_attempt(restart_count, policy.max_retries)};
  }
  return {false, "unknown restart policy `" + name + "` (expected no, on-failure, always or unless-stopped), "
                 "not restarting (" + code + ")"};
}

int64_t restart_delay_ns(int64_t previous_delay_ns, int64_t ran_for_ns) {
  // A container that stayed up 10 s is treated as having recovered: start over at 100 ms.
  if (ran_for_ns >= kRestartResetAfterNs || previous_delay_ns <= 0) return kFirstRestartDelayNs;
  if (previous_delay_ns >= kMaxRestartDelayNs / 2) return kMaxRestartDelayNs;
  return previous_delay_ns * 2;
}

}  // namespace minirun::engine
