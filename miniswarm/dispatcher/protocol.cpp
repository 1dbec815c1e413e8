/**
 * @file protocol.cpp
 * @brief JSON forms of the agent <-> dispatcher messages (protocol.hpp).
 *
 * Missing keys keep their defaults, so an older agent's message still parses; a key of
 * the wrong type or an unknown state name throws nlohmann::json's exception, which the
 * API turns into a 400 that names the field.
 */
#include "miniswarm/dispatcher/protocol.hpp"

#include <nlohmann/json.hpp>

namespace miniswarm {

namespace {

template <class T>
void read_if_present(const nlohmann::json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

}  // namespace

void to_json(nlohmann::json& j, const TaskReport& v) {
  j = {{"task_id", v.task_id},           {"state", to_string(v.state)},
       {"message", v.message},           {"err", v.err},
       {"exit_code", v.exit_code},       {"container_id", v.container_id},
       {"timestamp_ms", v.timestamp_ms}};
}

void from_json(const nlohmann::json& j, TaskReport& v) {
  read_if_present(j, "task_id", v.task_id);
  if (auto it = j.find("state"); it != j.end()) {
    auto state = parse_task_state(it->get<std::string>());
    if (!state) {
      throw nlohmann::json::other_error::create(
          501, "state: unknown task state `" + it->get<std::string>() + "`", &j);
    }
    v.state = *state;
  }
  read_if_present(j, "message", v.message);
  read_if_present(j, "err", v.err);
  read_if_present(j, "exit_code", v.exit_code);
  read_if_present(j, "container_id", v.container_id);
  read_if_present(j, "timestamp_ms", v.timestamp_ms);
}

void to_json(nlohmann::json& j, const HeartbeatRequest& v) {
  j = {{"hostname", v.hostname}, {"addr", v.addr}, {"total", v.total},
       {"os", v.os},             {"arch", v.arch}, {"reports", v.reports}};
}

void from_json(const nlohmann::json& j, HeartbeatRequest& v) {
  read_if_present(j, "hostname", v.hostname);
  read_if_present(j, "addr", v.addr);
  read_if_present(j, "total", v.total);
  read_if_present(j, "os", v.os);
  read_if_present(j, "arch", v.arch);
  read_if_present(j, "reports", v.reports);
}

void to_json(nlohmann::json& j, const HeartbeatResponse& v) {
  j = {{"period_ms", v.period_ms}, {"rejected", v.rejected}};
}

void from_json(const nlohmann::json& j, HeartbeatResponse& v) {
  read_if_present(j, "period_ms", v.period_ms);
  read_if_present(j, "rejected", v.rejected);
}

void to_json(nlohmann::json& j, const AssignmentsRequest& v) {
  j = {{"since_seq", v.since_seq}, {"wait_ms", v.wait_ms}};
}

void from_json(const nlohmann::json& j, AssignmentsRequest& v) {
  read_if_present(j, "since_seq", v.since_seq);
  read_if_present(j, "wait_ms", v.wait_ms);
}

void to_json(nlohmann::json& j, const AssignmentsResponse& v) {
  j = {{"seq", v.seq}, {"tasks", v.tasks}};
}

void from_json(const nlohmann::json& j, AssignmentsResponse& v) {
  read_if_present(j, "seq", v.seq);
  read_if_present(j, "tasks", v.tasks);
}

}  // namespace miniswarm
