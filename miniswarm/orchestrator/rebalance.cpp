/**
 * @file rebalance.cpp
 * @brief Which tasks to move so a service is spread again (rebalance.hpp).
 */
#include "miniswarm/orchestrator/rebalance.hpp"

#include <algorithm>
#include <map>

#include "miniswarm/store/placement_constraint.hpp"

namespace miniswarm::orchestrator {

RebalancePlan plan_rebalance(const Service& service, const std::vector<Task>& tasks,
                             const std::vector<Node>& nodes) {
  RebalancePlan plan;
  if (service.spec.mode == ServiceMode::kGlobal) {
    plan.summary = "a global service runs one task per node already";
    return plan;
  }
  auto constraints = parse_constraints(service.spec.placement.constraints);
  std::map<std::string, std::vector<const Task*>> per_node;  // eligible node -> live tasks
  for (const auto& node : nodes) {
    if (node.status != NodeStatus::kReady || node.availability != NodeAvailability::kActive) continue;
    if (!constraints.ok() || first_unmet_constraint(*constraints, node) != nullptr) continue;
    per_node[node.id];
  }
  size_t live = 0;
  for (const auto& task : tasks) {
    if (task.service_id != service.id || task.desired_state != TaskState::kRunning) continue;
    if (task.node_id.empty() || is_terminal(task.status.state)) continue;
    ++live;
    if (auto it = per_node.find(task.node_id); it != per_node.end()) it->second.push_back(&task);
  }
  if (per_node.empty() || live == 0) {
    plan.summary = per_node.empty() ? "no node can take the service's tasks" : "the service has no live tasks";
    return plan;
  }
  size_t most = (live + per_node.size() - 1) / per_node.size();
  if (service.spec.placement.max_replicas_per_node != 0) {
    most = std::min<size_t>(most, service.spec.placement.max_replicas_per_node);
  }
  for (auto& [node_id, on_node] : per_node) {
    if (on_node.size() <= most) continue;
    std::sort(on_node.begin(), on_node.end(), [](const Task* a, const Task* b) { return a->slot > b->slot; });
    for (size_t i = 0; i < on_node.size() - most; ++i) {
      Task moved = *on_node[i];
      moved.desired_state = TaskState::kShutdown;
      plan.stop.push_back(std::move(moved));
    }
  }
  plan.summary = plan.stop.empty()
                     ? "already spread: at most " + std::to_string(most) + " per node on " +
                           std::to_string(per_node.size()) + " nodes"
                     : "moves " + std::to_string(plan.stop.size()) + " of " + std::to_string(live) +
                           " tasks: at most " + std::to_string(most) + " per node on " +
                           std::to_string(per_node.size()) + " nodes";
  return plan;
}

}  // namespace miniswarm::orchestrator
