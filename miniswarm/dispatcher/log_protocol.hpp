/**
 * @file log_protocol.hpp
 * @brief What travels when someone runs `miniswarm service logs`: the subscription an
 *        agent is told about, the batches of lines it sends back, and the events the
 *        manager streams to the command.
 *
 * A task's output is in a file on the node that runs it (the container's json-file
 * log, minirun/engine/json_log.hpp). The manager cannot read it: agents only ever make
 * *outgoing* calls to the manager (protocol.hpp), and a worker behind a NAT or in a lab
 * namespace has no port to call. So the logs come the way SwarmKit's log broker brings
 * them, by a subscription the agents learn of and answer:
 *
 *     miniswarm service logs web                       (CLI, local socket)
 *       GET /v1/services/web/logs?tail=..  -------->  manager: a LogSubscription per
 *                                                     node holding a task of `web`
 *     agent:  GET /v1/dispatcher/log-subscriptions    (a long poll: "anything for me?")
 *       <---- [{id, task_ids, options}]
 *     agent:  reads each task's log, POST /v1/dispatcher/logs/{id}  {messages, done}
 *     manager: streams each message to the CLI as one JSON line (LogEvent)
 *
 * The messages here are the whole vocabulary of that flow:
 *
 *  | type                     | from -> to       | carries                              |
 *  |--------------------------|------------------|--------------------------------------|
 *  | LogStreamOptions         | CLI -> agents    | follow, tail, since                   |
 *  | LogSubscription          | manager -> agent | id, this node's task ids, options     |
 *  | LogSubscriptionsResponse | manager -> agent | every open subscription for the node |
 *  | LogBatch                 | agent -> manager | lines, warnings, done                 |
 *  | LogBatchResponse         | manager -> agent | how full the subscription's buffer is |
 *  | LogEvent                 | manager -> CLI   | tasks, a line, a warning, an error    |
 *
 * As with assignments, the subscription list is the truth, not a diff: an agent that
 * missed an answer, or restarted, reads the list again and needs nothing else; a
 * subscription missing from the list is one to stop (the client went away).
 *
 * The node id in a LogMessage is filled in by the manager from the caller's
 * certificate: a node cannot send lines in another node's name.
 *
 * Left out: `--details` (log attributes), `--until` (Docker's service logs lacks it
 * too), and compression of the batches.
 *
 * Docs: docs/design/swarm.md ("Logs: the broker"); SwarmKit api/logbroker.proto
 * (SubscribeLogs, ListenSubscriptions, PublishLogs), which this condenses.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace miniswarm {

/// One line of a task's output on its way from the node to the client.
struct LogMessage {
  std::string task_id;
  std::string node_id;            ///< set by the manager from the sender's certificate
  std::string stream = "stdout";  ///< "stdout" or "stderr"
  int64_t time_ns = 0;            ///< when the node's monitor read it (Unix epoch, ns)
  std::string line;               ///< without its trailing "\n"
  bool operator==(const LogMessage&) const = default;
};

/// What the client asked for; every node applies it to each of its tasks.
struct LogStreamOptions {
  bool follow = false;   ///< -f: keep sending new lines until the subscription ends
  int64_t tail = -1;     ///< --tail N: the last N lines of each task; -1 = all
  int64_t since_ns = 0;  ///< --since: lines at or after this time; 0 = from the start
  bool operator==(const LogStreamOptions&) const = default;
};

/// A subscription as one node sees it: which of *its* tasks, and how.
struct LogSubscription {
  std::string id;
  std::vector<std::string> task_ids;
  LogStreamOptions options;
  bool operator==(const LogSubscription&) const = default;
};

/// Manager -> agent, the answer to the long poll.
struct LogSubscriptionsResponse {
  uint64_t version = 0;  ///< send it back as `since` to wait for the next change
  std::vector<LogSubscription> subscriptions;  ///< every open one that waits for this node
  bool operator==(const LogSubscriptionsResponse&) const = default;
};

/// Agent -> manager: lines of one subscription.
struct LogBatch {
  std::vector<LogMessage> messages;
  std::vector<std::string> warnings;  ///< "task web.1.x: its log is unreadable: ..."
  bool done = false;                  ///< this node has sent everything it will send
  bool operator==(const LogBatch&) const = default;
};

/// Manager -> agent: the subscription's buffer, so a fast node can slow down before
/// the manager drops a subscription whose client reads too slowly.
struct LogBatchResponse {
  uint64_t buffered = 0;      ///< lines waiting for the client
  uint64_t max_buffered = 0;  ///< the limit past which the subscription is dropped
  bool operator==(const LogBatchResponse&) const = default;
};

/// How the client prints a task's lines: "web.1.k2j4xyz0abcd@node-2".
struct LogTaskInfo {
  std::string task_id;
  std::string name;  ///< "web.1" (a global task: "web.<node id>")
  std::string node;  ///< the node's hostname
  bool operator==(const LogTaskInfo&) const = default;
};

/// Manager -> CLI: one JSON object per line of the response. Exactly one part is set;
/// an event with none is a keep-alive (written when nothing happened for a while, so
/// that a client that went away is noticed by the failed write).
struct LogEvent {
  std::vector<LogTaskInfo> tasks{};     ///< the first event: who is in the stream
  std::optional<LogMessage> message{};  ///< a line
  std::string warning{};                ///< "node-3 did not send its logs (node is down)"
  std::string error{};                  ///< the stream ends with this
  bool operator==(const LogEvent&) const = default;
};

void to_json(nlohmann::json& j, const LogMessage& v);
void from_json(const nlohmann::json& j, LogMessage& v);
void to_json(nlohmann::json& j, const LogStreamOptions& v);
void from_json(const nlohmann::json& j, LogStreamOptions& v);
void to_json(nlohmann::json& j, const LogSubscription& v);
void from_json(const nlohmann::json& j, LogSubscription& v);
void to_json(nlohmann::json& j, const LogSubscriptionsResponse& v);
void from_json(const nlohmann::json& j, LogSubscriptionsResponse& v);
void to_json(nlohmann::json& j, const LogBatch& v);
void from_json(const nlohmann::json& j, LogBatch& v);
void to_json(nlohmann::json& j, const LogBatchResponse& v);
void from_json(const nlohmann::json& j, LogBatchResponse& v);
void to_json(nlohmann::json& j, const LogTaskInfo& v);
void from_json(const nlohmann::json& j, LogTaskInfo& v);
void to_json(nlohmann::json& j, const LogEvent& v);
void from_json(const nlohmann::json& j, LogEvent& v);

/// A LogEvent as one line of the stream: compact JSON and "\n".
std::string log_event_line(const LogEvent& event);

}  // namespace miniswarm
