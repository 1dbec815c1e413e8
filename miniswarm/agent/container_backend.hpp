/**
 * @file container_backend.hpp
 * @brief What the agent needs from a container engine, and nothing more.
 *
 * The agent decides *what* should happen to a task's container (task_reconciler.hpp);
 * this interface is *how*, in six verbs: check that the node can run a task at all,
 * start its container, ask it to stop, kill it, remove it, and list the containers that
 * belong to this agent with what became of each. EngineBackend (engine_backend.hpp)
 * does it with the minirun engine; the unit tests use a fake in memory, which is why the
 * whole agent loop is testable without root, an image store or a kernel feature.
 *
 * Some choices in the shape of the interface:
 *  - check() and start() are separate because their failures mean different things to
 *    the manager. A task the node *cannot* run (the image is not in its store, a CPU
 *    limit larger than the machine) is REJECTED: the scheduler may try another node. A
 *    task that could run but did not start is FAILED: the restart policy decides.
 *  - Stopping is two calls, request_stop() (the container's stop signal, returns at
 *    once) and kill() (SIGKILL), and the agent keeps the grace period between them
 *    itself. A blocking "stop with a 10 s grace" would freeze the agent's loop for those
 *    10 s, and a container that dies meanwhile on the same node would be reported late.
 *  - There is no "wait for an exit" call: the agent polls list() (see task_reconciler.hpp
 *    for why), so a backend only has to answer "what is true now".
 *  - Containers are found by their labels, never by an in-memory table, so an agent
 *    that restarts finds the containers its earlier run started (they kept running) and
 *    adopts them instead of starting duplicates.
 *
 * Docs: SwarmKit agent/exec/executor.go (Controller: Prepare, Start, Wait, Shutdown,
 * Terminate, Remove), which this interface condenses.
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::agent {

using minirun::sys::Error;
using minirun::sys::Result;

/// What the engine says about a container now.
enum class ContainerRunState {
  kCreated,  ///< made but never started (an agent killed between create and start)
  kRunning,  ///< its process runs (or is paused)
  kExited,   ///< its process ended: exit_code, oom_killed, error
  kMissing,  ///< there is no such container
};

/// One container of this agent, as observed.
struct ObservedContainer {
  std::string container_id;
  std::string task_id;  ///< from the `com.docker.swarm.task.id` label
  ContainerRunState state = ContainerRunState::kMissing;
  int exit_code = 0;
  bool oom_killed = false;      ///< the kernel's OOM killer ended it
  bool stop_requested = false;  ///< its exit was asked for (stop, kill), not its own doing
  std::string error;            ///< why its exit code is not to be trusted, if so
  bool operator==(const ObservedContainer&) const = default;
};

class ContainerBackend {
 public:
  virtual ~ContainerBackend() = default;

  /// Whether this node can run `task` at all. The error (which becomes the REJECTED
  /// task's err) says what is missing: "image `nope` not found in the node's image store".
  virtual Result<void> check(const Task& task) = 0;

  /// Creates and starts the task's container, detached; returns its id. On failure
  /// nothing is left behind (the agent may start the next task in the slot at once).
  virtual Result<std::string> start(const Task& task) = 0;

  /// Sends the container its stop signal and returns. Not running: nothing to do.
  virtual Result<void> request_stop(const std::string& container_id) = 0;

  /// SIGKILL, once the grace period after request_stop() is over. Not running: nothing.
  virtual Result<void> kill(const std::string& container_id) = 0;

  /// Removes the container and what it holds (rootfs, anonymous volumes); a running one
  /// is killed first.
  virtual Result<void> remove(const std::string& container_id) = 0;

  /// This agent's containers (those with the task label), whatever their state.
  virtual Result<std::vector<ObservedContainer>> list() = 0;

  /// One container; state kMissing when there is none with this id.
  virtual Result<ObservedContainer> observe(const std::string& container_id) = 0;
};

}  // namespace miniswarm::agent
