/**
 * @file task_state.hpp
 * @brief The life of a swarm task: twelve states that only ever move forward.
 *
 * A *task* is one attempt to run one replica of a service on one node. It is born NEW
 * when the orchestrator sees that a service needs another replica, and then walks down
 * this list, each step taken by exactly one component:
 *
 *  | state      | set by        | meaning                                                  |
 *  |------------|---------------|----------------------------------------------------------|
 *  | NEW        | orchestrator  | the task exists in the store                             |
 *  | PENDING    | orchestrator  | it waits for the scheduler to find a node                |
 *  | ASSIGNED   | scheduler     | a node was chosen (Task::node_id)                        |
 *  | ACCEPTED   | agent         | the node's agent took the assignment                     |
 *  | PREPARING  | agent         | the agent makes the container (image, bundle)            |
 *  | STARTING   | agent         | the container is being started                           |
 *  | RUNNING    | agent         | its process runs                                         |
 *  | COMPLETE   | agent         | it exited with code 0                     (terminal)     |
 *  | SHUTDOWN   | agent         | it was stopped because the manager asked  (terminal)     |
 *  | FAILED     | agent         | it exited non-zero or could not start     (terminal)     |
 *  | REJECTED   | agent         | the node refused it (unknown image, ...)  (terminal)     |
 *  | ORPHANED   | dispatcher    | its node was down too long to know        (terminal)     |
 *
 * The rule that makes the whole swarm easy to reason about: **a task's observed state
 * only increases**. A task that failed is never "restarted"; the orchestrator creates a
 * new task in its slot (maybe on another node) and the old one stays in the store as
 * history (the `\_` rows of `miniswarm service ps`). So any component can read a task,
 * and whatever it decides from an old state is at worst late, never contradictory.
 *
 * The values and order are SwarmKit's (`api.TaskState`, types.proto), so a reader can
 * hold this file against SwarmKit's source; SwarmKit's READY and REMOVE are left out
 * (the kit does not separate "prepared" from "starting", and removes tasks directly).
 *
 * Besides the observed state, a task has a *desired* state (RUNNING, or SHUTDOWN when
 * the orchestrator wants it gone): the manager writes the desired state, the agent
 * writes the observed one, and neither writes the other's.
 *
 * Docs: docs/design/swarm.md ("task model"); SwarmKit design/task_model.md.
 * Lab: labs/10-swarm.
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace miniswarm {

/// SwarmKit's task states, in their order. Comparisons follow the lifecycle.
enum class TaskState : int {
  kNew = 0,
  kPending = 64,
  kAssigned = 192,
  kAccepted = 256,
  kPreparing = 320,
  kStarting = 448,
  kRunning = 512,
  kComplete = 576,
  kShutdown = 640,
  kFailed = 704,
  kRejected = 768,
  kOrphaned = 832,
};

/// Lower-case name as `service ps` shows it ("running", "failed", ...).
std::string_view to_string(TaskState state);

/// Parses a name from to_string() (case-insensitive); nullopt for anything else.
std::optional<TaskState> parse_task_state(std::string_view name);

/// COMPLETE, SHUTDOWN, FAILED, REJECTED or ORPHANED: nothing happens to the task after.
bool is_terminal(TaskState state);

/// Whether a task in `from` may move to `to`: only forward, and never out of a
/// terminal state. Moving to the same state is not a transition (false).
bool can_transition(TaskState from, TaskState to);

}  // namespace miniswarm
