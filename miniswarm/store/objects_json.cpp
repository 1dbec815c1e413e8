/**
 * @file objects_json.cpp
 * @brief The JSON form of nodes, services, tasks and the cluster: one shape for the API,
 *        the store's rows and `inspect`.
 *
 * Keys are the C++ field names (`service_id`, `desired_state`, `nano_cpus`), so a reader
 * can go from `miniswarm service inspect` output to objects.hpp without a dictionary.
 * Enums are written as their to_string() names (`"drain"`, `"on-failure"`,
 * `"running"`), never as numbers: a row read with the `sqlite3` shell in a lab, or a
 * request body typed by hand, should say what it means.
 *
 * Reading is forgiving about what is *missing* and strict about what is *wrong*:
 *
 *  - a missing key (or `null`) keeps the struct's default. Rows written by an older
 *    miniswarm, which lacked a field added since, still load; an API body may carry only
 *    the fields the user gave (`{"name":"web","container":{"image":"busybox"}}`);
 *  - a key of the wrong type, or an enum name this version does not know, throws a
 *    nlohmann::json exception whose message names the field by its path and, for
 *    enums, the allowed values: "field `spec.restart.condition`: unknown value `always`
 *    (allowed: none, on-failure, any)". The API turns that into a 400 reply.
 *
 * Unknown keys are ignored (a newer writer's extra fields do no harm to an older reader).
 * What is left out: no schema validation beyond types (a negative replica count is the
 * API's business), no pretty names for Docker's own JSON (`Spec.TaskTemplate...`).
 *
 * Docs: nlohmann/json "Arbitrary types conversions" (to_json/from_json by ADL).
 */
#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <string_view>

#include "miniswarm/store/objects.hpp"

namespace miniswarm {

using nlohmann::json;

namespace {

/// nlohmann prefixes every message with "[json.exception.type_error.302] "; a field
/// error nested in another one keeps only the words, so the outermost message reads
/// "field `spec.replicas`: type must be number, but is string".
std::string strip_exception_prefix(const char* what) {
  std::string_view text(what);
  if (text.starts_with("[json.exception.")) {
    auto end = text.find("] ");
    if (end != std::string_view::npos) text.remove_prefix(end + 2);
  }
  return std::string(text);
}

/// Puts `key` in front of the field path of a nested error, or starts the path.
std::string with_field(std::string_view key, const char* what) {
  std::string inner = strip_exception_prefix(what);
  constexpr std::string_view kField = "field `";
  if (inner.starts_with(kField)) {
    return std::string(kField) + std::string(key) + "." + inner.substr(kField.size());
  }
  return std::string(kField) + std::string(key) + "`: " + inner;
}

void require_object(const json& j, std::string_view what) {
  if (!j.is_object()) {
    throw json::type_error::create(
        302, std::string(what) + " must be a JSON object, but is " + j.type_name(), nullptr);
  }
}

/// Reads j[key] into `out` when the key is there and not null; errors name the key.
template <class T>
void read_field(const json& j, std::string_view key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    it->get_to(out);
  } catch (const json::type_error& e) {
    throw json::type_error::create(e.id, with_field(key, e.what()), nullptr);
  } catch (const json::other_error& e) {
    throw json::other_error::create(e.id, with_field(key, e.what()), nullptr);
  } catch (const json::out_of_range& e) {
    throw json::out_of_range::create(e.id, with_field(key, e.what()), nullptr);
  }
}

/// "none, on-failure, any": the names of an enum whose values are 0..N-1.
template <class E, int N>
std::string allowed_names() {
  std::string names;
  for (int i = 0; i < N; ++i) {
    if (i != 0) names += ", ";
    names += to_string(static_cast<E>(i));
  }
  return names;
}

/// Reads an enum written by name; an unknown name is an error listing the allowed ones.
template <class E, int N>
void read_enum(const json& j, std::string_view key, E& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  std::string name;
  read_field(j, key, name);
  if (!parse(name, out)) {
    throw json::other_error::create(501,
                                    "field `" + std::string(key) + "`: unknown value `" + name +
                                        "` (allowed: " + allowed_names<E, N>() + ")",
                                    nullptr);
  }
}

constexpr std::array kAllTaskStates{
    TaskState::kNew,      TaskState::kPending,   TaskState::kAssigned, TaskState::kAccepted,
    TaskState::kPreparing, TaskState::kStarting, TaskState::kRunning,  TaskState::kComplete,
    TaskState::kShutdown, TaskState::kFailed,    TaskState::kRejected, TaskState::kOrphaned};

void read_task_state(const json& j, std::string_view key, TaskState& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  std::string name;
  read_field(j, key, name);
  if (auto state = parse_task_state(name)) {
    out = *state;
    return;
  }
  std::string allowed;
  for (auto s : kAllTaskStates) {
    if (!allowed.empty()) allowed += ", ";
    allowed += to_string(s);
  }
  throw json::other_error::create(
      501,
      "field `" + std::string(key) + "`: unknown task state `" + name + "` (allowed: " + allowed +
          ")",
      nullptr);
}

}  // namespace

void to_json(json& j, const Resources& v) {
  j = json{{"nano_cpus", v.nano_cpus}, {"memory_bytes", v.memory_bytes}};
}

void from_json(const json& j, Resources& v) {
  require_object(j, "resources");
  read_field(j, "nano_cpus", v.nano_cpus);
  read_field(j, "memory_bytes", v.memory_bytes);
}

void to_json(json& j, const Node& v) {
  j = json{{"id", v.id},
           {"hostname", v.hostname},
           {"role", to_string(v.role)},
           {"availability", to_string(v.availability)},
           {"status", to_string(v.status)},
           {"status_message", v.status_message},
           {"addr", v.addr},
           {"labels", v.labels},
           {"total", v.total},
           {"os", v.os},
           {"arch", v.arch},
           {"last_heartbeat_ms", v.last_heartbeat_ms},
           {"cert_serial", v.cert_serial},
           {"version", v.version},
           {"created_ms", v.created_ms},
           {"updated_ms", v.updated_ms}};
}

void from_json(const json& j, Node& v) {
  require_object(j, "node");
  read_field(j, "id", v.id);
  read_field(j, "hostname", v.hostname);
  read_enum<NodeRole, 2>(j, "role", v.role);
  read_enum<NodeAvailability, 3>(j, "availability", v.availability);
  read_enum<NodeStatus, 4>(j, "status", v.status);
  read_field(j, "status_message", v.status_message);
  read_field(j, "addr", v.addr);
  read_field(j, "labels", v.labels);
  read_field(j, "total", v.total);
  read_field(j, "os", v.os);
  read_field(j, "arch", v.arch);
  read_field(j, "last_heartbeat_ms", v.last_heartbeat_ms);
  read_field(j, "cert_serial", v.cert_serial);
  read_field(j, "version", v.version);
  read_field(j, "created_ms", v.created_ms);
  read_field(j, "updated_ms", v.updated_ms);
}

void to_json(json& j, const RestartPolicy& v) {
  j = json{{"condition", to_string(v.condition)},
           {"delay_ms", v.delay_ms},
           {"max_attempts", v.max_attempts},
           {"window_ms", v.window_ms},
           {"backoff", v.backoff},
           {"max_delay_ms", v.max_delay_ms}};
}

void from_json(const json& j, RestartPolicy& v) {
  require_object(j, "restart policy");
  read_enum<RestartCondition, 3>(j, "condition", v.condition);
  read_field(j, "delay_ms", v.delay_ms);
  read_field(j, "max_attempts", v.max_attempts);
  read_field(j, "window_ms", v.window_ms);
  read_field(j, "backoff", v.backoff);
  read_field(j, "max_delay_ms", v.max_delay_ms);
}

void to_json(json& j, const Placement& v) {
  j = json{{"constraints", v.constraints},
           {"max_replicas_per_node", v.max_replicas_per_node},
           {"strategy", to_string(v.strategy)}};
}

void from_json(const json& j, Placement& v) {
  require_object(j, "placement");
  read_field(j, "constraints", v.constraints);
  read_field(j, "max_replicas_per_node", v.max_replicas_per_node);
  read_enum<PlacementStrategy, 4>(j, "strategy", v.strategy);
}

void to_json(json& j, const ContainerSpec& v) {
  j = json{{"image", v.image}, {"args", v.args}, {"env", v.env}, {"labels", v.labels}};
}

void from_json(const json& j, ContainerSpec& v) {
  require_object(j, "container spec");
  read_field(j, "image", v.image);
  read_field(j, "args", v.args);
  read_field(j, "env", v.env);
  read_field(j, "labels", v.labels);
}

void to_json(json& j, const ServiceSpec& v) {
  j = json{{"name", v.name},
           {"labels", v.labels},
           {"container", v.container},
           {"reservations", v.reservations},
           {"limits", v.limits},
           {"restart", v.restart},
           {"placement", v.placement},
           {"mode", to_string(v.mode)},
           {"replicas", v.replicas}};
}

void from_json(const json& j, ServiceSpec& v) {
  require_object(j, "service spec");
  read_field(j, "name", v.name);
  read_field(j, "labels", v.labels);
  read_field(j, "container", v.container);
  read_field(j, "reservations", v.reservations);
  read_field(j, "limits", v.limits);
  read_field(j, "restart", v.restart);
  read_field(j, "placement", v.placement);
  read_enum<ServiceMode, 2>(j, "mode", v.mode);
  read_field(j, "replicas", v.replicas);
}

void to_json(json& j, const Service& v) {
  j = json{{"id", v.id},
           {"spec", v.spec},
           {"spec_version", v.spec_version},
           {"version", v.version},
           {"created_ms", v.created_ms},
           {"updated_ms", v.updated_ms}};
}

void from_json(const json& j, Service& v) {
  require_object(j, "service");
  read_field(j, "id", v.id);
  read_field(j, "spec", v.spec);
  read_field(j, "spec_version", v.spec_version);
  read_field(j, "version", v.version);
  read_field(j, "created_ms", v.created_ms);
  read_field(j, "updated_ms", v.updated_ms);
}

void to_json(json& j, const TaskStatus& v) {
  j = json{{"state", to_string(v.state)},
           {"timestamp_ms", v.timestamp_ms},
           {"message", v.message},
           {"err", v.err},
           {"exit_code", v.exit_code}};
}

void from_json(const json& j, TaskStatus& v) {
  require_object(j, "task status");
  read_task_state(j, "state", v.state);
  read_field(j, "timestamp_ms", v.timestamp_ms);
  read_field(j, "message", v.message);
  read_field(j, "err", v.err);
  read_field(j, "exit_code", v.exit_code);
}

void to_json(json& j, const Task& v) {
  j = json{{"id", v.id},
           {"service_id", v.service_id},
           {"service_name", v.service_name},
           {"slot", v.slot},
           {"node_id", v.node_id},
           {"spec", v.spec},
           {"spec_version", v.spec_version},
           {"desired_state", to_string(v.desired_state)},
           {"status", v.status},
           {"history", v.history},
           {"container_id", v.container_id},
           {"restart_attempt", v.restart_attempt},
           {"not_before_ms", v.not_before_ms},
           {"pending_reason", v.pending_reason},
           {"version", v.version},
           {"created_ms", v.created_ms},
           {"updated_ms", v.updated_ms}};
}

void from_json(const json& j, Task& v) {
  require_object(j, "task");
  read_field(j, "id", v.id);
  read_field(j, "service_id", v.service_id);
  read_field(j, "service_name", v.service_name);
  read_field(j, "slot", v.slot);
  read_field(j, "node_id", v.node_id);
  read_field(j, "spec", v.spec);
  read_field(j, "spec_version", v.spec_version);
  read_task_state(j, "desired_state", v.desired_state);
  read_field(j, "status", v.status);
  read_field(j, "history", v.history);
  read_field(j, "container_id", v.container_id);
  read_field(j, "restart_attempt", v.restart_attempt);
  read_field(j, "not_before_ms", v.not_before_ms);
  read_field(j, "pending_reason", v.pending_reason);
  read_field(j, "version", v.version);
  read_field(j, "created_ms", v.created_ms);
  read_field(j, "updated_ms", v.updated_ms);
}

void to_json(json& j, const Cluster& v) {
  j = json{{"id", v.id},
           {"name", v.name},
           {"ca_cert_pem", v.ca_cert_pem},
           {"ca_key_pem", v.ca_key_pem},
           {"worker_token_secret", v.worker_token_secret},
           {"manager_token_secret", v.manager_token_secret},
           {"heartbeat_period_ms", v.heartbeat_period_ms},
           {"orphan_after_ms", v.orphan_after_ms},
           {"version", v.version},
           {"created_ms", v.created_ms}};
}

void from_json(const json& j, Cluster& v) {
  require_object(j, "cluster");
  read_field(j, "id", v.id);
  read_field(j, "name", v.name);
  read_field(j, "ca_cert_pem", v.ca_cert_pem);
  read_field(j, "ca_key_pem", v.ca_key_pem);
  read_field(j, "worker_token_secret", v.worker_token_secret);
  read_field(j, "manager_token_secret", v.manager_token_secret);
  read_field(j, "heartbeat_period_ms", v.heartbeat_period_ms);
  read_field(j, "orphan_after_ms", v.orphan_after_ms);  // absent in stores made before it: the default
  read_field(j, "version", v.version);
  read_field(j, "created_ms", v.created_ms);
}

}  // namespace miniswarm
