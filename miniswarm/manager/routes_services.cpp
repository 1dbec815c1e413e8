/**
 * @file routes_services.cpp
 * @brief service create / ls / inspect / update / rm, and the task list (routes.hpp).
 *
 * These handlers only write the *desired* state: a service row. Not one of them creates
 * a task, picks a node or starts a container; the orchestrator and the scheduler see
 * the change in the store and do their part (control_loop.hpp). That is why
 * `service create` returns at once, and why `service ps` a moment later shows tasks
 * moving through PENDING and ASSIGNED to RUNNING.
 *
 * `service update` here changes what needs no rollout: replicas, the restart policy,
 * placement constraints and strategy, labels. New tasks use the new spec; running tasks
 * are left alone (rolling updates of the image or command come with `--update-*`).
 */
#include <nlohmann/json.hpp>

#include "miniswarm/manager/routes.hpp"
#include "miniswarm/manager/service_validation.hpp"
#include "miniswarm/orchestrator/rebalance.hpp"

namespace miniswarm::manager {

using minirun::sys::Error;

namespace {

/// `service ls`'s REPLICAS column: running tasks / desired tasks.
nlohmann::json with_replica_counts(const Service& service, const std::vector<Task>& tasks) {
  nlohmann::json j = service;
  uint64_t running = 0;
  uint64_t desired = 0;
  for (const auto& t : tasks) {
    if (t.service_id != service.id) continue;
    if (t.desired_state == TaskState::kRunning && t.status.state == TaskState::kRunning) ++running;
    if (t.desired_state == TaskState::kRunning && !is_terminal(t.status.state)) ++desired;
  }
  j["running_tasks"] = running;
  j["desired_tasks"] = service.spec.mode == ServiceMode::kGlobal ? desired : service.spec.replicas;
  return j;
}

/// The fields `service update` may change without a rollout; anything else is refused.
Result<void> apply_service_update(ServiceSpec& spec, const nlohmann::json& body) {
  static const std::vector<std::string> kAllowed = {"replicas", "restart", "placement", "labels"};
  for (const auto& [key, value] : body.items()) {
    if (std::find(kAllowed.begin(), kAllowed.end(), key) == kAllowed.end()) {
      return Error("update: `" + key + "` cannot change without a rolling update (not built yet); " +
                   "remove and create the service again");
    }
  }
  try {
    if (auto it = body.find("replicas"); it != body.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0) {
        return Error("replicas: `" + it->dump() + "` is not a whole number >= 0");
      }
      if (spec.mode == ServiceMode::kGlobal) return Error("replicas: a global service cannot be scaled");
      spec.replicas = it->get<uint64_t>();
    }
    if (auto it = body.find("restart"); it != body.end()) it->get_to(spec.restart);
    if (auto it = body.find("placement"); it != body.end()) it->get_to(spec.placement);
    if (auto it = body.find("labels"); it != body.end()) it->get_to(spec.labels);
  } catch (const nlohmann::json::exception& e) {
    return Error(std::string("update: ") + e.what());
  }
  return minirun::sys::ok();
}

}  // namespace

void add_service_routes(std::vector<Route>& routes, ManagerContext& context) {
  routes.push_back({"GET", "/v1/services", api::Access::kManager,
                    [&context](const httplib::Request&, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    auto s = context.store->snapshot();
    if (!s.ok()) return reply_error(res, s.error(), 500);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& service : s->services) out.push_back(with_replica_counts(service, s->tasks));
    reply_json(res, out);
  }});

  routes.push_back({"GET", R"(/v1/services/([^/]+))", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    auto s = context.store->snapshot();
    if (!s.ok()) return reply_error(res, s.error(), 500);
    auto service = find_service(s->services, req.matches[1]);
    if (!service.ok()) return reply_error(res, service.error());
    reply_json(res, with_replica_counts(*service, s->tasks));
  }});

  routes.push_back({"POST", "/v1/services", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    nlohmann::json body;
    if (!parse_body(req, res, body)) return;
    Service service;
    try {
      body.get_to(service.spec);
    } catch (const nlohmann::json::exception& e) {
      return api::set_error_reply(res, 400, std::string("service spec: ") + e.what());
    }
    if (auto valid = validate_service_spec(service.spec); !valid.ok()) {
      return api::set_error_reply(res, 400, valid.error().what());
    }
    service.id = new_object_id();
    auto written = context.store->update([&](StoreTx& tx) { return tx.create(service); });
    if (!written.ok()) {
      // The store refuses a second service with the same name.
      return reply_error(res, written.error(), 409);
    }
    if (context.log) context.log("service " + service.spec.name + " (" + service.id + ") created");
    reply_json(res, service, 201);
  }});

  routes.push_back({"POST", R"(/v1/services/([^/]+)/update)", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    nlohmann::json body;
    if (!parse_body(req, res, body)) return;
    Service updated;
    auto written = context.store->update([&](StoreTx& tx) -> Result<void> {
      auto services = tx.services();
      if (!services.ok()) return std::move(services.error());
      auto service = find_service(*services, req.matches[1]);
      if (!service.ok()) return std::move(service.error());
      updated = *service;
      MINIRUN_TRY(apply_service_update(updated.spec, body), "service `" + updated.spec.name + "`");
      MINIRUN_TRY(validate_service_spec(updated.spec), "service `" + updated.spec.name + "`");
      if (updated.spec == service->spec) return minirun::sys::ok();  // nothing to change
      ++updated.spec_version;
      return tx.update(updated);
    });
    if (!written.ok()) return reply_error(res, written.error());
    if (context.log) context.log("service " + updated.spec.name + " updated (spec version " +
                                 std::to_string(updated.spec_version) + ")");
    reply_json(res, updated);
  }});

  routes.push_back({"POST", R"(/v1/services/([^/]+)/rebalance)", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    orchestrator::RebalancePlan plan;
    Service service;
    auto written = context.store->update([&](StoreTx& tx) -> Result<void> {
      auto services = tx.services();
      if (!services.ok()) return std::move(services.error());
      auto found = find_service(*services, req.matches[1]);
      if (!found.ok()) return std::move(found.error());
      service = *found;
      auto tasks = tx.tasks_of_service(service.id);
      if (!tasks.ok()) return std::move(tasks.error());
      auto nodes = tx.nodes();
      if (!nodes.ok()) return std::move(nodes.error());
      plan = orchestrator::plan_rebalance(service, *tasks, *nodes);
      // Only the desired states change; the orchestrator and the scheduler do the rest.
      for (auto& task : plan.stop) MINIRUN_TRY(tx.update(task), "rebalance");
      return minirun::sys::ok();
    });
    if (!written.ok()) return reply_error(res, written.error());
    if (context.log) context.log("service " + service.spec.name + " rebalanced: " + plan.summary);
    nlohmann::json moved = nlohmann::json::array();
    for (const auto& t : plan.stop) moved.push_back(t.id);
    reply_json(res, {{"service", service.spec.name}, {"moved", moved}, {"summary", plan.summary}});
  }});

  routes.push_back({"DELETE", R"(/v1/services/([^/]+))", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    Service removed;
    auto written = context.store->update([&](StoreTx& tx) -> Result<void> {
      auto services = tx.services();
      if (!services.ok()) return std::move(services.error());
      auto service = find_service(*services, req.matches[1]);
      if (!service.ok()) return std::move(service.error());
      removed = *service;
      // Only the service goes; the orchestrator then shuts its tasks down and removes
      // them once they have stopped (a task must not vanish while its container runs).
      return tx.remove_service(removed.id);
    });
    if (!written.ok()) return reply_error(res, written.error());
    if (context.log) context.log("service " + removed.spec.name + " (" + removed.id + ") removed");
    reply_json(res, {{"id", removed.id}, {"name", removed.spec.name}});
  }});

  routes.push_back({"GET", "/v1/tasks", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    auto s = context.store->snapshot();
    if (!s.ok()) return reply_error(res, s.error(), 500);
    std::string service_id;
    std::string node_id;
    if (req.has_param("service")) {
      auto service = find_service(s->services, req.get_param_value("service"));
      if (!service.ok()) return reply_error(res, service.error());
      service_id = service->id;
    }
    if (req.has_param("node")) {
      auto node = find_node(s->nodes, req.get_param_value("node"));
      if (!node.ok()) return reply_error(res, node.error());
      node_id = node->id;
    }
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : s->tasks) {
      if (!service_id.empty() && t.service_id != service_id) continue;
      if (!node_id.empty() && t.node_id != node_id) continue;
      out.push_back(t);
    }
    reply_json(res, out);
  }});
}

}  // namespace miniswarm::manager
