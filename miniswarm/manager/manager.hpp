/**
 * @file manager.hpp
 * @brief A swarm manager: the store, the loops, and the API, in one process.
 *
 * `miniswarm init` creates a swarm and this object is what then runs:
 *
 *     <state-dir>/                    (default /var/lib/miniswarm)
 *       manager/state.db              the cluster store (SQLite, cluster_store.hpp)
 *       certificates/                 this node's TLS identity (credential_files.hpp)
 *       manager.sock                  the local API for the `miniswarm` command (0600)
 *       manager.log                   what the loops did, one line per decision
 *
 * init() makes the swarm: a cluster id, the root CA (ca/root_ca.hpp), the two join-token
 * secrets, and the manager's own Node with a certificate it signs for itself (a manager
 * is a node like any other; it runs tasks too unless drained). open() picks up an
 * existing swarm after a restart: everything is in the store, so a manager killed with
 * SIGKILL in the middle of a deploy starts again where the store says it was.
 *
 * serve() starts, in this order: the dispatcher's heartbeat clocks (a fresh grace
 * period for every node), the three loops (orchestrator, scheduler, liveness), the mTLS
 * listener, and the local socket. stop() ends them in reverse. The threads of the HTTP
 * servers only write through the store, like the loops (routes.hpp).
 *
 * Docs: docs/design/swarm.md; `docker swarm init`. Lab: labs/10-swarm.
 */
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "miniswarm/api/credential_files.hpp"
#include "miniswarm/api/tls_server.hpp"
#include "miniswarm/manager/control_loop.hpp"
#include "miniswarm/manager/dispatcher_service.hpp"
#include "miniswarm/manager/routes.hpp"
#include "miniswarm/manager/steps.hpp"
#include "miniswarm/registry/registry_server.hpp"
#include "miniswarm/store/cluster_store.hpp"

namespace httplib {
class Server;
}

namespace miniswarm::manager {

inline constexpr int kDefaultPort = 2377;  ///< Swarm's cluster-management port
inline constexpr const char* kDefaultStateDir = "/var/lib/miniswarm";

struct ManagerOptions {
  std::string state_dir = kDefaultStateDir;
  std::string listen_host = "0.0.0.0";
  int listen_port = kDefaultPort;           ///< 0: any free port (tests)
  std::string advertise_addr;               ///< host the nodes reach this manager at
  std::string hostname;                     ///< this node's name (default: gethostname)
  int64_t heartbeat_period_ms = 5000;       ///< init only; kept in the store after
  int64_t orphan_after_ms = 24LL * 60 * 60 * 1000;  ///< init only: Cluster::orphan_after_ms
  LogSink log;                              ///< where the manager's log lines go
  /// This node's image store, served to the nodes as a registry on the TLS port
  /// (registry/registry_server.hpp); "" serves none.
  std::string image_root;
};

class Manager {
 public:
  /// Creates a new swarm in options.state_dir (refused if one is there already).
  static Result<std::unique_ptr<Manager>> init(ManagerOptions options);
  /// Opens the swarm in options.state_dir (after a restart).
  static Result<std::unique_ptr<Manager>> open(ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  /// Starts the loops and the two listeners; returns once they accept connections.
  Result<void> serve();
  /// Stops everything (idempotent).
  void stop();

  /// The mTLS port actually bound (after serve()).
  int port() const;
  /// Path of the local socket.
  std::string socket_path() const { return options_.state_dir + "/manager.sock"; }
  const std::string& node_id() const { return node_id_; }
  const api::StoredCredentials& credentials() const { return credentials_; }
  ClusterStore& store() { return *store_; }
  /// The join token for a role (what `miniswarm join-token` prints).
  Result<std::string> join_token(NodeRole role);

 private:
  explicit Manager(ManagerOptions options) : options_(std::move(options)) {}
  Result<void> open_store();

  ManagerOptions options_;
  std::unique_ptr<ClusterStore> store_;
  api::StoredCredentials credentials_;
  std::string node_id_;
  std::string cluster_id_;
  std::unique_ptr<DispatcherService> dispatcher_;
  ManagerContext context_;
  std::unique_ptr<ScheduleStep> schedule_step_;
  std::vector<std::unique_ptr<ControlLoop>> loops_;
  std::unique_ptr<api::TlsServer> tls_;
  std::shared_ptr<const registry::RegistryServer> registry_;  ///< when options_.image_root is set
  std::unique_ptr<httplib::Server> local_;
  std::thread local_thread_;
};

}  // namespace miniswarm::manager
