/**
 * @file log_protocol.cpp
 * @brief JSON forms of the log messages (log_protocol.hpp).
 *
 * As in protocol.cpp, a missing key keeps its default and a key of the wrong type
 * throws nlohmann::json's exception, which the routes turn into a 400 naming the field.
 * A LogEvent writes only the part it carries, so a stream line stays short:
 * `{"message":{...}}`, `{"warning":"..."}`, or `{}` for a keep-alive.
 */
#include "miniswarm/dispatcher/log_protocol.hpp"

#include <nlohmann/json.hpp>

namespace miniswarm {

namespace {

template <class T>
void read_if_present(const nlohmann::json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

}  // namespace

void to_json(nlohmann::json& j, const LogMessage& v) {
  j = {{"task_id", v.task_id}, {"node_id", v.node_id}, {"stream", v.stream},
       {"time_ns", v.time_ns}, {"line", v.line}};
}

void from_json(const nlohmann::json& j, LogMessage& v) {
  read_if_present(j, "task_id", v.task_id);
  read_if_present(j, "node_id", v.node_id);
  read_if_present(j, "stream", v.stream);
  read_if_present(j, "time_ns", v.time_ns);
  read_if_present(j, "line", v.line);
}

void to_json(nlohmann::json& j, const LogStreamOptions& v) {
  j = {{"follow", v.follow}, {"tail", v.tail}, {"since_ns", v.since_ns}};
}

void from_json(const nlohmann::json& j, LogStreamOptions& v) {
  read_if_present(j, "follow", v.follow);
  read_if_present(j, "tail", v.tail);
  read_if_present(j, "since_ns", v.since_ns);
}

void to_json(nlohmann::json& j, const LogSubscription& v) {
  j = {{"id", v.id}, {"task_ids", v.task_ids}, {"options", v.options}};
}

void from_json(const nlohmann::json& j, LogSubscription& v) {
  read_if_present(j, "id", v.id);
  read_if_present(j, "task_ids", v.task_ids);
  read_if_present(j, "options", v.options);
}

void to_json(nlohmann::json& j, const LogSubscriptionsResponse& v) {
  j = {{"version", v.version}, {"subscriptions", v.subscriptions}};
}

void from_json(const nlohmann::json& j, LogSubscriptionsResponse& v) {
  read_if_present(j, "version", v.version);
  read_if_present(j, "subscriptions", v.subscriptions);
}

void to_json(nlohmann::json& j, const LogBatch& v) {
  j = {{"messages", v.messages}, {"warnings", v.warnings}, {"done", v.done}};
}

void from_json(const nlohmann::json& j, LogBatch& v) {
  read_if_present(j, "messages", v.messages);
  read_if_present(j, "warnings", v.warnings);
  read_if_present(j, "done", v.done);
}

void to_json(nlohmann::json& j, const LogBatchResponse& v) {
  j = {{"buffered", v.buffered}, {"max_buffered", v.max_buffered}};
}

void from_json(const nlohmann::json& j, LogBatchResponse& v) {
  read_if_present(j, "buffered", v.buffered);
  read_if_present(j, "max_buffered", v.max_buffered);
}

void to_json(nlohmann::json& j, const LogTaskInfo& v) {
  j = {{"task_id", v.task_id}, {"name", v.name}, {"node", v.node}};
}

void from_json(const nlohmann::json& j, LogTaskInfo& v) {
  read_if_present(j, "task_id", v.task_id);
  read_if_present(j, "name", v.name);
  read_if_present(j, "node", v.node);
}

void to_json(nlohmann::json& j, const LogEvent& v) {
  j = nlohmann::json::object();
  if (!v.tasks.empty()) j["tasks"] = v.tasks;
  if (v.message) j["message"] = *v.message;
  if (!v.warning.empty()) j["warning"] = v.warning;
  if (!v.error.empty()) j["error"] = v.error;
}

void from_json(const nlohmann::json& j, LogEvent& v) {
  read_if_present(j, "tasks", v.tasks);
  if (auto it = j.find("message"); it != j.end() && !it->is_null()) v.message = it->get<LogMessage>();
  read_if_present(j, "warning", v.warning);
  read_if_present(j, "error", v.error);
}

std::string log_event_line(const LogEvent& event) {
  nlohmann::json j = event;
  // The replacement handler: a line the node could not make valid UTF-8 must not make
  // dump() throw in the middle of a stream (json_log.hpp replaces bad bytes already).
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace miniswarm
