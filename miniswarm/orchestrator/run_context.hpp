/**
 * @file run_context.hpp
 * @brief One orchestrator run: the snapshot it reads, the actions it writes, and the
 *        four things it ever does to a task: create, stop, remove or replace one.
 *
 * The replicated and global orchestrators (replicated.hpp, global.hpp) decide *which*
 * tasks to create or stop; this class decides *how*, the same way for both:
 *
 * - **create**: a new task copies the service's current spec and spec_version, starts
 *   NEW and moves to PENDING at once (the scheduler picks PENDING tasks up), with the
 *   reason it exists as the PENDING status message;
 * - **stop**: a task some node has (ASSIGNED or later) gets desired_state SHUTDOWN, and
 *   its agent stops it; a task no node has taken yet is deleted outright, since no agent
 *   would ever report it stopped (SwarmKit's reaper deletes an unassigned task marked
 *   for removal the same way);
 * - **remove**: delete a task that has stopped and is not wanted even as history;
 * - **replace**: stop the old task and create its successor in the same slot, in one
 *   run, so the store never shows the slot with two tasks meant to run, or with none.
 *   restart() is a replace with the restart supervisor's attempt number and delay.
 *
 * It also answers "can this task's node keep it?": not when the node is DOWN (missed
 * heartbeats), drained (`node update --availability drain`), or gone from the store.
 * A paused node keeps what it runs; it only takes nothing new (that is the scheduler's
 * business, and for global services, global.cpp's).
 *
 * Ids come from a generator the caller passes (new_object_id() in the manager), so a
 * test can make them predictable; the run reads no clock: `now_ms` is an argument.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "miniswarm/orchestrator/actions.hpp"
#include "miniswarm/orchestrator/restart_supervisor.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

class RunContext {
 public:
  /// `nodes` must outlive the run; `new_id` makes task ids; actions go to `out`.
  RunContext(const std::vector<Node>& nodes, int64_t now_ms, std::function<std::string()> new_id,
             OrchestratorActions& out);

  int64_t now_ms() const { return now_ms_; }
  const std::vector<Node>& nodes() const { return *nodes_; }
  /// The node with this id, or nullptr.
  const Node* node(const std::string& id) const;
  /// "worker-2" (hostname) or the id when the node has no hostname or is unknown.
  std::string node_name(const std::string& id) const;

  /// Why the node the task is on can no longer run it ("node worker-2 is down", "node
  /// worker-2 is drained", "node 3x7k... was removed"); nullopt when it can, or when the
  /// task has no node yet.
  std::optional<std::string> node_problem(const Task& task) const;

  /// A new task for `service` in `slot` (or on `node_id` for a global service): status
  /// PENDING with `message`, history [NEW], desired RUNNING, created now.
  Task new_task(const Service& service, uint64_t slot, const std::string& node_id,
                const std::string& message) const;

  /// Adds `task` to the tasks to create; its PENDING message is its reason.
  void create(Task task);
  /// Stops `task` (desired SHUTDOWN, or deleted when never assigned) because of `reason`.
  void stop(const Task& task, const std::string& reason);
  /// Deletes `task` from the store because of `reason` (history that is no longer wanted).
  void remove(const Task& task, const std::string& reason);
  /// Stops `old` and creates `successor` in its place.
  void replace(const Task& old, Task successor, const std::string& reason);
  /// Replaces stopped `ended` as the restart supervisor decided (`decision.restart`):
  /// the successor has the same slot (or node, for a global task), the next attempt
  /// number and the restart delay.
  void restart(const Task& ended, const Service& service, const RestartDecision& decision);
  /// Records why a stopped task is not replaced (no action).
  void hold(const Task& task, const std::string& why);
  /// Records a problem in the desired state that blocks some of the work.
  void warn(std::string warning);

 private:
  const std::vector<Node>* nodes_;
  std::map<std::string, const Node*> node_by_id_;
  int64_t now_ms_;
  std::function<std::string()> new_id_;
  OrchestratorActions* out_;
};

}  // namespace miniswarm::orchestrator
