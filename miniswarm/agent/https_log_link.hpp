/**
 * @file https_log_link.hpp
 * @brief The real LogLink: the agent's two log calls over mutual TLS.
 *
 * Two connections of its own, apart from the heartbeat's and the assignments' (see
 * https_link.hpp for why each conversation has one): the subscriptions long poll may be
 * held by the manager for seconds, and a batch of lines must not wait behind it. The
 * publishing connection is shared by the workers of every subscription, one request
 * at a time.
 *
 * Docs: log_publisher.hpp, log_protocol.hpp, routes_logs.cpp.
 */
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "miniswarm/agent/log_publisher.hpp"
#include "miniswarm/api/tls_client.hpp"

namespace miniswarm::agent {

class HttpsLogLink : public LogLink {
 public:
  /// A link to host:port with this node's credentials.
  static Result<std::unique_ptr<HttpsLogLink>> create(const std::string& host, int port,
                                                      const ca::NodeCredentials& node);

  Result<LogSubscriptionsResponse> log_subscriptions(uint64_t since, int64_t wait_ms) override;
  Result<LogBatchResponse> publish_logs(const std::string& subscription_id, const LogBatch& batch) override;

 private:
  HttpsLogLink() = default;
  std::mutex poll_mutex_;
  std::mutex publish_mutex_;
  std::unique_ptr<api::TlsClient> poll_client_;
  std::unique_ptr<api::TlsClient> publish_client_;
};

}  // namespace miniswarm::agent
