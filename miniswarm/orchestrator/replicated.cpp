/**
 * @file replicated.cpp
 * @brief Slots 1..N of a replicated service: scale, restart, move off failed nodes
 *        (see replicated.hpp for the rules and their order).
 */
#include "miniswarm/orchestrator/replicated.hpp"

#include <map>
#include <set>

#include "miniswarm/orchestrator/restart_supervisor.hpp"

namespace miniswarm::orchestrator {
namespace {

// The one task of a slot that is meant to run: replace it if it stopped and its policy
// says so, move it if its node failed. The slot stays occupied whatever happens: by
// this task, or by its successor, made in the same run.
void tend_slot_task(RunContext& run, const Service& service, const Task& task,
                    const SlotTasks& slot_history) {
  if (is_terminal(task.status.state)) {
    RestartDecision d = decide_restart(task, slot_history, run.now_ms());
    if (!d.restart) {
      run.hold(task, d.why);
      return;
    }
    run.restart(task, service, d);
    return;
  }
  if (auto problem = run.node_problem(task)) {
    Task successor = run.new_task(service, task.slot, "",
                                  "replaces task " + task.id + " (" + *problem + ")");
    // Same attempt number: moving off a failed node is not a restart (replicated.hpp).
    successor.restart_attempt = task.restart_attempt;
    run.replace(task, std::move(successor), *problem);
  }
}

}  // namespace

void reconcile_replicated(RunContext& run, const Service& service, const SlotTasks& tasks) {
  const uint64_t replicas = service.spec.replicas;

  std::map<uint64_t, SlotTasks> history;   // every task, by slot
  std::map<uint64_t, SlotTasks> runnable;  // tasks desired RUNNING, by slot
  for (const Task* t : tasks) {
    history[t->slot].push_back(t);
    if (is_runnable(*t)) runnable[t->slot].push_back(t);
  }

  std::set<uint64_t> occupied;
  for (const auto& [slot, meant_to_run] : runnable) {
    if (slot == 0 || slot > replicas) {
      // Slot 0 is a global task's; it can only be here if the service changed mode.
      std::string reason = slot == 0 ? "not a slot of a replicated service"
                                      : "scaled down to " + std::to_string(replicas) + " replica" +
                                            (replicas == 1 ? "" : "s");
      for (const Task* t : meant_to_run) run.stop(*t, reason);
      continue;
    }
    const Task* keep = newest_task(meant_to_run);
    for (const Task* t : meant_to_run) {
      if (t != keep) run.stop(*t, "slot " + std::to_string(slot) + " has a newer task, " + keep->id);
    }
    tend_slot_task(run, service, *keep, history[slot]);
    occupied.insert(slot);
  }

  for (uint64_t slot = 1; slot <= replicas; ++slot) {
    if (occupied.count(slot) == 0) run.create(run.new_task(service, slot, "", "created"));
  }
}

}  // namespace miniswarm::orchestrator
