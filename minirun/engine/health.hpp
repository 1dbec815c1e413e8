/**
 * @file health.hpp
 * @brief HEALTHCHECK: the configuration, the merge with `--health-*` flags, and the
 *        rules that turn probe results into `starting` / `healthy` / `unhealthy`.
 *
 * A running process is not necessarily a working service: a web server can be up and
 * deadlocked. Docker's answer is a probe command that runs inside the container every
 * `interval`; exit status 0 means healthy, anything else is a failure, and `retries`
 * failures in a row make the container `unhealthy`. `docker inspect` shows the result
 * under `State.Health` (Status, FailingStreak and the last five probes), and the
 * configuration under `Config.Healthcheck`.
 *
 * This file holds the pure part, so it can be read and tested without a container:
 *
 *  - HealthConfig: Docker's `Test` forms (`["CMD", args...]`, `["CMD-SHELL", "cmd"]`,
 *    `["NONE"]`, or empty to inherit the image's), the four durations in nanoseconds and
 *    `Retries`, with Docker's defaults (30s, 30s, 0s, 5s, 3). A zero field means "use
 *    the default", exactly as in Docker's API.
 *  - merge_health(): `docker run --health-cmd ...` overrides the image's HEALTHCHECK field
 *    by field; `--no-healthcheck` turns it off.
 *  - record_probe(): Docker's state machine (moby `daemon/health.go`, handleProbeResult):
 *    success -> healthy with the streak reset; a failure adds to the streak and makes the
 *    container unhealthy once the streak reaches `retries`; while the container is still
 *    `starting` and inside its start period, failures are logged but not counted.
 *  - next_probe_delay(): `start_interval` between probes during the start period, then
 *    `interval`.
 *
 * Running the probe (an exec into the container, with the timeout) belongs to the
 * per-container monitor; it reports each run here as a HealthProbe. A probe that times
 * out is recorded, as Docker does, with exit code -1 and the output from
 * describe_probe_timeout().
 *
 * Left out: Windows' `cmd /S /C` shell, the image's SHELL for CMD-SHELL (the caller may
 * pass its own shell to argv()), and health events (`health_status: healthy`): the caller
 * compares `status` before and after record_probe() to see a change.
 *
 * Docs: Dockerfile reference "HEALTHCHECK"; `docker run` "--health-cmd", "--health-interval",
 * "--health-retries", "--health-start-period", "--health-start-interval",
 * "--health-timeout", "--no-healthcheck"; `docker inspect` State.Health.
 *
 * Lab: labs/01-image-and-container
 */
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Result;

/// Docker's defaults, used wherever a field is zero (moby `daemon/health.go`).
inline constexpr int64_t kDefaultHealthIntervalNs = 30'000'000'000;
inline constexpr int64_t kDefaultHealthTimeoutNs = 30'000'000'000;
inline constexpr int64_t kDefaultHealthStartPeriodNs = 0;
inline constexpr int64_t kDefaultHealthStartIntervalNs = 5'000'000'000;
inline constexpr int kDefaultHealthRetries = 3;
/// Probe output kept per probe; longer output is cut and ends in "...".
inline constexpr size_t kMaxProbeOutputBytes = 4096;
/// Probes kept in State.Health.Log.
inline constexpr size_t kMaxHealthLogEntries = 5;

/// `Config.Healthcheck` of a container or an image.
struct HealthConfig {
  /// `["CMD", args...]`, `["CMD-SHELL", "cmd"]`, `["NONE"]`, or empty = inherit.
  std::vector<std::string> test;
  int64_t interval_ns = kDefaultHealthIntervalNs;
  int64_t timeout_ns = kDefaultHealthTimeoutNs;
  int64_t start_period_ns = kDefaultHealthStartPeriodNs;
  int64_t start_interval_ns = kDefaultHealthStartIntervalNs;
  int retries = kDefaultHealthRetries;

  /// A config with every field unset (zero, empty test): what `docker run` flags start
  /// from before `--health-*` values are filled in, so merge_health() can tell "not given".
  static HealthConfig unset();

  /// Docker inspect's `Config.Healthcheck`: Test, Interval, Timeout, StartPeriod,
  /// StartInterval (nanosecond integers) and Retries.
  nlohmann::json to_json() const;
  /// Reads that form back. Missing or zero fields take Docker's defaults; a negative
  /// duration, a duration under 1ms, negative retries or an unknown Test kind is an error.
  static Result<HealthConfig> from_json(const nlohmann::json& json);

  /// True when there is a probe to run: `test` is non-empty and not `["NONE"]`.
  bool enabled() const;
  /// The command to exec: CMD -> its arguments; CMD-SHELL -> `shell` + the command
  /// (`/bin/sh -c cmd` by default). Empty when not enabled().
  std::vector<std::string> argv(const std::vector<std::string>& shell = {"/bin/sh", "-c"}) const;
};

/// The effective healthcheck: each field of `flags` that is set (non-zero, non-empty)
/// overrides the image's; fields set in neither take Docker's defaults.
/// `no_healthcheck` (`--no-healthcheck`) gives `["NONE"]` whatever else was set.
HealthConfig merge_health(const HealthConfig& image, const HealthConfig& flags, bool no_healthcheck);

/// One run of the probe, as State.Health.Log shows it.
struct HealthProbe {
  std::string start;  ///< RFC 3339 with nanoseconds
  std::string end;    ///< RFC 3339 with nanoseconds
  int exit_code = 0;  ///< -1 when the probe timed out or could not be run
  std::string output; ///< stdout and stderr, at most kMaxProbeOutputBytes (+ "...")

  bool operator==(const HealthProbe&) const = default;
};

/// `State.Health` of a container.
struct HealthState {
  std::string status = "starting";  ///< starting | healthy | unhealthy
  int failing_streak = 0;
  std::deque<HealthProbe> log;      ///< oldest first, at most kMaxHealthLogEntries

  bool operator==(const HealthState&) const = default;

  /// Docker's form: Status, FailingStreak, Log[{Start, End, ExitCode, Output}].
  nlohmann::json to_json() const;
  static Result<HealthState> from_json(const nlohmann::json& json);
};

/// Applies one probe result to `state` by Docker's rules (see the file comment).
/// `in_start_period`: the probe started less than start_period after the container.
/// The output is cut to kMaxProbeOutputBytes; the log keeps the last five probes.
void record_probe(HealthState& state, const HealthConfig& config, HealthProbe probe, bool in_start_period);

/// Nanoseconds to wait before the next probe: start_interval while the container is
/// still `starting` inside its start period, interval otherwise.
int64_t next_probe_delay(const HealthState& state, const HealthConfig& config, bool in_start_period);

/// The output Docker records for a probe that ran past its timeout:
/// "Health check exceeded timeout (30s)", followed by ": <output so far>" when there was any.
std::string describe_probe_timeout(int64_t timeout_ns, const std::string& output_so_far = {});

/// A duration the way Go prints one (Docker's messages use it): "30s", "1m30s",
/// "1.5s", "500ms", "1h0m0s", "0s".
std::string format_go_duration(int64_t ns);

}  // namespace minirun::engine
