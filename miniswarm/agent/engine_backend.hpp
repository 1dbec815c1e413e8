/**
 * @file engine_backend.hpp
 * @brief The agent's containers, run by the minirun engine library on this node.
 *
 * EngineBackend implements container_backend.hpp with minirun::engine::Engine, the
 * same library the `minirun` command is a thin layer over, so a task's container is an
 * ordinary minirun container: `minirun ps` on the node lists it as `web.2.k2j4...`,
 * `minirun logs` and `inspect` work on it, and a learner can `minirun kill` one to watch
 * the swarm replace it.
 *
 *  - check(): the spec's limits (task_container.hpp), then the image: it must be in the
 *    node's image store (`imagebuilder images`) or be the built-in `busybox`. An image
 *    the node lacks is pulled from the manager's registry (registry/image_puller.hpp),
 *    which logs "pulled web:1 (...): 2 blob(s), 1.2 MB in 85 ms"; a failed pull (the
 *    manager lacks it too, a corrupt blob) makes the task REJECTED with the puller's
 *    reason, which names the image and the manager. The pull runs at PREPARING on the
 *    reconcile thread: the manager sees PREPARING meanwhile, heartbeats go on in their
 *    own thread, and the next task's check finds the blobs already there. Without a
 *    puller (tests, a node with no manager) a missing image is REJECTED at once.
 *  - start(): Engine::create with the request of task_container.hpp, then
 *    Engine::start; a container that was created but failed to start is removed, so the
 *    next attempt in the slot can take its name.
 *  - request_stop() / kill(): Engine::kill with the container's stop signal / SIGKILL.
 *    Both mark the exit as asked for (StopRequested), which the agent reads back to tell
 *    SHUTDOWN from FAILED after a restart.
 *  - remove(): Engine::remove with force and volumes: the overlay mount, the cgroup,
 *    the monitor and the anonymous volumes go with it.
 *  - list() / observe(): Engine::list(all), keeping the containers with the task label
 *    (and, when a node id is set, that node's label), states as observe() of
 *    container_state.hpp sees them: a container whose monitor died is "exited" with the
 *    engine's explanation, never "running" forever.
 *
 * Each call makes its own Engine object (it is a pair of paths, cheap to make): the
 * engine keeps all its state on disk under per-container locks, like several `minirun`
 * commands run at once, so the backend needs no lock of its own.
 *
 * Reference: `docker service ps` / `docker ps` on a swarm node (the names and labels).
 */
#pragma once

#include <memory>
#include <string>

#include "minirun/engine/engine.hpp"
#include "miniswarm/agent/container_backend.hpp"
#include "miniswarm/agent/log_sink.hpp"
#include "miniswarm/registry/image_puller.hpp"

namespace miniswarm::agent {

struct EngineBackendOptions {
  minirun::engine::EngineOptions engine;  ///< data root, image root, helper programs
  std::string node_id;                    ///< only containers labelled with it are listed; "" = any
  /// The engine's network mode for task containers: "bridge" (the default network, as
  /// `minirun run`), "none", or a network's name. Swarm networks are miniswarm/network's.
  std::string network_mode = "bridge";
  /// Where an image the node lacks comes from: the manager's registry. Unset: nowhere.
  std::shared_ptr<registry::ImagePuller> puller;
  /// Where a pull is logged: the agent's sink (called from the reconcile thread).
  LogSink log;
};

class EngineBackend : public ContainerBackend {
 public:
  explicit EngineBackend(EngineBackendOptions options) : options_(std::move(options)) {}

  Result<void> check(const Task& task) override;
  Result<std::string> start(const Task& task) override;
  Result<void> request_stop(const std::string& container_id) override;
  Result<void> kill(const std::string& container_id) override;
  Result<void> remove(const std::string& container_id) override;
  Result<std::vector<ObservedContainer>> list() override;
  Result<ObservedContainer> observe(const std::string& container_id) override;

  const EngineBackendOptions& options() const { return options_; }

 private:
  minirun::engine::Engine engine() const { return minirun::engine::Engine(options_.engine); }
  /// Sends `signal` to the container when it runs; nothing when it does not.
  Result<void> signal_if_running(const std::string& container_id, int signal);

  EngineBackendOptions options_;
};

/// A container as the agent sees it (the state mapping of EngineBackend::list).
ObservedContainer observed_container(const minirun::engine::ContainerView& view);

}  // namespace miniswarm::agent
