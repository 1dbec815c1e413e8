/**
 * @file manager_reply.hpp
 * @brief An agent's view of a manager's answer: the JSON body as a T, or an Error that
 *        carries the manager's own message.
 *
 * Both of the agent's links to the manager (agent/https_link.cpp for heartbeats and
 * assignments, agent/https_log_link.cpp for logs) read answers the same way: a transport
 * failure keeps its error, a status other than 200 becomes "the manager answered 403:
 * <its message>", and a body that does not parse says so with the status.
 */
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "minirun/sys/error.hpp"
#include "miniswarm/api/tls_client.hpp"

namespace miniswarm::api {

/// Turns `reply` into T; `what` names the call in the error.
template <class T>
minirun::sys::Result<T> decode_manager_reply(const std::string& what, minirun::sys::Result<Reply> reply) {
  if (!reply.ok()) return std::move(reply.error()).context(what);
  try {
    auto body = nlohmann::json::parse(reply->body);
    if (reply->status != 200) {
      std::string message = body.is_object() ? body.value("message", reply->body) : reply->body;
      return minirun::sys::Error(what + ": the manager answered " + std::to_string(reply->status) + ": " +
                                 message);
    }
    return body.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return minirun::sys::Error(what + ": unreadable answer from the manager (status " +
                               std::to_string(reply->status) + "): " + e.what());
  }
}

}  // namespace miniswarm::api
