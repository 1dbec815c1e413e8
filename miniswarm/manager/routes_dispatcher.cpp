/**
 * @file routes_dispatcher.cpp
 * @brief The agents' two routes: heartbeat and assignments (routes.hpp, protocol.hpp).
 *
 * The node id comes from the caller's certificate (the `peer`), never from the body.
 */
#include <nlohmann/json.hpp>

#include "miniswarm/manager/routes.hpp"

namespace miniswarm::manager {

void add_dispatcher_routes(std::vector<Route>& routes, ManagerContext& context) {
  routes.push_back({"POST", "/v1/dispatcher/heartbeat", api::Access::kNode,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>& peer) {
    nlohmann::json body;
    if (!parse_body(req, res, body)) return;
    HeartbeatRequest beat;
    try {
      body.get_to(beat);
    } catch (const nlohmann::json::exception& e) {
      return api::set_error_reply(res, 400, std::string("heartbeat: ") + e.what());
    }
    auto reply = context.dispatcher->heartbeat(peer->node_id, beat, now_ms());
    if (!reply.ok()) return reply_error(res, reply.error(), 500);
    reply_json(res, *reply);
  }});

  routes.push_back({"POST", "/v1/dispatcher/assignments", api::Access::kNode,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>& peer) {
    nlohmann::json body;
    if (!parse_body(req, res, body)) return;
    AssignmentsRequest request;
    try {
      body.get_to(request);
    } catch (const nlohmann::json::exception& e) {
      return api::set_error_reply(res, 400, std::string("assignments: ") + e.what());
    }
    auto reply = context.dispatcher->assignments(peer->node_id, request);
    if (!reply.ok()) return reply_error(res, reply.error(), 500);
    reply_json(res, *reply);
  }});
}

}  // namespace miniswarm::manager
