/**
 * @file routes_nodes.cpp
 * @brief node ls / inspect / update / rm, and the swarm's own info and join tokens
 *        (routes.hpp).
 *
 * Availability is the user's lever on a node (`docker node update --availability`):
 * active takes tasks; pause keeps its tasks but takes no new ones; drain also makes the
 * orchestrator move its tasks elsewhere. Promote/demote change the role recorded for
 * the node (its next certificate carries it); several managers sharing one store come
 * later, so a promoted node does not run a manager yet, and the docs say so.
 */
#include <nlohmann/json.hpp>

#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/manager/routes.hpp"

namespace miniswarm::manager {

using minirun::sys::Error;

namespace {

/// Applies {"availability": ..., "role": ..., "label_add": {k: v}, "label_rm": [k]}.
Result<void> apply_node_update(Node& node, const nlohmann::json& body) {
  if (auto it = body.find("availability"); it != body.end()) {
    if (!it->is_string() || !parse(it->get<std::string>(), node.availability)) {
      return Error("availability: `" + (it->is_string() ? it->get<std::string>() : it->dump()) +
                   "` is not one of active, pause, drain");
    }
  }
  if (auto it = body.find("role"); it != body.end()) {
    if (!it->is_string() || !parse(it->get<std::string>(), node.role)) {
      return Error("role: expected worker or manager");
    }
  }
  if (auto it = body.find("label_add"); it != body.end()) {
    if (!it->is_object()) return Error("label_add: expected an object of key: value");
    for (const auto& [key, value] : it->items()) {
      if (key.empty()) return Error("label_add: a label needs a key (KEY=VALUE)");
      node.labels[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  if (auto it = body.find("label_rm"); it != body.end()) {
    if (!it->is_array()) return Error("label_rm: expected a list of keys");
    for (const auto& key : *it) {
      std::string k = key.is_string() ? key.get<std::string>() : key.dump();
      if (node.labels.erase(k) == 0) return Error("label_rm: node has no label `" + k + "`");
    }
  }
  return minirun::sys::ok();
}

}  // namespace

void add_node_routes(std::vector<Route>& routes, ManagerContext& context) {
  routes.push_back({"GET", "/v1/swarm", api::Access::kManager,
                    [&context](const httplib::Request&, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    auto s = context.store->snapshot();
    if (!s.ok()) return reply_error(res, s.error(), 500);
    reply_json(res, {{"id", s->cluster.id},
                     {"name", s->cluster.name},
                     {"created_ms", s->cluster.created_ms},
                     {"heartbeat_period_ms", s->cluster.heartbeat_period_ms},
                     {"orphan_after_ms", s->cluster.orphan_after_ms},
                     {"nodes", s->nodes.size()},
                     {"services", s->services.size()},
                     {"tasks", s->tasks.size()},
                     {"seq", s->seq}});
  }});

  routes.push_back({"GET", R"(/v1/swarm/join-token/(worker|manager))", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    NodeRole role = req.matches[1] == "manager" ? NodeRole::kManager : NodeRole::kWorker;
    bool rotate = req.has_param("rotate") && req.get_param_value("rotate") != "0";
    Cluster cluster;
    auto written = context.store->update([&](StoreTx& tx) -> Result<void> {
      auto c = tx.cluster();
      if (!c.ok()) return std::move(c.error());
      if (!c->has_value()) return Error("this manager has no swarm");
      cluster = **c;
      if (rotate) {
        (role == NodeRole::kManager ? cluster.manager_token_secret : cluster.worker_token_secret) =
            ca::new_token_secret();
        MINIRUN_TRY(tx.put(cluster), "rotate the join token");
      }
      return minirun::sys::ok();
    });
    if (!written.ok()) return reply_error(res, written.error(), 500);
    auto token = ca::join_token_for(cluster, role);
    if (!token.ok()) return reply_error(res, token.error(), 500);
    if (rotate && context.log) context.log("join-token: the " + std::string(to_string(role)) + " token was rotated");
    reply_json(res, {{"role", to_string(role)}, {"token", *token}, {"rotated", rotate}});
  }});

  routes.push_back({"GET", "/v1/nodes", api::Access::kManager,
                    [&context](const httplib::Request&, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    auto nodes = context.store->nodes();
    if (!nodes.ok()) return reply_error(res, nodes.error(), 500);
    reply_json(res, *nodes);
  }});

  routes.push_back({"GET", R"(/v1/nodes/([^/]+))", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    auto nodes = context.store->nodes();
    if (!nodes.ok()) return reply_error(res, nodes.error(), 500);
    auto node = find_node(*nodes, req.matches[1]);
    if (!node.ok()) return reply_error(res, node.error());
    reply_json(res, *node);
  }});

  routes.push_back({"POST", R"(/v1/nodes/([^/]+)/update)", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    nlohmann::json body;
    if (!parse_body(req, res, body)) return;
    Node updated;
    auto written = context.store->update([&](StoreTx& tx) -> Result<void> {
      auto nodes = tx.nodes();
      if (!nodes.ok()) return std::move(nodes.error());
      auto node = find_node(*nodes, req.matches[1]);
      if (!node.ok()) return std::move(node.error());
      updated = *node;
      MINIRUN_TRY(apply_node_update(updated, body), "node update");
      return tx.update(updated);
    });
    if (!written.ok()) return reply_error(res, written.error());
    if (context.log) {
      context.log("node " + updated.id + ": updated (availability " +
                  std::string(to_string(updated.availability)) + ", role " +
                  std::string(to_string(updated.role)) + ")");
    }
    reply_json(res, updated);
  }});

  routes.push_back({"DELETE", R"(/v1/nodes/([^/]+))", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>& peer) {
    bool force = req.has_param("force") && req.get_param_value("force") != "0";
    Node removed;
    auto written = context.store->update([&](StoreTx& tx) -> Result<void> {
      auto nodes = tx.nodes();
      if (!nodes.ok()) return std::move(nodes.error());
      auto node = find_node(*nodes, req.matches[1]);
      if (!node.ok()) return std::move(node.error());
      removed = *node;
      if (peer && removed.id == peer->node_id) {
        return Error("node `" + removed.hostname + "` is this manager: it cannot remove itself");
      }
      if (removed.status == NodeStatus::kReady && !force) {
        return Error("node `" + removed.hostname + "` is ready (its agent is running): run " +
                     "`miniswarm leave` on it first, or use --force");
      }
      return tx.remove_node(removed.id);
    });
    if (!written.ok()) return reply_error(res, written.error());
    if (context.log) context.log("node " + removed.id + " (" + removed.hostname + ") removed");
    reply_json(res, {{"id", removed.id}});
  }});
}

}  // namespace miniswarm::manager
