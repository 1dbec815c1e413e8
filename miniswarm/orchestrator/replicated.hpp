/**
 * @file replicated.hpp
 * @brief The replicated orchestrator: `--replicas N` means slots 1..N, each holding one
 *        task meant to run.
 *
 * One call looks at one replicated service and all its tasks and makes the slots right:
 *
 * 1. **Occupied slots.** A slot is occupied when one of its tasks is desired RUNNING,
 *    whatever its observed state, even a terminal one that its restart policy does not
 *    replace: such a task holds its slot, so `service ls` shows 0/1 and nothing loops.
 * 2. **Scale down.** Tasks in slots above N are stopped ("scaled down"). SwarmKit picks
 *    which replicas go by node balance; the kit keeps it simple and predictable: the
 *    highest slots go, so `web.1` is always the last to leave.
 * 3. **Duplicates.** Two tasks meant to run in one slot should not happen (a crash
 *    between two transactions could cause it); the newest stays, the others are stopped.
 * 4. **Stopped tasks** (COMPLETE, FAILED, REJECTED, SHUTDOWN, ORPHANED while desired
 *    RUNNING) go to the restart supervisor (restart_supervisor.hpp): replaced after the
 *    restart delay, or held.
 * 5. **Failed nodes.** A task whose node is down, drained or removed is replaced at once:
 *    no restart delay, no restart attempt counted, restart condition not consulted. The
 *    task did nothing wrong; its node went away. Docker Swarm differs here: it sends
 *    these tasks through its restart policy too, so a `--restart-condition none` task on
 *    a failed node is not rescheduled (moby/moby#32979), and the restart delay applies
 *    except on drain. The kit treats a node's failure as never the task's, which is also
 *    what a drain needs: an emptied node, whatever the policy. A paused node moves nothing.
 * 6. **Missing slots** among 1..N get a new task ("created").
 *
 * The service's spec may change without a rolling update (that comes later): replicas,
 * restart policy and constraints take effect for tasks created from now on; tasks that
 * exist keep the spec they were made with, restart policy included.
 *
 * Docs: SwarmKit manager/orchestrator/replicated; `docker service scale`.
 */
#pragma once

#include "miniswarm/orchestrator/run_context.hpp"
#include "miniswarm/orchestrator/slot.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

/// Makes the slots of replicated `service` right; `tasks` are all of its tasks.
void reconcile_replicated(RunContext& run, const Service& service, const SlotTasks& tasks);

}  // namespace miniswarm::orchestrator
