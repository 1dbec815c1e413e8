/**
 * @file node_info.hpp
 * @brief A node as the scheduler sees it: the Node, plus the load already on it.
 *
 * The filters and strategies never read the task list themselves: they read a NodeInfo,
 * which adds up, once per schedule() call, what the store's tasks put on each node:
 * how many tasks in total, how many of each service, and how much CPU and memory their
 * reservations hold. Then, as the scheduler places tasks during the call, it adds each
 * placement to the same NodeInfo (add_task), so that the tenth task of a service sees
 * the nine before it. This is SwarmKit's `scheduler.NodeInfo`, in our own terms.
 *
 * What counts as load (counts_as_load): a task that has a node, that the manager still
 * wants running (desired state RUNNING) and that has not ended (not is_terminal()), and
 * that is at least ASSIGNED. The last condition is the kit's: a global task is created
 * PENDING with its node already set, and it must not count against the very node the
 * scheduler is about to check it for. A task being shut down (desired SHUTDOWN) no
 * longer counts, even while its container still stops: like Swarm, the scheduler plans
 * for the state the manager asked for.
 *
 * Leaves out: generic resources (GPUs), volumes and ports, which SwarmKit also tracks
 * here. Docs: docs/design/swarm.md ("Scheduling"); SwarmKit manager/scheduler/nodeinfo.go.
 */
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::scheduler {

/// Whether a task occupies its node (see the file comment for the rule and why).
bool counts_as_load(const Task& task);

/// One node and the load counted on it.
struct NodeInfo {
  const Node* node = nullptr;  ///< points into the caller's node list
  Resources reserved;          ///< sum of the reservations of the tasks counted here
  uint32_t task_count = 0;     ///< tasks counted here, all services
  std::unordered_map<std::string, uint32_t> tasks_by_service;  ///< service id -> count

  /// What is left to reserve: the node's total minus the reservations counted on it.
  /// A node that reports 0 for a resource has 0 of it to offer.
  Resources available() const;
  /// Tasks of one service counted on this node.
  uint32_t service_task_count(const std::string& service_id) const;
  /// Counts one more task on this node (from the store, or just placed by the scheduler).
  void add_task(const Task& task);
};

/// One NodeInfo per node, sorted by node id (so an index order is the id order, the
/// strategies' last tie-break), with the load of every task that counts_as_load().
/// Tasks naming a node that is not in `nodes` are ignored.
std::vector<NodeInfo> build_node_infos(const std::vector<Node>& nodes,
                                       const std::vector<Task>& tasks);

}  // namespace miniswarm::scheduler
