/**
 * @file heartbeats.hpp
 * @brief How the manager decides that a node is alive or DOWN.
 *
 * Every agent sends a heartbeat each period (Swarm's default 5 s; `--heartbeat-period`,
 * 1 s in lab mode). The dispatcher keeps the time of each node's last heartbeat *in
 * memory*, not in the store: writing every heartbeat of every node would wake the
 * orchestrator and the scheduler for nothing. Only a change of status is written (READY
 * -> DOWN, DOWN -> READY), and that change is what the orchestrator reacts to: a DOWN
 * node's tasks are replaced elsewhere.
 *
 * A node is DOWN when it missed `misses_allowed` periods in a row (3, as SwarmKit's
 * dispatcher: a grace period of 3 x the period). Missing one heartbeat is normal (a
 * slow network, a busy agent); missing three is not.
 *
 * After a manager restart the tracker knows no heartbeats at all; marking every node DOWN
 * at once would move every task in the cluster. So start() gives each node a fresh grace
 * period, as if it had just sent one: a node that is really gone is found out three
 * periods later.
 *
 * The tracker is a plain class with the time passed in, so its tests need no clock.
 *
 * Docs: docs/design/swarm.md ("heartbeats"); SwarmKit manager/dispatcher (heartbeat
 * package). Lab: labs/10-swarm.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "miniswarm/dispatcher/protocol.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm {

class HeartbeatTracker {
 public:
  explicit HeartbeatTracker(int64_t period_ms, int misses_allowed = 3)
      : period_ms_(period_ms), misses_allowed_(misses_allowed) {}

  /// Starts tracking `node_ids` as if each had just sent a heartbeat at `now_ms`.
  void start(const std::vector<std::string>& node_ids, int64_t now_ms);
  /// A heartbeat from `node_id` at `now_ms`.
  void beat(const std::string& node_id, int64_t now_ms);
  /// Stops tracking a node (removed, or already marked DOWN).
  void forget(const std::string& node_id);
  /// The nodes whose last heartbeat is older than misses_allowed periods.
  std::vector<std::string> expired(int64_t now_ms) const;
  /// The last heartbeat time of a tracked node, 0 if not tracked.
  int64_t last_beat(const std::string& node_id) const;
  /// The deadline of the node that expires first (when to look again); 0 if none.
  int64_t next_deadline() const;

  int64_t period_ms() const { return period_ms_; }
  void set_period_ms(int64_t period_ms) { period_ms_ = period_ms; }
  int64_t grace_ms() const { return period_ms_ * misses_allowed_; }

 private:
  int64_t period_ms_;
  int misses_allowed_;
  std::map<std::string, int64_t> last_beat_ms_;
};

/// What a heartbeat changes on the node's store object: status READY, and the
/// hostname, address, resources and platform the agent reported. Returns whether
/// anything changed (so the caller writes only then).
bool apply_heartbeat(Node& node, const HeartbeatRequest& beat, int64_t now_ms);

/// Marks a node DOWN because its heartbeats stopped. Returns false when it already was.
bool mark_node_down(Node& node, int64_t last_beat_ms, int64_t grace_ms);

}  // namespace miniswarm
