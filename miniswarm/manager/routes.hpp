/**
 * @file routes.hpp
 * @brief The manager's HTTP+JSON API: every route, who may call it, and where it is
 *        served.
 *
 * One table of routes is served twice:
 *  - over mutual TLS on the listen address (api/tls_server.hpp), for agents and for
 *    other managers; who may call what comes from the caller's certificate;
 *  - over a Unix socket, `<state-dir>/manager.sock` (mode 0600, so root only: the same
 *    rule as /var/run/docker.sock), for the `miniswarm` command on the manager. A caller
 *    there is treated as the manager itself.
 *
 *  | route                                   | who      | what                                  |
 *  |-----------------------------------------|----------|---------------------------------------|
 *  | GET  /v1/ca                             | anyone   | the cluster CA (joining, step 1)      |
 *  | POST /v1/join                           | anyone   | token + CSR -> node id + certificate  |
 *  | POST /v1/dispatcher/heartbeat           | node     | alive; task reports (protocol.hpp)    |
 *  | POST /v1/dispatcher/assignments         | node     | long poll: my tasks                   |
 *  | GET  /v1/swarm                          | manager  | cluster id, heartbeat period, counts  |
 *  | GET  /v1/swarm/join-token/{role}        | manager  | the token (`?rotate=1` makes a new one)|
 *  | GET  /v1/nodes, /v1/nodes/{id}          | manager  | node ls / inspect                     |
 *  | POST /v1/nodes/{id}/update              | manager  | availability, labels, role            |
 *  | DELETE /v1/nodes/{id}                   | manager  | node rm (`?force=1` for a live node)  |
 *  | GET  /v1/services, /v1/services/{id}    | manager  | service ls / inspect                  |
 *  | POST /v1/services                       | manager  | service create (a ServiceSpec)        |
 *  | POST /v1/services/{id}/update           | manager  | scale, restart policy, constraints    |
 *  | POST /v1/services/{id}/rebalance        | manager  | move the surplus tasks (rebalance.hpp) |
 *  | DELETE /v1/services/{id}                | manager  | service rm                            |
 *  | GET  /v1/tasks?service=X&node=Y         | manager  | service ps / node ps                  |
 *  | GET  /v1/services/{id}/logs, /v1/tasks/{id}/logs | manager | service logs: a stream (routes_logs.cpp) |
 *  | GET  /v1/dispatcher/log-subscriptions, POST /v1/dispatcher/logs/{sub} | node | the agents' side of it |
 *
 * With ManagerOptions::image_root set, the manager also serves that image store on the
 * TLS port as a read-only registry, `GET|HEAD /v2/...` for nodes (registry_server.hpp:
 * its own route table, registered in manager.cpp, not on the local socket).
 *
 * `{id}` accepts a full id, a name (services) or hostname (nodes), or an unambiguous id
 * prefix, as the docker CLI does. Errors are JSON `{"message": "..."}` with 400 (bad
 * input, naming the field), 401/403 (who you are), 404, 409 (name taken, or changed
 * meanwhile).
 *
 * Docs: docs/design/swarm.md ("the API"); Docker Engine API, /swarm, /nodes, /services, /tasks.
 */
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "miniswarm/api/tls_server.hpp"
#include "miniswarm/manager/control_loop.hpp"
#include "miniswarm/manager/dispatcher_service.hpp"
#include "miniswarm/manager/log_broker.hpp"
#include "miniswarm/store/cluster_store.hpp"

namespace miniswarm::manager {

/// What the route handlers work with.
struct ManagerContext {
  ClusterStore* store = nullptr;
  DispatcherService* dispatcher = nullptr;
  LogSink log;
  std::shared_ptr<LogBroker> logs{};  ///< `service logs` subscriptions (log_broker.hpp)
};

/// One route of the table above.
struct Route {
  std::string method;   ///< GET, POST, DELETE
  std::string pattern;  ///< httplib regex, e.g. R"(/v1/nodes/([^/]+))"
  api::Access access;
  api::TlsHandler handler;
};

/// Every route except GET /v1/ca (the TLS server serves that one itself).
std::vector<Route> manager_routes(ManagerContext& context);

// The route groups, one file each.
void add_join_routes(std::vector<Route>& routes, ManagerContext& context);
void add_dispatcher_routes(std::vector<Route>& routes, ManagerContext& context);
void add_node_routes(std::vector<Route>& routes, ManagerContext& context);
void add_service_routes(std::vector<Route>& routes, ManagerContext& context);
void add_log_routes(std::vector<Route>& routes, ManagerContext& context);

// Helpers the handlers share (routes_common.cpp).
/// Sends `value` as JSON with status 200 (or `status`).
void reply_json(httplib::Response& response, const nlohmann::json& value, int status = 200);
/// Sends an Error with a status chosen from its kind (404 not found, 409 conflict,
/// else `fallback`).
void reply_error(httplib::Response& response, const minirun::sys::Error& error, int fallback = 400);
/// Parses the request body as JSON; on failure replies 400 naming the problem and
/// returns false.
bool parse_body(const httplib::Request& request, httplib::Response& response, nlohmann::json& out);
/// An Error that reply_error() sends as 404.
minirun::sys::Error not_found_error(const std::string& message);

/// Resolves a service by id, name or unique id prefix.
Result<Service> find_service(const std::vector<Service>& services, const std::string& key);
/// Resolves a node by id, hostname or unique id prefix.
Result<Node> find_node(const std::vector<Node>& nodes, const std::string& key);

}  // namespace miniswarm::manager
