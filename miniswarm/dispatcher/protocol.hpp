/**
 * @file protocol.hpp
 * @brief What an agent and the manager's dispatcher say to each other.
 *
 * An agent (a worker node) and the dispatcher (on the manager) have exactly two
 * conversations, both over mutual TLS (miniswarm/api/), both started by the agent, so a
 * worker behind a NAT or a lab namespace needs no open port:
 *
 * 1. **Heartbeat** (`POST /v1/dispatcher/heartbeat`, every `period_ms`, and at once when
 *    a task changes state): "I am alive, this is what I have, and this is what happened
 *    to my tasks". The dispatcher records the reports in the store (a task's state only
 *    moves forward) and answers with the period it wants. Three missed periods and the
 *    node is DOWN (heartbeats.hpp).
 * 2. **Assignments** (`POST /v1/dispatcher/assignments`, a long poll): "give me my tasks
 *    once anything about them changed after `since_seq`". The answer is the complete
 *    list of tasks this node should know about (assignments.hpp), not a diff: an agent
 *    that restarted, or missed an answer, needs nothing else to catch up. SwarmKit sends
 *    incremental changes after a first complete set; for a lab-sized cluster the whole
 *    list is small, and "the list is the truth" is easier to read and to test.
 *
 * Who knows what: the node's identity comes from its TLS certificate, never from the
 * message body, so a worker cannot report on another node's tasks.
 *
 * Docs: docs/design/swarm.md ("agent and dispatcher"); SwarmKit api/dispatcher.proto.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "miniswarm/store/objects.hpp"

namespace miniswarm {

/// One task's observed state, as the agent saw it.
struct TaskReport {
  std::string task_id;
  TaskState state = TaskState::kNew;
  std::string message;       ///< "started", "exit code 1", "image `x` not found"
  std::string err;           ///< the error for FAILED / REJECTED
  int exit_code = 0;
  std::string container_id;  ///< the engine's container, once made
  int64_t timestamp_ms = 0;  ///< when the agent saw it
  bool operator==(const TaskReport&) const = default;
};

/// Agent -> dispatcher, every period.
struct HeartbeatRequest {
  std::string hostname;
  std::string addr;    ///< the address the agent advertises
  Resources total;     ///< CPUs and memory of the node
  std::string os = "linux";
  std::string arch;
  std::vector<TaskReport> reports;  ///< state changes since the last acknowledged heartbeat
  bool operator==(const HeartbeatRequest&) const = default;
};

/// Dispatcher -> agent.
struct HeartbeatResponse {
  int64_t period_ms = 5000;  ///< send the next heartbeat within this
  /// Reports the dispatcher could not apply, with why (unknown task, another node's task,
  /// a state going backwards); the agent logs them and does not send them again.
  std::vector<std::string> rejected;
  bool operator==(const HeartbeatResponse&) const = default;
};

/// Agent -> dispatcher: "my tasks, once they changed after since_seq".
struct AssignmentsRequest {
  uint64_t since_seq = 0;  ///< the seq of the last answer; 0 = answer at once
  int64_t wait_ms = 0;     ///< how long the dispatcher may hold the request
  bool operator==(const AssignmentsRequest&) const = default;
};

/// Dispatcher -> agent: every task the node should know about (assignments.hpp).
struct AssignmentsResponse {
  uint64_t seq = 0;  ///< the store's change seq this list reflects
  std::vector<Task> tasks;
  bool operator==(const AssignmentsResponse&) const = default;
};

void to_json(nlohmann::json& j, const TaskReport& v);
void from_json(const nlohmann::json& j, TaskReport& v);
void to_json(nlohmann::json& j, const HeartbeatRequest& v);
void from_json(const nlohmann::json& j, HeartbeatRequest& v);
void to_json(nlohmann::json& j, const HeartbeatResponse& v);
void from_json(const nlohmann::json& j, HeartbeatResponse& v);
void to_json(nlohmann::json& j, const AssignmentsRequest& v);
void from_json(const nlohmann::json& j, AssignmentsRequest& v);
void to_json(nlohmann::json& j, const AssignmentsResponse& v);
void from_json(const nlohmann::json& j, AssignmentsResponse& v);

}  // namespace miniswarm
