/**
 * @file log_broker.hpp
 * @brief The manager's log broker: subscriptions of clients, answered by the nodes that
 *        hold the tasks, fanned in to one stream per client.
 *
 * `miniswarm service logs web` asks the manager for lines that exist only on the nodes
 * that ran web's tasks, and the manager can never call a node (log_protocol.hpp says
 * why). The broker is the meeting point, in memory only:
 *
 *  1. a client subscribes (subscribe()): the broker records which tasks, on which nodes,
 *     and how (follow, tail, since). A node already known to be DOWN is given up at once
 *     with a warning, since nothing will come from it;
 *  2. each node's agent, in its long poll (subscriptions_for()), sees the subscriptions
 *     that wait for it, reads its tasks' logs and publishes them in batches (publish());
 *     a batch marked `done` means the node has sent everything;
 *  3. the client's side (take()) receives what arrived, in arrival order. Without
 *     follow, the subscription is finished once every node is done or given up; a node
 *     that stays silent for `node_deadline_ms` is given up with a warning, as Docker
 *     warns about nodes that cannot send logs. With follow, only the first contact has
 *     a deadline (a followed task may say nothing for hours), and the subscription lasts
 *     until the client closes it (close()).
 *
 * Memory is bounded per subscription: at most `max_messages` lines or `max_bytes`
 * waiting for the client. A batch that would pass either limit drops the subscription
 * with an error that ends the client's stream ("the client reads too slowly"), instead
 * of growing the manager for one slow reader. Each publish() answer tells the node how
 * full the buffer is, so a node sending a long log can pace itself well before that.
 *
 * There is no HTTP here and the clock is a parameter, so the unit tests drive done,
 * deadlines and bounds directly; routes_logs.cpp puts the broker behind the routes.
 *
 * Left out: SwarmKit's broker also watches the store so that a `-f` subscription picks
 * up tasks that start later (a replaced task); here the task set is fixed when the
 * client subscribes. Nothing survives a manager restart (the clients' connections
 * do not either).
 *
 * Docs: docs/design/swarm.md ("Logs: the broker"); SwarmKit manager/logbroker/broker.go.
 */
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/dispatcher/log_protocol.hpp"

namespace miniswarm::manager {

using minirun::sys::Result;

/// A task a subscription reads, and the node it ran on.
struct LogTarget {
  std::string task_id;
  std::string node_id;
};

/// What the broker needs to know of a node.
struct LogNode {
  std::string hostname;
  bool down = false;  ///< DOWN in the store when the client subscribed
};

struct LogBrokerLimits {
  size_t max_messages = 10'000;      ///< lines waiting for one client
  size_t max_bytes = 8u << 20;       ///< their bytes
  int64_t node_deadline_ms = 5'000;  ///< silence after which a node is given up
  std::function<int64_t()> clock;    ///< ms; default: steady clock
};

/// What the client side gets from one take().
struct LogDrain {
  std::vector<LogMessage> messages;
  std::vector<std::string> warnings;
  bool finished = false;  ///< nothing more will come: the stream may end
  std::string error;      ///< the subscription was dropped; the stream ends with this
};

/// What became of a batch: the route answers 200, 404, 400 or 409 accordingly.
struct PublishOutcome {
  enum class Status {
    kAccepted,  ///< queued for the client
    kGone,      ///< the subscription is closed or gave this node up: stop sending
    kRefused,   ///< a line names a task that is not this node's in the subscription
    kDropped,   ///< the batch overflowed the buffer: the subscription is dropped
  };
  Status status = Status::kAccepted;
  LogBatchResponse response;  ///< kAccepted: how full the buffer is now
  std::string message;        ///< otherwise: why
};

/// One open subscription, for `GET /v1/logs/subscriptions` (a window on the broker).
struct LogSubscriptionSummary {
  std::string id;
  bool follow = false;
  size_t tasks = 0;
  std::vector<std::string> waiting_for;  ///< hostnames not done yet
  size_t buffered = 0;
};

class LogBroker {
 public:
  explicit LogBroker(LogBrokerLimits limits = {});
  LogBroker(const LogBroker&) = delete;
  LogBroker& operator=(const LogBroker&) = delete;

  /// Opens a subscription for `targets`; `nodes` describes every node they name.
  /// Returns its id.
  std::string subscribe(const std::vector<LogTarget>& targets,
                        const std::map<std::string, LogNode>& nodes, LogStreamOptions options);

  // ---- the agents' side

  /// The subscriptions that wait for `node_id`, once the broker changed after `since`
  /// (at once when since is 0), or after `wait` with nothing new.
  LogSubscriptionsResponse subscriptions_for(const std::string& node_id, uint64_t since,
                                             std::chrono::milliseconds wait);

  /// Lines from `node_id` for a subscription (the outcomes of PublishOutcome).
  PublishOutcome publish(const std::string& subscription_id, const std::string& node_id, LogBatch batch);

  // ---- the client's side

  /// Waits up to `wait` for something to hand over, then hands over everything there is.
  LogDrain take(const std::string& subscription_id, std::chrono::milliseconds wait);

  /// The client is gone: forget the subscription (its nodes see it vanish from their list).
  void close(const std::string& subscription_id);

  /// Ends every subscription with `why` (the manager is stopping); later ones fail at once.
  void close_all(const std::string& why);

  std::vector<LogSubscriptionSummary> summaries() const;
  const LogBrokerLimits& limits() const { return limits_; }

 private:
  struct NodeProgress {
    std::string hostname;
    std::vector<std::string> task_ids;
    bool heard = false;  ///< at least one batch arrived
    bool done = false;
    bool given_up = false;
    int64_t last_heard_ms = 0;
  };
  struct Subscription {
    std::string id;
    LogStreamOptions options;
    std::map<std::string, NodeProgress> nodes;
    std::deque<LogMessage> buffer;
    size_t bytes = 0;
    std::vector<std::string> warnings;
    std::string error;
    int64_t created_ms = 0;
  };

  /// Gives up the silent nodes of `s` (the deadlines of the file comment). Needs mu_.
  void apply_deadlines(Subscription& s, int64_t now_ms);
  /// A change the agents' long polls must see. Needs mu_.
  void changed();

  LogBrokerLimits limits_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  ///< anything changed: lines, done, closed, version
  std::map<std::string, Subscription> subscriptions_;
  uint64_t version_ = 1;
  std::string closing_;  ///< set by close_all()
};

}  // namespace miniswarm::manager
