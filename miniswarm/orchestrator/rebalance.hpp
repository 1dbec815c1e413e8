/**
 * @file rebalance.hpp
 * @brief `miniswarm rebalance SERVICE`: spread a service's tasks again after nodes joined.
 *
 * Swarm never moves a running task on its own: when a node joins an existing cluster it
 * gets new tasks only, so a service that ran 6 tasks on 2 nodes still runs 3 + 3 after a
 * third node joins, leaving it empty. Docker users have asked for a way out since 2016
 * (moby/moby#24103); the answer has been `docker service update --force`, which restarts
 * *every* task. Rebalancing here moves only as many tasks as the spread needs.
 *
 * The plan is pure: count the service's live tasks on each node that could run them
 * (ready, active, satisfying the constraints), and take the surplus off the fullest
 * nodes: with n tasks on k nodes each node should hold at most ceil(n / k). A moved task
 * is not touched directly: its desired state becomes SHUTDOWN, which frees its slot; the
 * orchestrator then makes a new task for the slot and the scheduler, which no longer
 * counts the stopping task, places it on the emptiest node. The same three loops as
 * always; the command only says which tasks are surplus.
 *
 * Tasks move highest slot first, so the order is predictable in a lab.
 *
 * Docs: docs/design/swarm.md ("Scheduling"). Lab: none yet (labs/10-swarm shows the spread it starts from).
 */
#pragma once

#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

struct RebalancePlan {
  std::vector<Task> stop;  ///< copies of the tasks to move, desired state already SHUTDOWN
  std::string summary;     ///< "moves 2 of 6 tasks: at most 2 per node on 3 nodes"
};

/// The surplus tasks of `service` (a replicated service) given the cluster's `tasks`
/// and `nodes`. An empty plan when the tasks are already spread.
RebalancePlan plan_rebalance(const Service& service, const std::vector<Task>& tasks,
                             const std::vector<Node>& nodes);

}  // namespace miniswarm::orchestrator
