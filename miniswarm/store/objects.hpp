/**
 * @file objects.hpp
 * @brief The cluster's nouns: nodes, services, tasks, and the cluster itself.
 *
 * Everything a swarm knows is one of four kinds of object, kept in the manager's store
 * (cluster_store.hpp) and nowhere else:
 *
 * - a **Node** is a machine (or, in `miniswarm lab`, a network namespace) running an
 *   agent: its role, whether it takes work (availability), whether it is alive (status,
 *   set by the dispatcher from heartbeats), its labels and its resources;
 * - a **Service** is what the user asked for: an image, a command, how many replicas
 *   (or one per node: global mode), where they may run, what they reserve, and how to
 *   restart them. Only the user changes a service's spec;
 * - a **Task** is one attempt to run one replica on one node (task_state.hpp). It
 *   carries a copy of the service's spec as it was when the task was made, so that an
 *   update of the service can tell old tasks from new ones by spec_version;
 * - the **Cluster** holds the cluster-wide secrets: the CA, the join-token secrets, the
 *   heartbeat period.
 *
 * The structs are plain values (copyable, comparable) with no behaviour: the components
 * that read them (orchestrator, scheduler, dispatcher, agent) are pure functions of
 * these values, which is what lets their unit tests run without a store or a network.
 * Field names follow SwarmKit's api/objects.proto and api/specs.proto where they exist,
 * so `miniswarm service inspect` reads like `docker service inspect`.
 *
 * Times are milliseconds since the Unix epoch (int64). Sizes are bytes; CPUs are
 * nano-CPUs (1e9 = one CPU), Docker's unit for `--reserve-cpu 0.5`.
 *
 * JSON: to_json/from_json (objects_json.cpp) give the form the API, the store rows and
 * `inspect --format json` share.
 *
 * Docs: docs/design/swarm.md; `docker service create`, `docker node ls`.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "miniswarm/store/task_state.hpp"

namespace miniswarm {

/// CPU and memory, as a node offers them or a task reserves or is limited to.
struct Resources {
  int64_t nano_cpus = 0;     ///< 1,000,000,000 = one CPU
  int64_t memory_bytes = 0;  ///< 0 = none asked for / unknown
  bool operator==(const Resources&) const = default;
};

enum class NodeRole { kWorker, kManager };
enum class NodeAvailability { kActive, kPause, kDrain };
/// The dispatcher's view: READY while heartbeats arrive, DOWN after 3 missed periods,
/// DISCONNECTED when the node said it was leaving, UNKNOWN before its first heartbeat.
enum class NodeStatus { kUnknown, kReady, kDown, kDisconnected };

/// A machine (or lab namespace) with an agent.
struct Node {
  std::string id;        ///< 25 lower-case base-36 characters, like Swarm's
  std::string hostname;  ///< what the agent reported (node.hostname in constraints)
  NodeRole role = NodeRole::kWorker;
  NodeAvailability availability = NodeAvailability::kActive;
  NodeStatus status = NodeStatus::kUnknown;
  std::string status_message;  ///< why DOWN, e.g. "heartbeat missed (3 periods)"
  std::string addr;            ///< the address the agent advertised (node ls ADDR)
  std::map<std::string, std::string> labels;  ///< `node update --label-add`
  Resources total;             ///< what the node has (the agent reports it)
  std::string os = "linux";    ///< node.platform.os
  std::string arch;            ///< node.platform.arch ("x86_64", ...)
  int64_t last_heartbeat_ms = 0;
  std::string cert_serial;     ///< serial of its TLS certificate (hex)
  uint64_t version = 0;        ///< store row version (optimistic concurrency)
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  bool operator==(const Node&) const = default;
};

/// `--restart-condition`.
enum class RestartCondition { kNone, kOnFailure, kAny };

/// `--restart-*`: what happens when a task ends. Swarm's defaults: condition any,
/// delay 5 s, no attempt limit, no window. `backoff` is the kit's addition: the delay
/// doubles after each restart in the window, up to max_delay_ms.
struct RestartPolicy {
  RestartCondition condition = RestartCondition::kAny;
  int64_t delay_ms = 5000;
  uint64_t max_attempts = 0;  ///< 0 = no limit
  int64_t window_ms = 0;      ///< attempts are counted within this window; 0 = forever
  bool backoff = false;
  int64_t max_delay_ms = 60000;
  bool operator==(const RestartPolicy&) const = default;
};

enum class ServiceMode { kReplicated, kGlobal };
/// `--placement-strategy`. Spread is Swarm's only one; the others are the kit's, to
/// compare in a lab.
enum class PlacementStrategy { kSpread, kBinpack, kRoundRobin, kRandom };

/// Where a service's tasks may run.
struct Placement {
  std::vector<std::string> constraints;  ///< "node.labels.zone==a", "node.role!=manager"
  uint64_t max_replicas_per_node = 0;    ///< `--replicas-max-per-node`; 0 = no limit
  PlacementStrategy strategy = PlacementStrategy::kSpread;
  bool operator==(const Placement&) const = default;
};

/// What each task runs: the container part of the spec.
struct ContainerSpec {
  std::string image;              ///< a name in the node's image store
  std::vector<std::string> args;  ///< replaces the image's Cmd when not empty
  std::vector<std::string> env;   ///< "KEY=value"
  std::map<std::string, std::string> labels;
  bool operator==(const ContainerSpec&) const = default;
};

/// Everything the user says about a service (`service create` / `update`).
struct ServiceSpec {
  std::string name;
  std::map<std::string, std::string> labels;
  ContainerSpec container;
  Resources reservations;  ///< `--reserve-cpu/--reserve-memory`: the scheduler counts these
  Resources limits;        ///< `--limit-cpu/--limit-memory`: the container's cgroup limits
  RestartPolicy restart;
  Placement placement;
  ServiceMode mode = ServiceMode::kReplicated;
  uint64_t replicas = 1;   ///< replicated mode only
  bool operator==(const ServiceSpec&) const = default;
};

/// A service in the store: the spec plus its bookkeeping.
struct Service {
  std::string id;
  ServiceSpec spec;
  uint64_t spec_version = 1;  ///< +1 on each `service update`; tasks record theirs
  uint64_t version = 0;       ///< store row version
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  bool operator==(const Service&) const = default;
};

/// One observed state of a task, with when and why (what `service ps` shows).
struct TaskStatus {
  TaskState state = TaskState::kNew;
  int64_t timestamp_ms = 0;
  std::string message;  ///< "assigned to node-2", "started", "exit code 1"
  std::string err;      ///< the error, when the state is FAILED / REJECTED
  int exit_code = 0;
  bool operator==(const TaskStatus&) const = default;
};

/// One attempt to run one replica (task_state.hpp).
struct Task {
  std::string id;
  std::string service_id;
  std::string service_name;  ///< copied, so `ps` needs no join
  uint64_t slot = 0;         ///< replicated: 1..replicas; global: 0 (one per node_id)
  std::string node_id;       ///< empty until ASSIGNED (global tasks: set at creation)
  ServiceSpec spec;          ///< the service's spec when the task was made
  uint64_t spec_version = 0;
  TaskState desired_state = TaskState::kRunning;  ///< RUNNING or SHUTDOWN (manager's)
  TaskStatus status;                              ///< the observed state (agent's)
  std::vector<TaskStatus> history;  ///< every earlier status, oldest first
  std::string container_id;         ///< the agent's container, once it has one
  uint64_t restart_attempt = 0;     ///< 0 for the first task in a slot, then +1 per restart
  int64_t not_before_ms = 0;        ///< restart delay: the scheduler leaves it PENDING until then
  std::string pending_reason;       ///< the scheduler's explanation while PENDING
  uint64_t version = 0;             ///< store row version
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  bool operator==(const Task&) const = default;

  /// "web.3.k2j4..." as Docker names a task's container.
  std::string name() const;
};

/// Records a new observed state: pushes the current status to history and sets the new
/// one. Returns false (and changes nothing) when task_state.hpp's rule forbids the move.
bool advance_task(Task& task, TaskState to, int64_t now_ms, std::string message,
                  std::string err = {});

/// The cluster-wide object (one row).
struct Cluster {
  std::string id;
  std::string name = "default";
  std::string ca_cert_pem;           ///< the cluster's root CA certificate
  std::string ca_key_pem;            ///< its private key (managers only ever read it)
  std::string worker_token_secret;   ///< the secret part of SWMTKN-1-<digest>-<secret>
  std::string manager_token_secret;
  int64_t heartbeat_period_ms = 5000;  ///< Swarm's default; `--lab` uses 1000
  /// How long a DOWN node stays silent before its unfinished tasks become ORPHANED
  /// (dispatcher/orphaned_tasks.hpp): 24 h as in SwarmKit; `--lab` uses 1 min.
  int64_t orphan_after_ms = 24LL * 60 * 60 * 1000;
  uint64_t version = 0;
  int64_t created_ms = 0;
  bool operator==(const Cluster&) const = default;
};

/// A new random object id: 25 characters from [0-9a-z], 128 bits of randomness
/// (getrandom(2)), as SwarmKit's identity.NewID.
std::string new_object_id();

// String forms used by the CLI, the API and the JSON below ("worker", "drain", "ready",
// "on-failure", "global", "binpack", ...). The parse functions return false on a name
// they do not know, so callers can name the flag or field in their error.
std::string_view to_string(NodeRole v);
std::string_view to_string(NodeAvailability v);
std::string_view to_string(NodeStatus v);
std::string_view to_string(RestartCondition v);
std::string_view to_string(ServiceMode v);
std::string_view to_string(PlacementStrategy v);
bool parse(std::string_view s, NodeRole& out);
bool parse(std::string_view s, NodeAvailability& out);
bool parse(std::string_view s, NodeStatus& out);
bool parse(std::string_view s, RestartCondition& out);
bool parse(std::string_view s, ServiceMode& out);
bool parse(std::string_view s, PlacementStrategy& out);

// JSON (objects_json.cpp). from_json throws nlohmann::json::exception on a wrong type;
// callers at a trust boundary (the API) catch it and name the field.
void to_json(nlohmann::json& j, const Resources& v);
void from_json(const nlohmann::json& j, Resources& v);
void to_json(nlohmann::json& j, const Node& v);
void from_json(const nlohmann::json& j, Node& v);
void to_json(nlohmann::json& j, const RestartPolicy& v);
void from_json(const nlohmann::json& j, RestartPolicy& v);
void to_json(nlohmann::json& j, const Placement& v);
void from_json(const nlohmann::json& j, Placement& v);
void to_json(nlohmann::json& j, const ContainerSpec& v);
void from_json(const nlohmann::json& j, ContainerSpec& v);
void to_json(nlohmann::json& j, const ServiceSpec& v);
void from_json(const nlohmann::json& j, ServiceSpec& v);
void to_json(nlohmann::json& j, const Service& v);
void from_json(const nlohmann::json& j, Service& v);
void to_json(nlohmann::json& j, const TaskStatus& v);
void from_json(const nlohmann::json& j, TaskStatus& v);
void to_json(nlohmann::json& j, const Task& v);
void from_json(const nlohmann::json& j, Task& v);
void to_json(nlohmann::json& j, const Cluster& v);
void from_json(const nlohmann::json& j, Cluster& v);

}  // namespace miniswarm
