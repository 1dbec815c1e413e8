/**
 * @file removed_service.hpp
 * @brief What happens to the tasks of a service that `service rm` deleted.
 *
 * The service row goes at once; its tasks cannot, because containers may still run on
 * the nodes. So they leave in two steps, like SwarmKit's (orchestrator.DeleteServiceTasks
 * plus the reaper):
 *
 * 1. a task still desired RUNNING on a node gets desired SHUTDOWN ("service web was
 *    removed"); its agent stops the container and reports SHUTDOWN;
 * 2. a task whose observed state is terminal, or that no node ever took (NEW, PENDING),
 *    is deleted from the store. No history is kept: there is no service left to show it.
 *
 * A task whose node died before it stopped stays (desired SHUTDOWN) until the
 * dispatcher marks it ORPHANED, and then goes by rule 2.
 */
#pragma once

#include "miniswarm/orchestrator/run_context.hpp"
#include "miniswarm/orchestrator/slot.hpp"

namespace miniswarm::orchestrator {

/// Stops and deletes `tasks`, all of one service that no longer exists.
void clean_up_removed_service(RunContext& run, const SlotTasks& tasks);

}  // namespace miniswarm::orchestrator
