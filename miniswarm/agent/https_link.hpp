/**
 * @file https_link.hpp
 * @brief The real ManagerLink: the two dispatcher calls over mutual TLS.
 *
 * Two connections, one per conversation: the assignments long poll may be held by the
 * manager for many seconds, and a heartbeat must not queue behind it (three late
 * heartbeats and the node is DOWN). Each connection pins the cluster CA and presents
 * this node's certificate (api/tls_client.hpp), so the manager knows who is calling
 * without the node saying so.
 *
 * Docs: manager_link.hpp, protocol.hpp, routes.hpp.
 */
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "miniswarm/agent/manager_link.hpp"
#include "miniswarm/api/tls_client.hpp"

namespace miniswarm::agent {

class HttpsManagerLink : public ManagerLink {
 public:
  /// A link to host:port with this node's credentials.
  static Result<std::unique_ptr<HttpsManagerLink>> create(const std::string& host, int port,
                                                          const ca::NodeCredentials& node);

  Result<HeartbeatResponse> heartbeat(const HeartbeatRequest& request) override;
  Result<AssignmentsResponse> assignments(const AssignmentsRequest& request) override;

 private:
  HttpsManagerLink() = default;
  std::mutex heartbeat_mutex_;
  std::mutex assignments_mutex_;
  std::unique_ptr<api::TlsClient> heartbeat_client_;
  std::unique_ptr<api::TlsClient> assignments_client_;
};

}  // namespace miniswarm::agent
