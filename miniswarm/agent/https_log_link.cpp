/**
 * @file https_log_link.cpp
 * @brief Log subscriptions and batches as JSON over mutual TLS (https_log_link.hpp).
 */
#include "miniswarm/agent/https_log_link.hpp"

#include <nlohmann/json.hpp>

namespace miniswarm::agent {

namespace {

/// Turns a reply into T, or an Error carrying the manager's message.
template <class T>
Result<T> decode(const std::string& what, Result<api::Reply> reply) {
  if (!reply.ok()) return std::move(reply.error()).context(what);
  try {
    auto body = nlohmann::json::parse(reply->body);
    if (reply->status != 200) {
      std::string message = body.is_object() ? body.value("message", reply->body) : reply->body;
      return Error(what + ": the manager answered " + std::to_string(reply->status) + ": " + message);
    }
    return body.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Error(what + ": unreadable answer from the manager (status " + std::to_string(reply->status) +
                 "): " + e.what());
  }
}

}  // namespace

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
  return decode<LogSubscriptionsResponse>(
      "log subscriptions", poll_client_->get("/v1/dispatcher/log-subscriptions?since=" + std::to_string(since) +
                                             "&wait_ms=" + std::to_string(wait_ms)));
}

Result<LogBatchResponse> HttpsLogLink::publish_logs(const std::string& subscription_id, const LogBatch& batch) {
  nlohmann::json body = batch;
  std::lock_guard lock(publish_mutex_);
  // Subscription ids are the manager's base-36 object ids: nothing to escape.
  return decode<LogBatchResponse>(
      "send logs", publish_client_->post("/v1/dispatcher/logs/" + subscription_id,
                                         body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

}  // namespace miniswarm::agent
