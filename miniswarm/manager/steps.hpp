/**
 * @file steps.hpp
 * @brief The orchestrator's and the scheduler's step: a snapshot in, one transaction out.
 *
 * The decisions are made by pure code (miniswarm/orchestrator/, miniswarm/scheduler/);
 * these steps are the thin part that reads the store, calls them, and writes what they
 * decided in one transaction, checking versions so that a decision made on a state that
 * changed meanwhile is thrown away and made again (control_loop.hpp).
 *
 * Docs: docs/design/swarm.md ("the manager's loops").
 */
#pragma once

#include <cstdint>
#include <optional>

#include "miniswarm/manager/control_loop.hpp"
#include "miniswarm/scheduler/scheduler.hpp"
#include "miniswarm/store/cluster_store.hpp"

namespace miniswarm::manager {

/// Desired state -> tasks: creates, shuts down, restarts and reaps tasks. Returns the
/// time of the earliest restart delay to wake up for.
StepResult orchestrate_step(ClusterStore& store, int64_t now_ms, const LogSink& log);

/// Pending task -> node. Keeps the Scheduler between runs (round-robin cursors, the
/// random generator). Returns the end of the earliest restart delay among pending tasks.
class ScheduleStep {
 public:
  explicit ScheduleStep(uint64_t seed = 0) : scheduler_(seed) {}
  StepResult run(ClusterStore& store, int64_t now_ms, const LogSink& log);

 private:
  scheduler::Scheduler scheduler_;
};

}  // namespace miniswarm::manager
