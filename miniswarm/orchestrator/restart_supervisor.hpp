/**
 * @file restart_supervisor.hpp
 * @brief The restart policy: when a task stops, is it replaced, when, and why not.
 *
 * A task never runs twice (task_state.hpp): "restarting" a task means marking the one
 * that stopped desired SHUTDOWN, which turns it into history, and creating a new task
 * in the same slot. This file decides whether to do that, from the stopped task's own
 * `--restart-*` policy (the spec it was created with: a `service update` changes what
 * new tasks get, not the policy of a task that already ran):
 *
 * - **condition**: `any` replaces every stopped task; `on-failure` all but COMPLETE
 *   (exit code 0); `none` never. FAILED, REJECTED (say, an unknown image), ORPHANED and
 *   an unasked-for SHUTDOWN all count as failures, as in SwarmKit.
 * - **max_attempts** (0 = no limit) counts the slot's earlier restarts. Without a
 *   window that is the stopped task's restart_attempt. With `window_ms`, only restarts
 *   made within the window before the task stopped count, so a task that ran well for
 *   longer than the window earns a fresh set of attempts. A restart happened when the
 *   first task with that restart_attempt was created.
 * - **delay**: the new task is created at once, with not_before_ms = now + delay; the
 *   scheduler leaves it PENDING until then. With `backoff` (the kit's addition) the delay
 *   doubles with each counted earlier restart, `delay * 2^n`, up to max_delay_ms: a
 *   crash loop slows itself down instead of hammering a node every 5 s.
 *
 * A task that is not replaced keeps its slot (it stays desired RUNNING), so the service
 * shows 0/1 instead of a new task being created for the empty slot forever. The decision
 * depends only on the task and its slot's history, not on the clock, so every later run
 * comes to the same answer: this is how a pure function "looks at a task once".
 *
 * Differences from SwarmKit (manager/orchestrator/restart/restart.go), on purpose:
 * SwarmKit marks a task it does not restart desired SHUTDOWN too, so the slot looks
 * empty and a later reconciliation (`service update`) fills it again; it keeps its
 * restart history in memory (lost on a leader change, and cleared by a spec change);
 * here the history is the slot's tasks in the store. So that the reaper cannot make the
 * supervisor forget, the reaper keeps every task the window may still count
 * (restart_history_horizon()).
 *
 * Docs: `docker service create --restart-condition/--restart-delay/--restart-max-attempts/
 * --restart-window`; docs/design/swarm.md ("restarts").
 */
#pragma once

#include <cstdint>
#include <string>

#include "miniswarm/orchestrator/slot.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

/// What to do about one stopped task.
struct RestartDecision {
  bool restart = false;
  uint64_t attempt = 0;  ///< the replacement's restart_attempt (stopped task's + 1)
  int64_t delay_ms = 0;  ///< how long the replacement waits (not_before_ms = now + delay)
  /// When restarting: "restart 2 of 3, delay 5s"; otherwise the rule that held it back,
  /// e.g. "restart condition is none".
  std::string why;
};

/// Decides about `ended` (terminal, still desired RUNNING) under its spec.restart.
/// `slot` holds the tasks of its slot, `ended` included. `now_ms` is used only when the
/// task's status has no timestamp to count a window back from.
RestartDecision decide_restart(const Task& ended, const SlotTasks& slot, int64_t now_ms);

/// The earlier restarts of `ended`'s slot that count against max_attempts (see the
/// file comment); also the exponent of the backoff.
uint64_t counted_restarts(const Task& ended, const SlotTasks& slot, int64_t now_ms);

/// The delay before restart number `earlier_restarts + 1`.
int64_t restart_delay_ms(const RestartPolicy& policy, uint64_t earlier_restarts);

/// Tasks of `slot` created at or after this time may still be counted by a restart
/// decision (a window with a max_attempts); the reaper must keep them. INT64_MAX when
/// no task of the slot has such a policy.
int64_t restart_history_horizon(const SlotTasks& slot, int64_t now_ms);

/// How a task ended, for messages: "failed: exit code 1", "rejected: no such image".
std::string describe_end(const Task& ended);

}  // namespace miniswarm::orchestrator
