/**
 * @file manager_contact.hpp
 * @brief What the agent does when the manager does not answer: back off, and say so once.
 *
 * A worker must outlive its manager's outages. When a heartbeat or an assignments call
 * fails, the agent keeps every container running (the manager may be restarting, or
 * the network may be cut only between them) and tries again, each time a little later:
 * 100 ms, 200 ms, 400 ms, ... up to the heartbeat period. Retrying at once in a loop
 * would load a manager that is coming back up with every worker's retries at the same
 * moment; waiting longer than a period would make the manager mark the node DOWN
 * (three missed periods, heartbeats.hpp) when it was only briefly unreachable.
 *
 * The log gets one line when the manager becomes unreachable (with the error of that
 * first failure) and one when it answers again (with how many attempts failed), not one
 * per attempt: a 10-minute outage with a 1 s period would otherwise write 600 lines
 * that all say the same thing and bury the one that explains it.
 *
 * One ManagerContact per conversation (heartbeat, assignments): they fail and recover
 * separately (a long poll may time out while heartbeats still pass).
 *
 * Docs: SwarmKit agent/agent.go (its session back-off, capped the same way).
 */
#pragma once

#include <cstdint>
#include <string>

#include "minirun/sys/error.hpp"

namespace miniswarm::agent {

class ManagerContact {
 public:
  /// `conversation` names the call in the log lines ("heartbeat", "assignments").
  explicit ManagerContact(std::string conversation, int64_t first_retry_ms = 100)
      : conversation_(std::move(conversation)), first_retry_ms_(first_retry_ms) {}

  /// A call succeeded. Returns the line to log on the first success and when the
  /// manager was unreachable, else "".
  std::string succeeded();
  /// A call failed. Returns the line to log when the manager was reachable (or not yet
  /// tried), else "" (a retry that failed again is not news).
  std::string failed(const minirun::sys::Error& error);

  /// How long to wait before the next attempt after the failures so far: the first
  /// delay, doubled per further failure, never more than `cap_ms` (the period).
  int64_t retry_delay_ms(int64_t cap_ms) const;

  /// False once a call failed, until one succeeds.
  bool reachable() const { return failures_ == 0; }
  int failures() const { return failures_; }

 private:
  std::string conversation_;
  int64_t first_retry_ms_;
  int failures_ = 0;       ///< consecutive failed calls
  bool ever_ok_ = false;   ///< to word the lines ("reachable" / "cannot reach" / "lost")
};

}  // namespace miniswarm::agent
