/**
 * @file routes_join.cpp
 * @brief POST /v1/join: a node with a join token becomes a member (routes.hpp).
 *
 * The second step of joining (the first, GET /v1/ca, let the node check the manager
 * against the token's CA digest). The node sends its token, a certificate signing
 * request for a key that never leaves it, and what it calls itself. The manager:
 *  1. checks the token: this cluster's CA digest, and the worker or the manager secret
 *     (constant time); which secret matched decides the role;
 *  2. creates the Node (a fresh id; availability active; status unknown until its first
 *     heartbeat);
 *  3. signs the CSR as that node: CN = node id, OU = role, O = cluster id. From now on
 *     the certificate *is* the node's identity; nothing in a request body can claim
 *     another.
 * A wrong or rotated token gets 401 and leaves nothing in the store.
 *
 * Docs: docs/design/swarm.md ("joining"); `docker swarm join`.
 */
#include <nlohmann/json.hpp>

#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/ca/node_identity.hpp"
#include "miniswarm/manager/routes.hpp"

namespace miniswarm::manager {

void add_join_routes(std::vector<Route>& routes, ManagerContext& context) {
  routes.push_back({"POST", "/v1/join", api::Access::kAnyone,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) {
    nlohmann::json body;
    if (!parse_body(req, res, body)) return;
    std::string token = body.value("token", "");
    std::string csr = body.value("csr", "");
    if (token.empty()) return api::set_error_reply(res, 400, "token: missing (the SWMTKN-1-... string)");
    if (csr.empty()) return api::set_error_reply(res, 400, "csr: missing (a PEM certificate request)");

    auto cluster = context.store->cluster();
    if (!cluster.ok()) return reply_error(res, cluster.error(), 500);
    if (!cluster->has_value()) return api::set_error_reply(res, 503, "this manager has no swarm yet");
    auto role = ca::check_join_token(**cluster, token);
    if (!role.ok()) return api::set_error_reply(res, 401, role.error().what());

    Node node;
    node.id = new_object_id();
    node.role = *role;
    node.hostname = body.value("hostname", "");
    node.addr = body.value("addr", "");
    node.status = NodeStatus::kUnknown;
    ca::Identity identity{node.id, node.role, (*cluster)->id};
    auto cert = ca::sign_node_csr({(*cluster)->ca_cert_pem, (*cluster)->ca_key_pem}, csr, identity);
    if (!cert.ok()) return api::set_error_reply(res, 400, "csr: " + cert.error().what());
    if (auto serial = ca::certificate_serial_hex(*cert); serial.ok()) node.cert_serial = *serial;

    auto written = context.store->update([&](StoreTx& tx) { return tx.create(node); });
    if (!written.ok()) return reply_error(res, written.error(), 500);
    if (context.log) {
      context.log("join: node " + node.id + " (" + node.hostname + ", " + node.addr + ") joined as " +
                  std::string(to_string(node.role)));
    }
    reply_json(res, {{"node_id", node.id},
                     {"role", to_string(node.role)},
                     {"cert", *cert},
                     {"ca", (*cluster)->ca_cert_pem},
                     {"heartbeat_period_ms", (*cluster)->heartbeat_period_ms}});
  }});
}

}  // namespace miniswarm::manager
