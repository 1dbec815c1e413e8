/**
 * @file scheduler.hpp
 * @brief The scheduler: every pending task gets a node, or a sentence saying why not.
 *
 * In the swarm's loop (docs/design/swarm.md) the orchestrator makes tasks PENDING and
 * the scheduler gives each one a node. Here that is one pure function of a snapshot:
 * schedule(nodes, tasks, now_ms) reads the store's nodes and tasks and returns the
 * assignments to write (the caller moves those tasks to ASSIGNED) and, for every task
 * left PENDING, the reason to write to Task::pending_reason. No I/O, no clock, no global
 * random state: the unit tests drive it with plain vectors.
 *
 * How it decides (the steps of SwarmKit's scheduler, arranged for speed):
 *  1. Count the load already on each node (node_info.hpp).
 *  2. Sort the tasks (schedulable.hpp): tasks in a restart delay wait, pinned global
 *     tasks are checked against their own node with every filter, the rest are grouped:
 *     tasks of one service with the same placement and reservations get the same
 *     answers from the filters, so they are placed together.
 *  3. For each group, in order of first appearance: ask the load-independent filters
 *     (ready, availability, constraints) once per node, giving the candidates; put them
 *     in the strategy's structure (strategy.hpp); then for each task take the best node,
 *     ask the load filters (resources, replicas per node) of that node alone, and place
 *     the task or drop the node. Each placement updates the node's load at once, so ten
 *     tasks spread over three nodes as 4/3/3, and no node's memory is promised twice.
 *  4. When the candidates run out, the remaining tasks of the group are pending with the
 *     pipeline's explanation, counted over every node (pipeline.hpp).
 *
 * The cost is O(nodes) per group plus O(log nodes) per placement, instead of
 * O(nodes) per task for the plain loop (exhaustive_scheduler.hpp, which gives the same
 * placements for spread, binpack and round-robin and is kept as the reference the tests
 * and tests/bench/scheduler_bench.cpp measure against).
 *
 * A Scheduler object keeps only what must survive between calls: the round-robin cursor
 * of each service and the random generator. Everything else is rebuilt from the snapshot,
 * so a restarted manager schedules exactly as before.
 *
 * Leaves out: SwarmKit's placement preferences (spread over a label's values), generic
 * resources, volume and port-conflict filters, and retrying a failed node later.
 * Docs: docs/design/swarm.md ("Scheduling"); SwarmKit manager/scheduler/scheduler.go.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::scheduler {

/// Task `task_id` goes to node `node_id` (the caller advances it to ASSIGNED).
struct Assignment {
  std::string task_id;
  std::string node_id;
  bool operator==(const Assignment&) const = default;
};

/// Task `task_id` stays PENDING; `reason` goes to Task::pending_reason.
struct Unplaced {
  std::string task_id;
  std::string reason;
  bool operator==(const Unplaced&) const = default;
};

struct ScheduleResult {
  std::vector<Assignment> assigned;  ///< in the order they were decided
  std::vector<Unplaced> pending;     ///< every schedulable task that got no node
};

class Scheduler {
 public:
  /// `seed` feeds the random strategy's generator.
  explicit Scheduler(uint64_t seed = 0) : random_(seed) {}

  /// Places every schedulable task of `tasks` on one of `nodes` (see the file comment).
  ScheduleResult schedule(const std::vector<Node>& nodes, const std::vector<Task>& tasks,
                          int64_t now_ms);

 private:
  std::mt19937_64 random_;
  std::unordered_map<std::string, std::string> round_robin_cursors_;  ///< service -> node id
};

/// Why `node` would not take `task` now, given the load of `tasks` (the store's tasks):
/// nullopt when it would, else the refusing filter's phrase ("insufficient memory on
/// 1 node"). For `service ps`/`inspect` asking about one node; O(tasks).
std::optional<std::string> why_not_node(const Node& node, const std::vector<Task>& tasks,
                                        const Task& task);

}  // namespace miniswarm::scheduler
