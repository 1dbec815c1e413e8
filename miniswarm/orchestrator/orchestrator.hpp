/**
 * @file orchestrator.hpp
 * @brief The orchestrator: the user's desired state (services) in, task changes out.
 *
 * `miniswarm service create --replicas 3 web` writes one Service to the store and
 * nothing else. Turning it into work is this loop's job, the way SwarmKit's
 * orchestrators do it: it compares what should exist (services, their replicas or
 * mode, the nodes that can run them) with what does (the tasks and their states) and
 * asks for the difference: create tasks, stop tasks, delete old ones. It never picks a
 * node (the scheduler does), never talks to an agent (the dispatcher does), and never
 * writes the store: it is a pure function
 *
 *     (services, tasks, nodes, now) -> OrchestratorActions
 *
 * that the manager calls whenever the store changes, applying the actions in one
 * transaction, and again at `wake_at_ms` when a restart delay ends. Because it keeps no
 * state of its own, a new leader simply calls it on the store it inherits, and a test
 * states a rule as one snapshot and its expected actions.
 *
 * One run, in order:
 *  1. each replicated service: replicated.hpp (slots, scaling, restarts, failed nodes);
 *  2. each global service: global.hpp (one task per eligible node);
 *  3. tasks whose service is gone: removed_service.hpp;
 *  4. the task reaper over the task list as 1-3 leave it: task_reaper.hpp;
 *  5. wake_at_ms: the earliest restart delay still to end among pending tasks.
 *
 * Running it again on its own applied output gives no actions (it converges in one
 * run), and a task it decided not to restart is not reconsidered on every run: the
 * tests check both (tests/unit/miniswarm/orchestrator_*_test.cpp).
 *
 * Left out for now: rolling updates (`--update-parallelism`), so a changed spec reaches
 * only new tasks; replicated jobs; the constraint enforcer that evicts replicated tasks
 * from nodes whose labels changed; `--replicas-max-per-node` (the scheduler's).
 *
 * Docs: docs/design/swarm.md ("orchestrator"); SwarmKit design/orchestrators.md.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "miniswarm/orchestrator/actions.hpp"
#include "miniswarm/orchestrator/task_reaper.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

struct OrchestratorOptions {
  /// Stopped tasks kept per slot (task_reaper.hpp); negative keeps all.
  int64_t task_history_limit = kDefaultTaskHistoryLimit;
  /// Makes new task ids; empty means new_object_id(). Tests pass a counter.
  std::function<std::string()> new_id;
};

/// One orchestrator run over one snapshot of the store. `now_ms` is the manager's clock.
OrchestratorActions orchestrate(const std::vector<Service>& services,
                                const std::vector<Task>& tasks, const std::vector<Node>& nodes,
                                int64_t now_ms, const OrchestratorOptions& options = {});

}  // namespace miniswarm::orchestrator
