/**
 * @file control_loop.hpp
 * @brief One manager component, one thread: wake on a store change, decide, write.
 *
 * The manager is a handful of loops that never call each other (SwarmKit's design, and
 * the house style's "roles as components that talk through state"):
 *
 *  | loop          | reads                      | writes                                  |
 *  |---------------|----------------------------|-----------------------------------------|
 *  | orchestrator  | services, tasks, nodes     | new tasks, desired states, removals     |
 *  | scheduler     | pending tasks, nodes, load | node_id + ASSIGNED, or why still PENDING |
 *  | liveness      | heartbeat times (memory)   | node status DOWN                        |
 *
 * (The API handlers are the other writers: the user's services, the agents' reports.)
 *
 * A ControlLoop runs one such *step* on its own thread. It sleeps in
 * ClusterStore::wait_for_change() until anything is committed, or until the time the
 * step asked to be woken (a restart delay ending, a heartbeat deadline), then runs the
 * step on a fresh snapshot. A step is written to be idempotent: run twice on the same
 * state, the second run changes nothing. That makes the loop forgiving: a step that lost
 * a race (another loop wrote the same task first: a version conflict) simply runs
 * again on the newer state, and a manager killed in the middle of anything continues
 * from what the store says when it starts again.
 *
 * Coalescing: after a wake-up the loop waits a few milliseconds before reading, so a burst
 * of commits (100 agents reporting) costs one step, not a hundred.
 *
 * Docs: docs/design/swarm.md ("the manager's loops").
 */
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/cluster_store.hpp"

namespace miniswarm::manager {

/// A step returns when it wants to run again even if nothing changes (ms since the
/// epoch), or nullopt; or an Error, which is logged and retried shortly.
using StepResult = minirun::sys::Result<std::optional<int64_t>>;
using Step = std::function<StepResult(int64_t now_ms)>;
using LogSink = std::function<void(const std::string&)>;

/// Wall-clock milliseconds since the epoch (what tasks and nodes are stamped with).
int64_t now_ms();

class ControlLoop {
 public:
  /// `idle_ms`: the longest sleep without a change (a safety net, not the mechanism).
  ControlLoop(std::string name, ClusterStore& store, Step step, LogSink log,
              int64_t idle_ms = 1000, int64_t coalesce_ms = 5);
  ~ControlLoop();
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  void start();
  /// Stops and joins the thread (idempotent).
  void stop();
  /// Runs the step once on the caller's thread (tests, and the first pass at start).
  StepResult run_once();
  /// How many steps ran (for tests and `--explain`).
  uint64_t runs() const { return runs_.load(); }

 private:
  void run();

  std::string name_;
  ClusterStore& store_;
  Step step_;
  LogSink log_;
  int64_t idle_ms_;
  int64_t coalesce_ms_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> runs_{0};
  std::thread thread_;
};

}  // namespace miniswarm::manager
