/**
 * @file routes_logs.cpp
 * @brief The log broker behind HTTP: the client's streaming routes and the agents' two
 *        routes (routes.hpp, log_broker.hpp, log_protocol.hpp).
 *
 *  | route                                        | who     | what                          |
 *  |----------------------------------------------|---------|-------------------------------|
 *  | GET  /v1/services/{id}/logs?follow&tail&since| manager | `service logs SERVICE`: stream |
 *  | GET  /v1/tasks/{id}/logs?...                 | manager | `service logs TASK`: stream    |
 *  | GET  /v1/logs/subscriptions                  | manager | the broker's open subscriptions|
 *  | GET  /v1/dispatcher/log-subscriptions        | node    | long poll: ?since=V&wait_ms=W  |
 *  | POST /v1/dispatcher/logs/{subscription}      | node    | a LogBatch                     |
 *
 * The client's routes answer with a *stream*: HTTP/1.1 chunked transfer encoding
 * (httplib's chunked content provider), one LogEvent as JSON per line. The provider runs
 * on the server thread that took the request: it waits for the broker (at most half a
 * second at a time), writes what came, and returns; httplib calls it again until it
 * says done. Three things end a stream:
 *  - the broker says finished (no follow: every node done or given up);
 *  - an error (the subscription dropped, the manager stopping), written as the last line;
 *  - the client goes away. HTTP gives no notice of that until a write fails, so a
 *    stream that has been quiet for a second writes a keep-alive line `{}`; the failed
 *    write ends the provider, and the releaser closes the subscription, which the
 *    agents see vanish from their next long poll, and they stop following.
 * With follow, a service that is removed also ends its stream (checked every 2 s).
 *
 * Which tasks: those of the service (or the one task) that a node has made a container
 * for (`container_id` reported), old ones included, as `docker service logs` shows the
 * logs of ended tasks while their containers exist.
 */
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <tuple>

#include "miniswarm/manager/routes.hpp"

namespace miniswarm::manager {

using minirun::sys::Error;

namespace {

constexpr auto kTakeWait = std::chrono::milliseconds(500);
constexpr int64_t kKeepAliveMs = 1000;
constexpr int64_t kServiceCheckMs = 2000;
constexpr int64_t kMaxSubscriptionsWaitMs = 30'000;

/// follow / tail / since from the query; the error names the parameter.
Result<LogStreamOptions> stream_options(const httplib::Request& req) {
  LogStreamOptions options;
  if (req.has_param("follow")) {
    std::string v = req.get_param_value("follow");
    options.follow = v == "1" || v == "true";
  }
  try {
    if (req.has_param("tail")) {
      std::string v = req.get_param_value("tail");
      if (v != "all" && !v.empty()) {
        size_t used = 0;
        options.tail = std::stoll(v, &used);
        if (used != v.size() || options.tail < 0) throw std::invalid_argument(v);
      }
    }
    if (req.has_param("since")) {
      std::string v = req.get_param_value("since");
      size_t used = 0;
      options.since_ns = v.empty() ? 0 : std::stoll(v, &used);
      if (used != v.size() || options.since_ns < 0) throw std::invalid_argument(v);
    }
  } catch (const std::exception&) {
    return Error("tail/since: `tail` is a number of lines or `all`, `since` nanoseconds since the epoch");
  }
  return options;
}

/// "web.1" (a global task: "web.<node id>"), the part of Task::name() before the id.
std::string short_task_name(const Task& t) {
  return t.service_name + "." + (t.slot != 0 ? std::to_string(t.slot) : t.node_id);
}

/// Subscribes to `tasks` (those with a container) and streams the broker's answer.
void stream_logs(ManagerContext& context, const Snapshot& s, std::vector<Task> tasks, std::string service_id,
                 const LogStreamOptions& options, httplib::Response& res) {
  std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
    return std::tie(a.service_name, a.slot, a.created_ms) < std::tie(b.service_name, b.slot, b.created_ms);
  });
  std::map<std::string, LogNode> nodes;
  for (const auto& n : s.nodes) nodes[n.id] = LogNode{n.hostname, n.status == NodeStatus::kDown};
  std::vector<LogTarget> targets;
  LogEvent header;
  for (const auto& t : tasks) {
    if (t.node_id.empty() || t.container_id.empty()) continue;  // never ran: no log anywhere
    targets.push_back({t.id, t.node_id});
    auto node = nodes.find(t.node_id);
    header.tasks.push_back({t.id, short_task_name(t), node != nodes.end() ? node->second.hostname : t.node_id});
  }
  std::shared_ptr<LogBroker> broker = context.logs;
  std::string id = broker->subscribe(targets, nodes, options);
  if (context.log) {
    context.log("logs: subscription " + id + " for " + std::to_string(targets.size()) + " task(s)" +
                (options.follow ? ", following" : ""));
  }

  struct StreamState {
    bool header_sent = false;
    int64_t last_write_ms = 0;
    int64_t last_service_check_ms = 0;
  };
  auto state = std::make_shared<StreamState>();
  state->last_write_ms = state->last_service_check_ms = now_ms();
  ClusterStore* store = context.store;
  bool follow = options.follow;
  res.set_chunked_content_provider(
      "application/x-ndjson",
      [broker, id, header, state, store, service_id, follow](size_t, httplib::DataSink& sink) {
        auto write = [&](const LogEvent& event) {
          std::string line = log_event_line(event);
          state->last_write_ms = now_ms();
          return sink.write(line.data(), line.size());
        };
        if (!state->header_sent) {
          state->header_sent = true;
          if (!write(header)) return false;
        }
        LogDrain drained = broker->take(id, kTakeWait);
        bool wrote = !drained.messages.empty() || !drained.warnings.empty();
        // One write for everything taken: a chunk (and a syscall) per line made a long
        // log several times slower to stream.
        std::string lines;
        for (auto& m : drained.messages) {
          LogEvent event;
          event.message = std::move(m);
          lines += log_event_line(event);
        }
        for (auto& w : drained.warnings) lines += log_event_line(LogEvent{.warning = std::move(w)});
        if (!lines.empty()) {
          state->last_write_ms = now_ms();
          if (!sink.write(lines.data(), lines.size())) return false;
        }
        if (!drained.error.empty()) {
          write(LogEvent{.error = drained.error});
          sink.done();
          return true;
        }
        if (drained.finished) {
          sink.done();
          return true;
        }
        int64_t now = now_ms();
        if (follow && !service_id.empty() && now - state->last_service_check_ms >= kServiceCheckMs) {
          state->last_service_check_ms = now;
          auto service = store->service(service_id);
          if (service.ok() && !service->has_value()) {
            write(LogEvent{.warning = "the service was removed"});
            sink.done();
            return true;
          }
        }
        // Never an empty write: httplib reads a zero-length write as the end of the data.
        if (!wrote && now - state->last_write_ms >= kKeepAliveMs) return write(LogEvent{});
        return true;
      },
      [broker, id](bool) { broker->close(id); });
}

/// The handler of both client routes: `service` true for /v1/services/{id}/logs.
void handle_logs(ManagerContext& context, bool service, const httplib::Request& req, httplib::Response& res) {
  auto options = stream_options(req);
  if (!options.ok()) return reply_error(res, options.error());
  auto s = context.store->snapshot();
  if (!s.ok()) return reply_error(res, s.error(), 500);
  const std::string key = req.matches[1];
  if (service) {
    auto found = find_service(s->services, key);
    if (!found.ok()) return reply_error(res, found.error());
    std::vector<Task> tasks;
    for (const auto& t : s->tasks) {
      if (t.service_id == found->id) tasks.push_back(t);
    }
    return stream_logs(context, *s, std::move(tasks), found->id, *options, res);
  }
  // A task: its full id or an unambiguous prefix (`docker service logs` takes task ids).
  std::vector<Task> matches;
  for (const auto& t : s->tasks) {
    if (t.id == key) matches = {t};
  }
  if (matches.empty()) {
    for (const auto& t : s->tasks) {
      if (t.id.rfind(key, 0) == 0) matches.push_back(t);
    }
  }
  if (matches.empty() || key.empty()) return reply_error(res, not_found_error("task `" + key + "` not found"));
  if (matches.size() > 1) {
    return reply_error(res, Error("task `" + key + "` is ambiguous (" + std::to_string(matches.size()) +
                                  " ids start with it): give more of the id"));
  }
  stream_logs(context, *s, std::move(matches), "", *options, res);
}

}  // namespace

void add_log_routes(std::vector<Route>& routes, ManagerContext& context) {
  routes.push_back({"GET", R"(/v1/services/([^/]+)/logs)", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) { handle_logs(context, true, req, res); }});
  routes.push_back({"GET", R"(/v1/tasks/([^/]+)/logs)", api::Access::kManager,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>&) { handle_logs(context, false, req, res); }});

  routes.push_back({"GET", "/v1/logs/subscriptions", api::Access::kManager,
                    [&context](const httplib::Request&, httplib::Response& res, const std::optional<ca::Identity>&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : context.logs->summaries()) {
      out.push_back({{"id", s.id}, {"follow", s.follow}, {"tasks", s.tasks},
                     {"waiting_for", s.waiting_for}, {"buffered", s.buffered}});
    }
    reply_json(res, out);
  }});

  routes.push_back({"GET", "/v1/dispatcher/log-subscriptions", api::Access::kNode,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>& peer) {
    uint64_t since = 0;
    int64_t wait_ms = 0;
    try {
      if (req.has_param("since")) since = std::stoull(req.get_param_value("since"));
      if (req.has_param("wait_ms")) wait_ms = std::stoll(req.get_param_value("wait_ms"));
    } catch (const std::exception&) {
      return api::set_error_reply(res, 400, "log-subscriptions: `since` and `wait_ms` are whole numbers");
    }
    wait_ms = std::clamp<int64_t>(wait_ms, 0, kMaxSubscriptionsWaitMs);
    reply_json(res, context.logs->subscriptions_for(peer->node_id, since, std::chrono::milliseconds(wait_ms)));
  }});

  routes.push_back({"POST", R"(/v1/dispatcher/logs/([^/]+))", api::Access::kNode,
                    [&context](const httplib::Request& req, httplib::Response& res,
                               const std::optional<ca::Identity>& peer) {
    nlohmann::json body;
    if (!parse_body(req, res, body)) return;
    LogBatch batch;
    try {
      body.get_to(batch);
    } catch (const nlohmann::json::exception& e) {
      return api::set_error_reply(res, 400, std::string("logs: ") + e.what());
    }
    auto outcome = context.logs->publish(req.matches[1], peer->node_id, std::move(batch));
    switch (outcome.status) {
      case PublishOutcome::Status::kAccepted: return reply_json(res, outcome.response);
      case PublishOutcome::Status::kGone: return api::set_error_reply(res, 404, outcome.message);
      case PublishOutcome::Status::kRefused: return api::set_error_reply(res, 400, outcome.message);
      case PublishOutcome::Status::kDropped: return api::set_error_reply(res, 409, outcome.message);
    }
  }});
}

}  // namespace miniswarm::manager
