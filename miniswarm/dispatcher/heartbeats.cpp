/**
 * @file heartbeats.cpp
 * @brief The heartbeat clock of each node and the status it implies (heartbeats.hpp).
 */
#include "miniswarm/dispatcher/heartbeats.hpp"

#include <algorithm>
#include <cstdio>

namespace miniswarm {

void HeartbeatTracker::start(const std::vector<std::string>& node_ids, int64_t now_ms) {
  for (const auto& id : node_ids) last_beat_ms_[id] = now_ms;
}

void HeartbeatTracker::beat(const std::string& node_id, int64_t now_ms) {
  auto& last = last_beat_ms_[node_id];
  last = std::max(last, now_ms);  // a late-delivered heartbeat never moves time back
}

void HeartbeatTracker::forget(const std::string& node_id) { last_beat_ms_.erase(node_id); }

std::vector<std::string> HeartbeatTracker::expired(int64_t now_ms) const {
  std::vector<std::string> out;
  for (const auto& [id, last] : last_beat_ms_) {
    if (now_ms - last > grace_ms()) out.push_back(id);
  }
  return out;
}

int64_t HeartbeatTracker::last_beat(const std::string& node_id) const {
  auto it = last_beat_ms_.find(node_id);
  return it == last_beat_ms_.end() ? 0 : it->second;
}

int64_t HeartbeatTracker::next_deadline() const {
  int64_t deadline = 0;
  for (const auto& [id, last] : last_beat_ms_) {
    int64_t d = last + grace_ms();
    if (deadline == 0 || d < deadline) deadline = d;
  }
  return deadline;
}

bool apply_heartbeat(Node& node, const HeartbeatRequest& beat, int64_t now_ms) {
  Node before = node;
  node.status = NodeStatus::kReady;
  node.status_message.clear();
  if (!beat.hostname.empty()) node.hostname = beat.hostname;
  if (!beat.addr.empty()) node.addr = beat.addr;
  if (beat.total.nano_cpus != 0 || beat.total.memory_bytes != 0) node.total = beat.total;
  if (!beat.os.empty()) node.os = beat.os;
  if (!beat.arch.empty()) node.arch = beat.arch;
  // The heartbeat time alone is not a change worth a store write (see heartbeats.hpp);
  // it is recorded when something else changed anyway.
  Node compare = node;
  compare.last_heartbeat_ms = before.last_heartbeat_ms;
  if (compare == before) return false;
  node.last_heartbeat_ms = now_ms;
  return true;
}

bool mark_node_down(Node& node, int64_t last_beat_ms, int64_t grace_ms) {
  if (node.status == NodeStatus::kDown) return false;
  node.status = NodeStatus::kDown;
  node.last_heartbeat_ms = last_beat_ms;
  char text[96];
  std::snprintf(text, sizeof text, "heartbeat failure: no heartbeat for %.1f s", grace_ms / 1000.0);
  node.status_message = text;
  return true;
}

}  // namespace miniswarm
