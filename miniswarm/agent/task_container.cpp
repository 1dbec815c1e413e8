/**
 * @file task_container.cpp
 * @brief A task's container request and the spec checks behind REJECTED (task_container.hpp).
 */
#include "miniswarm/agent/task_container.hpp"

#include <cstdio>

namespace miniswarm::agent {

namespace {

/// 1500000000 nano-CPUs -> "1.5", as `--cpus` is written.
std::string cpus_text(int64_t nano_cpus) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(nano_cpus) / 1e9);
  return text;
}

}  // namespace

minirun::engine::CreateRequest container_request(const Task& task, const std::string& network_mode) {
  const ContainerSpec& container = task.spec.container;
  minirun::engine::CreateRequest request;
  minirun::engine::ContainerConfig& c = request.config;
  c.name = task.name();
  c.image = container.image;
  c.cmd = container.args;  // empty: the image's Cmd (the engine's merge rule)
  c.network_mode = network_mode;
  c.resources.memory = task.spec.limits.memory_bytes;
  c.resources.nano_cpus = task.spec.limits.nano_cpus;
  c.restart.name = "no";  // the swarm restarts tasks; the engine never does (see the header)
  c.auto_remove = false;  // the agent removes it once the manager has forgotten the task
  request.env_flags = container.env;
  request.label_flags = container.labels;
  // Set last, so that a spec label cannot pretend the container is another task's.
  request.label_flags[kTaskIdLabel] = task.id;
  request.label_flags[kTaskNameLabel] = task.name();
  request.label_flags[kServiceIdLabel] = task.service_id;
  request.label_flags[kServiceNameLabel] = task.service_name;
  request.label_flags[kNodeIdLabel] = task.node_id;
  return request;
}

minirun::sys::Result<void> check_task_spec(const ServiceSpec& spec, int online_cpus) {
  using minirun::sys::Error;
  if (spec.container.image.empty()) return Error("spec.container.image: empty; the service names no image");
  const int64_t memory = spec.limits.memory_bytes;
  if (memory < 0 || (memory > 0 && memory < kMinimumMemoryLimit))
    return Error("spec.limits.memory_bytes: " + std::to_string(memory) +
                 " is below the engine's minimum memory limit of 6MB; raise --limit-memory");
  const int64_t nano_cpus = spec.limits.nano_cpus;
  const int64_t node_nano_cpus = int64_t{online_cpus} * 1'000'000'000;
  if (nano_cpus < 0 || (nano_cpus > 0 && nano_cpus < 10'000'000))
    return Error("spec.limits.nano_cpus: " + cpus_text(nano_cpus) +
                 " CPUs is below the engine's minimum of 0.01; raise --limit-cpu");
  if (nano_cpus > node_nano_cpus)
    return Error("spec.limits.nano_cpus: a limit of " + cpus_text(nano_cpus) + " CPUs is more than this node's " +
                 std::to_string(online_cpus) + "; lower --limit-cpu or add a placement constraint");
  for (const auto& entry : spec.container.env) {
    if (entry.empty() || entry[0] == '=')
      return Error("spec.container.env: entry \"" + entry + "\" has no variable name; write NAME=value");
  }
  return minirun::sys::ok();
}

}  // namespace miniswarm::agent
