/**
 * @file agent.hpp
 * @brief A worker node's agent: three small loops around the task reconciler.
 *
 * The agent is what `miniswarm agent` runs on every node. It holds no opinion about the
 * cluster (the manager decides everything); it has three jobs, each a loop on its own
 * thread, talking to the others only through a few fields under one mutex:
 *
 *  1. **assignments**: a long poll to the manager (ManagerLink::assignments) that
 *     returns the node's complete task list whenever it changed; the list replaces the
 *     previous one and wakes the reconciler.
 *  2. **reconcile**: every `poll_interval_ms` (100 ms), and at once when a new list
 *     arrived, one TaskReconciler pass: start, adopt, stop, remove containers and queue
 *     a report for each task state change. The same pass finds containers that exited
 *     (task_reconciler.hpp explains why polling and not a thread per container).
 *  3. **heartbeat**: every period (the manager sets it in each HeartbeatResponse;
 *     until then the constructor's), and *at once* when reports are queued, so that a
 *     killed container is known to the manager within a pass and a heartbeat (the
 *     swarm's promise: a killed task is replaced within a second). Reports stay queued
 *     until a heartbeat carrying them succeeded (report_queue.hpp).
 *
 * When the manager cannot be reached, containers keep running and both calls are
 * retried with a back-off capped at the period (manager_contact.hpp), with one log line
 * when contact is lost and one when it is back.
 *
 * stop() ends the three loops and joins their threads, and leaves every container
 * running: an agent that is upgraded or restarted must not take the node's workload
 * down with it. The next agent finds the containers by their labels and adopts them.
 *
 * For tests, each loop's body is a public method (poll_assignments_once, reconcile_once,
 * heartbeat_once): a test drives the agent step by step, without threads or timing.
 *
 * Docs: SwarmKit agent/agent.go (the run loop), agent/session.go (heartbeats and the
 * assignments stream), agent/worker.go (reconciliation); docs/design/swarm.md.
 */
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "miniswarm/agent/container_backend.hpp"
#include "miniswarm/agent/log_publisher.hpp"
#include "miniswarm/agent/log_sink.hpp"
#include "miniswarm/agent/manager_contact.hpp"
#include "miniswarm/agent/manager_link.hpp"
#include "miniswarm/agent/report_queue.hpp"
#include "miniswarm/agent/task_reconciler.hpp"

namespace miniswarm::agent {

struct AgentOptions {
  std::string addr;                      ///< the address this node advertises to the manager
  int64_t heartbeat_period_ms = 5000;    ///< until the first HeartbeatResponse sets it
  int64_t assignments_wait_ms = 30'000;  ///< how long the manager may hold a long poll
  int64_t poll_interval_ms = 100;        ///< reconcile passes (exit detection)
  int64_t stop_grace_ms = 10'000;        ///< stop signal -> SIGKILL
  int64_t first_retry_ms = 100;          ///< back-off after a failed call, doubled up to the period
  int parallel_starts = 1;               ///< containers started at once (task_reconciler.hpp)
  std::function<int64_t()> clock;        ///< ms since the epoch; default: the system clock
  LogSink log;                           ///< default: lines are dropped
  /// `service logs`: with both set, a fourth loop answers the manager's log
  /// subscriptions (log_publisher.hpp); without, the node sends no logs.
  std::shared_ptr<LogLink> log_link;
  std::shared_ptr<TaskLogSource> task_logs;
};

class Agent {
 public:
  /// The link and backend must outlive the agent.
  Agent(ManagerLink& link, ContainerBackend& backend, AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  /// Looks for containers of an earlier run, then starts the three loops.
  Result<void> start();
  /// Ends the loops and joins their threads; containers keep running.
  void stop();

  // ---- one step of each loop (the threads call these; tests call them directly)

  /// One assignments call; on success the list replaces the previous one.
  Result<void> poll_assignments_once();
  /// One reconcile pass over the latest list (nothing before the first list arrived).
  void reconcile_once();
  /// One heartbeat with every queued report; on success they are dropped.
  Result<void> heartbeat_once();

  // ---- what the loops have to go on

  int64_t heartbeat_period_ms() const;
  size_t queued_reports() const;
  /// The reconciler's entry for a task (copy), if the task is in the table.
  std::optional<TaskEntry> task_entry(const std::string& task_id) const;

 private:
  void assignments_loop();
  void reconcile_loop();
  void heartbeat_loop();
  void log(std::string line);
  /// Sleeps up to `ms` or until stop(); false when stopping. Needs `lock` held.
  bool sleep_unless_stopping(std::unique_lock<std::mutex>& lock, int64_t ms);

  ManagerLink& link_;
  ContainerBackend& backend_;
  AgentOptions options_;
  const HeartbeatRequest description_;  ///< hostname, addr, resources, platform

  mutable std::mutex mu_;       ///< guards everything below except the reconciler
  std::condition_variable cv_;  ///< stop, a new list, a new report
  bool stopping_ = false;
  bool running_ = false;
  /// The latest list, shared with a pass in progress; null before the first answer.
  std::shared_ptr<const std::vector<Task>> assignments_;
  uint64_t since_seq_ = 0;
  bool assignments_changed_ = false;
  ReportQueue reports_;
  int64_t period_ms_;
  bool period_known_ = false;  ///< the manager has told its period (logged once, and on change)
  ManagerContact heartbeat_contact_;
  ManagerContact assignments_contact_;

  std::mutex log_mu_;          ///< one sink call at a time (log_sink.hpp)
  mutable std::mutex reconcile_mu_;  ///< one pass at a time
  TaskReconciler reconciler_;

  std::vector<std::thread> threads_;
  std::unique_ptr<LogPublisher> log_publisher_;  ///< when log_link and task_logs are set
};

}  // namespace miniswarm::agent
