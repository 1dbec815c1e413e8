/**
 * @file https_link.cpp
 * @brief Heartbeats and assignments as JSON over mutual TLS (https_link.hpp).
 */
#include "miniswarm/agent/https_link.hpp"
#include "miniswarm/api/manager_reply.hpp"

#include <nlohmann/json.hpp>

namespace miniswarm::agent {

Result<std::unique_ptr<HttpsManagerLink>> HttpsManagerLink::create(const std::string& host, int port,
                                                                   const ca::NodeCredentials& node) {
  std::unique_ptr<HttpsManagerLink> link(new HttpsManagerLink());
  auto heartbeat = api::TlsClient::create(host, port, node);
  if (!heartbeat.ok()) return std::move(heartbeat.error());
  // The long poll may be held up to the wait the agent asks for (at most 30 s on the
  // manager): the read timeout must be longer.
  api::ClientTimeouts long_poll;
  long_poll.read = std::chrono::milliseconds(40'000);
  auto assignments = api::TlsClient::create(host, port, node, long_poll);
  if (!assignments.ok()) return std::move(assignments.error());
  link->heartbeat_client_ = std::move(*heartbeat);
  link->assignments_client_ = std::move(*assignments);
  return link;
}

Result<HeartbeatResponse> HttpsManagerLink::heartbeat(const HeartbeatRequest& request) {
  std::lock_guard lock(heartbeat_mutex_);
  nlohmann::json body = request;
  return api::decode_manager_reply<HeartbeatResponse>("heartbeat",
                                   heartbeat_client_->post("/v1/dispatcher/heartbeat", body.dump()));
}

Result<AssignmentsResponse> HttpsManagerLink::assignments(const AssignmentsRequest& request) {
  std::lock_guard lock(assignments_mutex_);
  nlohmann::json body = request;
  return api::decode_manager_reply<AssignmentsResponse>("assignments",
                                     assignments_client_->post("/v1/dispatcher/assignments", body.dump()));
}

}  // namespace miniswarm::agent
