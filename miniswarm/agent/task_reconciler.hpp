/**
 * @file task_reconciler.hpp
 * @brief The agent's one job: make this node's containers match the manager's list.
 *
 * The agent decides nothing about the cluster. The manager sends the complete list of
 * tasks this node should know about (protocol.hpp), each with a *desired* state; the
 * node has containers, each in an *observed* state. One reconcile() pass compares the
 * two and closes the gap, and reports every observed change of a task upward:
 *
 *  | the list says          | the node has              | the pass reports / does                    |
 *  |------------------------|---------------------------|--------------------------------------------|
 *  | RUNNING                | no container              | ACCEPTED, PREPARING, then REJECTED; or     |
 *  |                        |                           | STARTING, start, RUNNING (or FAILED)       |
 *  | RUNNING                | a running container       | RUNNING, if the manager lacks it (adopted) |
 *  | RUNNING                | an exited container       | COMPLETE (0), FAILED (code N, OOM)         |
 *  | RUNNING, was running   | no container              | FAILED (it was removed by hand)            |
 *  | SHUTDOWN               | a running container       | stop signal; SIGKILL after the grace       |
 *  | SHUTDOWN               | a stopped or no container | SHUTDOWN                                   |
 *  | (not in the list)      | a running container       | stop it as above, then remove it           |
 *  | (not in the list)      | a stopped container       | remove it: the manager forgot the task     |
 *
 * ("RUNNING" and "SHUTDOWN" in the first column are the task's desired state.)
 *
 * Each pass starts from what is true *now* (the backend's list of containers), not from
 * what the agent remembers, which is what makes the other properties easy:
 *  - **exits** are found by the same pass: the agent runs it every ~100 ms. A thread per
 *    container blocked in Engine::wait() would learn of an exit a few ms sooner, but
 *    Engine::wait() cannot be interrupted, so Agent::stop() could not join those threads
 *    while the containers (rightly) keep running; and the engine's wait polls state.json
 *    itself. Listing a lab node's few containers costs two small file reads each.
 *  - **restarts of the agent** need no special code: containers are found by their
 *    labels, so an agent that was killed and started again sees the containers of its
 *    earlier run, and a task in the list with a container is *adopted* (its real state
 *    reported) instead of started a second time.
 *  - **no duplicates**: a task is started only when the node has no container for it.
 *
 * A task's state only moves forward (task_state.hpp): the table below remembers, per
 * task, the latest state reported, and a pass never reports a state that is not later.
 * A task that ended is not restarted here; the orchestrator makes a new task.
 *
 * What it leaves out: how an image gets onto the node (the backend's check() pulls it
 * from the manager's registry, engine_backend.hpp; a failed pull is REJECTED), networks
 * and secrets, health checks, the update order of a rolling update (the manager's), and
 * SwarmKit's READY state.
 *
 * Docs: SwarmKit agent/worker.go (reconcileTaskState), agent/exec/controller.go (the
 * state machine a task's controller walks); docs/design/swarm.md.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "miniswarm/agent/container_backend.hpp"
#include "miniswarm/agent/log_sink.hpp"
#include "miniswarm/dispatcher/protocol.hpp"

namespace miniswarm::agent {

struct ReconcilerOptions {
  int64_t stop_grace_ms = 10'000;             ///< stop signal -> SIGKILL (Docker's --stop-grace-period)
  std::function<int64_t()> clock;             ///< ms since the epoch, for report times and the grace
  LogSink log;                                ///< one line per task state change
  std::function<void(TaskReport)> report;     ///< queues a report for the manager
  /// How many containers a pass starts at once. 1: one after the other, in list order.
  /// More: a pass first reports and checks every new task, then starts them on that many
  /// threads (a container start is mostly waiting on the kernel and the monitor, so a
  /// node given 30 tasks at once, as when another node dies, runs them sooner).
  int parallel_starts = 1;
};

/// Where a stop is: the stop signal sent, and the time after which SIGKILL follows.
struct StopProgress {
  bool requested = false;
  bool killed = false;
  int64_t kill_at_ms = 0;
};

/// What the agent remembers about one task of the list.
struct TaskEntry {
  std::string task_id;
  std::string name;                       ///< "web.2.k2j4..." for the log
  TaskState reported = TaskState::kNew;   ///< the latest state reported (or the manager's)
  std::string container_id;
  StopProgress stop;
};

class TaskReconciler {
 public:
  TaskReconciler(ContainerBackend& backend, ReconcilerOptions options);

  /// At agent start: counts (and logs) the task containers an earlier run left, which
  /// the first pass adopts or removes. Returns how many there are.
  Result<size_t> survey();

  /// One pass over the manager's complete list (see the table above).
  void reconcile(const std::vector<Task>& assignments);

  /// The table's entry for a task, or nullptr (for tests and status views).
  const TaskEntry* entry(const std::string& task_id) const;

 private:
  void reconcile_task(const Task& task, const ObservedContainer* container);
  void run_task(const Task& task, TaskEntry& entry);
  /// The starts a pass deferred (parallel_starts > 1), done together at its end.
  void run_tasks_together();
  void shut_down_task(const ObservedContainer* container, TaskEntry& entry);
  void report_exit(TaskEntry& entry, const ObservedContainer& container);
  void clean_up(const ObservedContainer& container, const std::string& what);
  /// Sends the stop signal on the first call, SIGKILL once the grace period is over.
  void advance_stop(const std::string& container_id, const std::string& what, StopProgress& stop);
  /// Queues a report and logs it, when `state` is later than the entry's last one.
  void report(TaskEntry& entry, TaskState state, std::string message, std::string err = {},
              int exit_code = 0);
  void log(std::string line) const;

  ContainerBackend& backend_;
  ReconcilerOptions options_;
  std::map<std::string, TaskEntry> table_;                 ///< by task id
  std::vector<std::pair<Task, std::string>> deferred_starts_;  ///< task, table_ key
  std::map<std::string, StopProgress> stopping_unassigned_;  ///< by container id
  std::set<std::string> remove_failed_;                     ///< containers whose removal failure was logged
  std::string list_error_;                                  ///< the last list() failure logged
};

}  // namespace miniswarm::agent
