/**
 * @file task_container.hpp
 * @brief From a swarm task to a minirun container: its name, labels, command and limits.
 *
 * A task carries a copy of its service's spec (objects.hpp). Turning it into what
 * `minirun run -d` would ask for is a pure function, kept here apart from the engine
 * calls so that a unit test can hold the mapping against Docker's:
 *
 *  | task                         | container                                        |
 *  |------------------------------|--------------------------------------------------|
 *  | Task::name()                 | name `web.2.k2j4...` (Docker's task containers)   |
 *  | spec.container.image         | the image, resolved in the node's image store     |
 *  | spec.container.args          | replace the image's Cmd (as `run IMAGE ARGS...`)  |
 *  | spec.container.env           | `-e`, over the image's Env                        |
 *  | spec.container.labels        | `--label`                                         |
 *  | ids and names                | Docker's `com.docker.swarm.*` labels (below)      |
 *  | spec.limits                  | `--memory`, `--cpus`                              |
 *  | (always)                     | `--restart no`, detached                          |
 *
 * The restart policy is always `no`: restarting is the swarm's job (the orchestrator
 * makes a new task, maybe on another node, after the service's restart delay). An
 * engine that restarted the container by itself would hide the failure from the
 * manager and break the rule that a task's state only moves forward.
 *
 * The labels are how an agent finds its containers again after it restarted
 * (container_backend.hpp), and how `minirun ps` shows which task a container is.
 *
 * check_task_spec() is the "bad spec" half of REJECTED: limits that the engine would
 * refuse (Docker's rules: at least 6 MB of memory, 0.01 to the number of online CPUs)
 * are refused before anything is made, with the field named.
 *
 * Reference: `docker service create` (--limit-cpu, --limit-memory), the labels Docker
 * puts on a task's container (`docker inspect` one on a swarm node).
 */
#pragma once

#include <string>

#include "minirun/engine/engine.hpp"
#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::agent {

// Docker's labels on a task's container.
inline constexpr const char* kTaskIdLabel = "com.docker.swarm.task.id";
inline constexpr const char* kTaskNameLabel = "com.docker.swarm.task.name";
inline constexpr const char* kServiceIdLabel = "com.docker.swarm.service.id";
inline constexpr const char* kServiceNameLabel = "com.docker.swarm.service.name";
inline constexpr const char* kNodeIdLabel = "com.docker.swarm.node.id";

/// The smallest memory limit the engine accepts (Docker's: 6 MB).
inline constexpr int64_t kMinimumMemoryLimit = 6 * 1024 * 1024;

/// What `minirun run -d` would ask for to run `task` (see the table above).
/// `network_mode` is the engine's: "bridge", "none", a network's name.
minirun::engine::CreateRequest container_request(const Task& task, const std::string& network_mode);

/// Refuses a spec this node could never run: limits outside what the engine accepts on
/// a machine with `online_cpus` CPUs, env entries without a name. The error names the
/// field and the value.
minirun::sys::Result<void> check_task_spec(const ServiceSpec& spec, int online_cpus);

}  // namespace miniswarm::agent
