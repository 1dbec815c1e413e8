/**
 * @file monitor_probe.hpp
 * @brief One run of a container's healthcheck, as the monitor starts it.
 *
 * Docker runs a healthcheck as an `exec` in the container: the same process settings
 * (user, env, capabilities, seccomp) as the container's own, the healthcheck's command
 * instead of the program. The monitor forks a copy of itself that does the runtime's
 * exec and exits with the command's code; the monitor keeps polling its container and
 * reads the probe's output from a pipe until the exit or the deadline (monitor.cpp,
 * Supervisor::finish_probe, which also records the result: health.hpp).
 *
 * Man pages: fork(2), pipe(2). Lab: labs/01-image-and-container.
 */
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "minirun/engine/container_config.hpp"
#include "minirun/engine/container_store.hpp"
#include "minirun/runtime/container.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::engine {

/// One healthcheck run in progress: a forked copy of the monitor doing `exec`.
struct Probe {
  pid_t pid = -1;           ///< -1: none running (or it could not be started)
  sys::UniqueFd output;     ///< read end of the probe's stdout+stderr
  std::string captured;
  std::string start;        ///< when it started (RFC 3339), for State.Health.Log
  int64_t deadline_ns = 0;  ///< CLOCK_MONOTONIC time at which it is killed
};

/// Starts `config`'s healthcheck in the running container: `bundle` is the container's
/// OCI config, whose process settings the command runs with. The probe's pid is -1
/// when no process could be made (the caller tries again at the next interval).
Probe start_health_probe(runtime::Runtime& runtime, const ContainerStore& store, const ContainerConfig& config,
                         const nlohmann::json& bundle, int64_t deadline_ns);

}  // namespace minirun::engine
