/**
 * @file global.cpp
 * @brief One task per eligible node for a global service (see global.hpp).
 */
#include "miniswarm/orchestrator/global.hpp"

#include <map>

#include "miniswarm/store/placement_constraint.hpp"
#include "miniswarm/orchestrator/restart_supervisor.hpp"

namespace miniswarm::orchestrator {
namespace {

// Why the task's node may no longer run a task of the service, or nullopt when it may.
std::optional<std::string> ineligibility(const RunContext& run, const Task& task,
                                         const std::vector<Constraint>& constraints) {
  if (task.node_id.empty()) return "a global task needs a node";
  if (auto problem = run.node_problem(task)) return problem;
  const Constraint* unmet = first_unmet_constraint(constraints, *run.node(task.node_id));
  if (unmet != nullptr) {
    return "node " + run.node_name(task.node_id) + " does not satisfy constraint `" + unmet->text + "`";
  }
  return std::nullopt;
}

void restart_on_node(RunContext& run, const Service& service, const Task& task,
                     const SlotTasks& node_history) {
  const Node* node = run.node(task.node_id);
  if (node->availability == NodeAvailability::kPause) {
    run.hold(task, "node " + run.node_name(node->id) + " is paused (restarted once it is active)");
    return;
  }
  RestartDecision d = decide_restart(task, node_history, run.now_ms());
  if (!d.restart) {
    run.hold(task, d.why);
    return;
  }
  run.restart(task, service, d);
}

}  // namespace

void reconcile_global(RunContext& run, const Service& service, const SlotTasks& tasks) {
  auto constraints = parse_constraints(service.spec.placement.constraints);
  if (!constraints) {
    run.warn("service " + service.spec.name + ": " + constraints.error().message() +
             "; its tasks are left as they are until it is fixed with "
             "`miniswarm service update --constraint-rm/--constraint-add`");
    return;
  }

  std::map<std::string, SlotTasks> history;   // every task, by node id
  std::map<std::string, SlotTasks> runnable;  // tasks desired RUNNING on eligible nodes
  for (const Task* t : tasks) {
    history[t->node_id].push_back(t);
    if (!is_runnable(*t)) continue;
    if (auto why = ineligibility(run, *t, *constraints)) {
      run.stop(*t, *why);
      continue;
    }
    runnable[t->node_id].push_back(t);
  }

  for (const auto& [node_id, meant_to_run] : runnable) {
    const Task* keep = newest_task(meant_to_run);
    for (const Task* t : meant_to_run) {
      if (t != keep) run.stop(*t, "node " + run.node_name(node_id) + " has a newer task, " + keep->id);
    }
    if (is_terminal(keep->status.state)) restart_on_node(run, service, *keep, history[node_id]);
  }

  for (const Node& node : run.nodes()) {
    if (runnable.count(node.id) != 0) continue;
    if (node.status == NodeStatus::kDown || node.availability != NodeAvailability::kActive) continue;
    if (first_unmet_constraint(*constraints, node) != nullptr) continue;
    run.create(run.new_task(service, 0, node.id, "created for node " + run.node_name(node.id)));
  }
}

}  // namespace miniswarm::orchestrator
