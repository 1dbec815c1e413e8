/**
 * @file container_state.hpp
 * @brief What changes while a container lives: `State` in `docker inspect`.
 *
 * Docker keeps this in the daemon's memory and writes it to disk; the kit has no daemon,
 * so the disk is the only copy: `<data-root>/containers/<id>/state.json`, written
 * atomically (write a temporary file, rename) by whoever changed it:
 *  - the container's monitor (monitor.hpp) writes running / exited / restarting, the
 *    exit code, OOMKilled and the health;
 *  - `minirun stop` and `kill` set StopRequested, so the monitor knows an exit was
 *    asked for and does not apply the restart policy to it.
 * Each read-modify-write holds the container's lock (container_store.hpp), so the two
 * never overwrite each other's fields.
 *
 * The saved status can go stale when the monitor is killed (kill -9, OOM killer, a
 * reboot). So readers never trust "running" blindly: `observe()` checks that the
 * monitor named in the state is still the same live process (pid *and* start time, as
 * the runtime does for a container's init), and reports a lost monitor instead of a
 * container that is not there. That is how `ps` stays true after a crash.
 *
 * Reference: `docker inspect` State; containerd-shim's role. Lab: labs/01-image-and-container.
 */
#pragma once

#include "minirun/sys/stamps.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/engine/health.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Error;
using sys::Result;

/// The statuses of `docker ps` / inspect's State.Status.
enum class ContainerStatus { created, running, paused, restarting, exited, dead };
const char* status_name(ContainerStatus s);
Result<ContainerStatus> status_from_name(const std::string& name);

struct ContainerState {
  ContainerStatus status = ContainerStatus::created;
  pid_t pid = 0;  ///< the container's init on the host, while running
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;        ///< why it failed to start, or what went wrong after
  std::string started_at;   ///< RFC 3339, "" before the first start
  std::string finished_at;  ///< RFC 3339, "" until it first exits
  int restart_count = 0;
  bool stop_requested = false;  ///< set by stop/kill/rm: the next exit is not a failure
  std::optional<HealthState> health;
  pid_t monitor_pid = 0;
  unsigned long long monitor_start_time = 0;  ///< of monitor_pid, from /proc/PID/stat
  bool monitor_lost = false;                  ///< computed by observe(), never stored as true
  /// The ports published for it right now, as `minirun-net` takes them
  /// ("0.0.0.0:8080:172.18.0.2:80/tcp"): set by start, cleared when the monitor (or the
  /// clean-up of a lost one) has taken them down.
  std::vector<std::string> published_ports;

  /// Field by field (update_state's "did the change change anything?").
  bool operator==(const ContainerState&) const = default;
  nlohmann::json to_json() const;  ///< Docker's State object (+ the kit's monitor fields)
  static Result<ContainerState> from_json(const nlohmann::json& j);
};

/// Is the monitor recorded in `state` still alive (same pid, same start time)?
bool monitor_alive(const ContainerState& state);

/// The state as it really is: when the saved status says a monitor is looking after
/// the container (running, paused, restarting) but that monitor is gone, the result
/// says so: `monitor_lost`, and status `dead` with an error when the container's init
/// is gone too (its exit code died with the monitor).
ContainerState observe(ContainerState state);

/// RFC 3339 with nanoseconds, UTC: "2026-11-28T05:12:01.123456789Z" (minirun/sys/stamps.hpp).
using sys::now_rfc3339;
/// Nanoseconds since the epoch of an RFC 3339 time written by now_rfc3339 (0 if empty/bad).
int64_t parse_rfc3339_ns(const std::string& text);

}  // namespace minirun::engine
