/**
 * @file actions.hpp
 * @brief What one orchestrator run asks the manager to do: tasks to create, tasks to
 *        change, tasks to delete, and when to run again.
 *
 * The orchestrator (orchestrator.hpp) never writes to the store. It reads a snapshot
 * (services, tasks, nodes, the time) and answers with an OrchestratorActions value;
 * the manager applies all of it in one store transaction and runs the orchestrator
 * again after the next change. Keeping the decision apart from the writing is what
 * lets the unit tests state each rule as "this snapshot gives these actions", and lets
 * a learner print the actions of a run (`--explain`) before anything happens.
 *
 * Each action comes with a reason a person can read: the message of a new task's
 * PENDING status says why it exists ("replaces task x (failed: exit code 1), restart
 * 2 of 3"), and `reasons` says the same for every created, changed or removed task.
 * `not_restarted` answers the question "why does my service show 0/1?": a task that
 * stopped and that its restart policy does not replace keeps its slot, and this map
 * names the rule that held it back. Those are not actions: running the orchestrator
 * again on the same state gives the same notes and still no actions.
 *
 * Updates are whole copies of the task as it was read, with the version unchanged, so
 * the store can refuse one whose row changed in between (optimistic concurrency) and
 * the manager can then simply run the orchestrator again.
 *
 * Docs: docs/design/swarm.md ("orchestrator"); SwarmKit design/orchestrators.md.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

/// The output of one orchestrator run. A task id appears in at most one of
/// create, update and remove.
struct OrchestratorActions {
  /// New tasks: observed PENDING (their history holds NEW), desired RUNNING.
  std::vector<Task> create;
  /// Changed copies of existing tasks (so far only desired_state), same version as read.
  std::vector<Task> update;
  /// Ids of tasks to delete from the store.
  std::vector<std::string> remove;
  /// Run again at this time even if nothing changes: the earliest restart delay that
  /// ends in the future (Task::not_before_ms of a pending task).
  std::optional<int64_t> wake_at_ms;

  /// Task id -> why it was created, changed or removed (for logs and `--explain`).
  std::map<std::string, std::string> reasons;
  /// Task id -> why a task that stopped is not replaced (it keeps its slot).
  std::map<std::string, std::string> not_restarted;
  /// Problems in the desired state that stop part of the work, each saying what to do,
  /// e.g. a placement constraint that does not parse.
  std::vector<std::string> warnings;

  /// True when the run asks for no change (notes and warnings do not count).
  bool empty() const { return create.empty() && update.empty() && remove.empty(); }
};

/// The task list after the manager applied `actions`: updates replace the task with
/// the same id, removed tasks go, created tasks are appended. What the store does in
/// its transaction (minus the version checks); tests and simulations use it to run the
/// orchestrator again on its own output.
std::vector<Task> apply_actions(std::vector<Task> tasks, const OrchestratorActions& actions);

}  // namespace miniswarm::orchestrator
