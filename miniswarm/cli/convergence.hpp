/**
 * @file convergence.hpp
 * @brief Has a service reached what it asks for? The judgement behind `service create`
 *        waiting (without `-d`) and printing "2/3 tasks running".
 *
 * `service create` only writes a spec; the orchestrator, the scheduler and the agents
 * then act on their own (routes_services.cpp). So "done" is something the command has
 * to *observe*: it polls the service and its tasks and hands each snapshot to a
 * ConvergenceWatch, which says one of three things:
 *
 *  - converged: as many tasks run as the service wants (replicated: its replica count;
 *    global: every task that should run, once there is at least one, or none after a
 *    short grace period, which is a global service that no node can take);
 *  - failing: tasks keep failing (three new failures since the watch began, or one when
 *    the restart condition is `none`, since then nothing will replace it). Waiting
 *    longer would only show more of the same;
 *  - converging: neither yet. The progress says why not: how many tasks are pending,
 *    with the scheduler's reason ("no suitable node (...)"), and the last failure.
 *
 * The watch is a pure function of the snapshots (no clock, no I/O), so each of those
 * cases is a unit test. Docker waits forever and never says why; the kit stops after
 * `--timeout` and prints the last reason it saw, because a learner staring at
 * "0/3" needs the *why* more than the wait.
 *
 * Docs: docker/cli cli/command/service/progress/progress.go (what Docker shows).
 */
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

enum class Convergence { kConverging, kConverged, kFailing };

/// One snapshot, judged.
struct ConvergenceProgress {
  Convergence verdict = Convergence::kConverging;
  uint64_t running = 0;        ///< tasks that should run and do
  uint64_t desired = 0;        ///< tasks the service wants
  size_t pending = 0;          ///< tasks that should run, still waiting for a node
  std::string pending_reason;  ///< the scheduler's reason, when it gave one
  size_t failures = 0;         ///< tasks failed (or rejected) since the watch began
  std::string last_failure;    ///< the newest failure's error
};

class ConvergenceWatch {
 public:
  /// `count_existing_failures`: true for a new service (every failure is new);
  /// false for scale/update, where failures from before the change are history.
  explicit ConvergenceWatch(bool count_existing_failures, size_t failure_limit = 3,
                            int64_t global_grace_ms = 3000);

  /// Judges one snapshot of `service` and its tasks, `elapsed_ms` after the start.
  ConvergenceProgress observe(const Service& service, const std::vector<Task>& tasks,
                              int64_t elapsed_ms);

 private:
  bool count_existing_failures_;
  size_t failure_limit_;
  int64_t global_grace_ms_;
  bool first_ = true;
  std::set<std::string> old_failures_;
};

/// "1/3 tasks running; 2 pending: no suitable node (...)".
std::string progress_line(const ConvergenceProgress& progress);

/// Why the wait ended without convergence, naming the service and where to look next.
std::string not_converged_message(const ConvergenceProgress& progress,
                                  const std::string& service_name, bool timed_out,
                                  int64_t timeout_ms);

}  // namespace miniswarm::cli
