/**
 * @file global.hpp
 * @brief The global orchestrator: `--mode global` means one task on every node that
 *        may run it, and none elsewhere.
 *
 * A node is *eligible* for a global service when it is not DOWN, not drained, and
 * satisfies the service's placement constraints (store/placement_constraint.hpp), as SwarmKit's
 * global orchestrator has it. For each global service, one call:
 *
 * - stops the tasks on nodes that are no longer eligible: down, drained, removed, or no
 *   longer matching a constraint (after `node update --label-rm` or a constraint added
 *   to the service). Unlike replicated tasks they are not moved: the task belongs to its
 *   node;
 * - sends a stopped task on an eligible node to the restart supervisor, whose rules
 *   apply per node (restart_supervisor.hpp); the successor is made for the same node;
 * - creates a task for each eligible node that has none. It is made with node_id set
 *   and status PENDING; the scheduler confirms the assignment (checking resources).
 *
 * A paused node keeps the tasks it has and gets no new ones, not even a restart, until
 * it is made active again; then a stopped task is restarted at the next run. Constraints
 * are read from the service's current spec, because eligibility is a question about the
 * service now, not about the spec a task was made with. A constraint that does not parse
 * leaves the service's tasks untouched and reports a warning: better a service that does
 * not change than one whose tasks are all stopped by a typo.
 *
 * Docs: SwarmKit manager/orchestrator/global/global.go; `docker service create --mode global`.
 */
#pragma once

#include "miniswarm/orchestrator/run_context.hpp"
#include "miniswarm/orchestrator/slot.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

/// Gives each eligible node one task of global `service`; `tasks` are all of its tasks.
void reconcile_global(RunContext& run, const Service& service, const SlotTasks& tasks);

}  // namespace miniswarm::orchestrator
