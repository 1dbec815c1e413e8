/**
 * @file log_publisher.hpp
 * @brief The agent's side of `miniswarm service logs`: learn of the manager's log
 *        subscriptions, read the tasks' container logs, send the lines back.
 *
 * The manager cannot reach into a node for a log (log_protocol.hpp says why), so each
 * agent asks. The publisher is a fourth loop of the agent, on its own thread so that a
 * log being read never delays an assignment or a heartbeat (agent.hpp):
 *
 *  - **poll**: a long poll, `GET /v1/dispatcher/log-subscriptions`, which returns the
 *    node's complete list of open subscriptions whenever it changed. A subscription new
 *    in the list gets a worker thread; one missing from it (the client went away, or
 *    the manager gave this node up) has its worker told to stop.
 *  - **worker**, one per subscription: for each of its tasks, the container's json-file
 *    log, read with the engine's reader (TaskLogSource, with the client's tail and
 *    since), sent in batches of `batch_lines` (`POST /v1/dispatcher/logs/{id}`). Without
 *    follow, a last batch says `done`. With follow, the worker first says hello (an
 *    empty batch: the manager's first-contact deadline), then follows every task at
 *    once (a thread per task, since each follow blocks), flushing what it has at least
 *    every 200 ms, until its stop flag is set or the task's container has stopped.
 *
 * A subscription whose worker finished is remembered while the manager still lists it,
 * so a list that was computed just before the `done` arrived does not start it twice.
 * A batch that cannot be sent after a few tries ends the worker: the manager gives a
 * silent node up with a warning, which is what the client should see.
 *
 * The two interfaces keep the logic testable without a manager or containers: LogLink
 * is the manager (HttpsLogLink over mutual TLS in the daemon), TaskLogSource the
 * node's logs (EngineTaskLogs over the minirun engine).
 *
 * Left out: lines of a task that starts after a `-f` subscription began (the task set
 * is fixed when the client subscribes, log_broker.hpp).
 *
 * Docs: docs/design/swarm.md ("Logs: the broker"); SwarmKit agent/session.go
 * (logSubscriptions) and agent/worker.go (Subscribe), which this condenses.
 */
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "minirun/engine/json_log.hpp"
#include "minirun/sys/error.hpp"
#include "miniswarm/agent/log_sink.hpp"
#include "miniswarm/dispatcher/log_protocol.hpp"

namespace miniswarm::agent {

using minirun::sys::Error;
using minirun::sys::Result;

/// The manager, as far as logs go.
class LogLink {
 public:
  virtual ~LogLink() = default;
  /// The node's open subscriptions, once they changed after `since` (at once for 0),
  /// or after `wait_ms` unchanged.
  virtual Result<LogSubscriptionsResponse> log_subscriptions(uint64_t since, int64_t wait_ms) = 0;
  /// One batch of a subscription. An error means the batch was not taken.
  virtual Result<LogBatchResponse> publish_logs(const std::string& subscription_id, const LogBatch& batch) = 0;
};

/// The node's task logs.
class TaskLogSource {
 public:
  virtual ~TaskLogSource() = default;
  /// The records of the task's container log that `query` selects.
  virtual Result<std::vector<minirun::engine::LogEntry>> read(const std::string& task_id,
                                                              const minirun::engine::LogQuery& query) = 0;
  /// The same records, then each new one, until `keep_going()` says no, `on_entry`
  /// returns false, or the container is no longer running.
  virtual Result<void> follow(const std::string& task_id, const minirun::engine::LogQuery& query,
                              const std::function<bool(const minirun::engine::LogEntry&)>& on_entry,
                              const std::function<bool()>& keep_going) = 0;
};

struct LogPublisherOptions {
  int64_t poll_wait_ms = 3000;  ///< the long poll; also bounds how long stop() waits for it
  size_t batch_lines = 500;     ///< lines per POST
  int64_t flush_ms = 200;       ///< with follow: the longest a line waits on the node
  int64_t retry_ms = 200;       ///< after a failed call
  int send_attempts = 3;        ///< tries per batch before the worker gives up
  LogSink log;                  ///< one call at a time is the caller's business (agent.cpp)
};

class LogPublisher {
 public:
  /// `link` and `source` must outlive the publisher.
  LogPublisher(LogLink& link, TaskLogSource& source, LogPublisherOptions options);
  ~LogPublisher();
  LogPublisher(const LogPublisher&) = delete;
  LogPublisher& operator=(const LogPublisher&) = delete;

  /// Starts the poll loop on its own thread.
  void start();
  /// Ends the poll loop and every worker, and joins them.
  void stop();

  /// One long poll: starts workers for new subscriptions, stops those no longer listed,
  /// joins the workers that ended.
  Result<void> poll_once();
  /// Waits until every worker has ended by itself (tests); false after `timeout_ms`.
  bool wait_for_workers(int64_t timeout_ms);
  /// Workers running now.
  size_t active_workers() const;

 private:
  struct Worker {
    LogSubscription subscription;
    std::atomic<bool> stop{false};
    std::atomic<bool> finished{false};
    std::thread thread;
  };

  void poll_loop();
  void serve(Worker& worker);
  /// Joins the finished workers. Needs mu_.
  void reap_finished();

  LogLink& link_;
  TaskLogSource& source_;
  LogPublisherOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  ///< stop, a worker ended
  bool stopping_ = false;
  uint64_t since_ = 0;
  std::map<std::string, std::unique_ptr<Worker>> workers_;
  std::set<std::string> completed_;  ///< finished, still listed by the manager
  std::thread poll_thread_;
};

}  // namespace miniswarm::agent
