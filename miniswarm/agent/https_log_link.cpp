/**
 * @file https_log_link.cpp
 * @brief Log subscriptions and batches as JSON over mutual TLS (https_log_link.hpp).
 */
#include "miniswarm/agent/https_log_link.hpp"
#include "miniswarm/api/manager_reply.hpp"

#include <nlohmann/json.hpp>

namespace miniswarm::agent {

Result<std::unique_ptr<HttpsLogLink>> HttpsLogLink::create(const std::string& host, int port,
                                                           const ca::NodeCredentials& node) {
  std::unique_ptr<HttpsLogLink> link(new HttpsLogLink());
  // The manager holds the poll at most 30 s (routes_logs.cpp); the agent asks for less.
  api::ClientTimeouts long_poll;
  long_poll.read = std::chrono::milliseconds(40'000);
  auto poll = api::TlsClient::create(host, port, node, long_poll);
  if (!poll.ok()) return std::move(poll.error());
  auto publish = api::TlsClient::create(host, port, node);
  if (!publish.ok()) return std::move(publish.error());
  link->poll_client_ = std::move(*poll);
  link->publish_client_ = std::move(*publish);
  return link;
}

Result<LogSubscriptionsResponse> HttpsLogLink::log_subscriptions(uint64_t since, int64_t wait_ms) {
  std::lock_guard lock(poll_mutex_);
  return api::decode_manager_reply<LogSubscriptionsResponse>(
      "log subscriptions", poll_client_->get("/v1/dispatcher/log-subscriptions?since=" + std::to_string(since) +
                                             "&wait_ms=" + std::to_string(wait_ms)));
}

Result<LogBatchResponse> HttpsLogLink::publish_logs(const std::string& subscription_id, const LogBatch& batch) {
  nlohmann::json body = batch;
  std::lock_guard lock(publish_mutex_);
  // Subscription ids are the manager's base-36 object ids: nothing to escape.
  return api::decode_manager_reply<LogBatchResponse>(
      "send logs", publish_client_->post("/v1/dispatcher/logs/" + subscription_id,
                                         body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

}  // namespace miniswarm::agent
