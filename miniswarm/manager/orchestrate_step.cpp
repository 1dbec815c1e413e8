/**
 * @file orchestrate_step.cpp
 * @brief The orchestrator's step: desired state -> task changes, in one transaction
 *        (steps.hpp).
 */
#include "miniswarm/manager/steps.hpp"

#include "miniswarm/orchestrator/orchestrator.hpp"

namespace miniswarm::manager {

StepResult orchestrate_step(ClusterStore& store, int64_t now_ms, const LogSink& log) {
  auto snapshot = store.snapshot();
  if (!snapshot.ok()) return std::move(snapshot.error()).context("orchestrator: read the store");
  const Snapshot& s = *snapshot;
  orchestrator::OrchestratorActions actions =
      orchestrator::orchestrate(s.services, s.tasks, s.nodes, now_ms);
  if (actions.empty()) return actions.wake_at_ms;

  auto written = store.update([&](StoreTx& tx) -> Result<void> {
    for (auto task : actions.create) MINIRUN_TRY(tx.create(task), "create task `" + task.name() + "`");
    for (auto task : actions.update) MINIRUN_TRY(tx.update(task), "update task `" + task.name() + "`");
    for (const auto& id : actions.remove) {
      auto removed = tx.remove_task(id);
      // Removed by someone else meanwhile (a `service rm`): what we wanted anyway.
      if (!removed.ok() && !is_not_found(removed.error())) return std::move(removed.error());
    }
    return minirun::sys::ok();
  });
  if (!written.ok()) return std::move(written.error()).context("orchestrator");
  if (log) {
    for (const auto& [id, reason] : actions.reasons) log("orchestrator: task " + id + ": " + reason);
    for (const auto& warning : actions.warnings) log("orchestrator: " + warning);
  }
  return actions.wake_at_ms;
}

}  // namespace miniswarm::manager
