/**
 * @file restart_policy.hpp
 * @brief `docker run --restart`: whether a container that exited is started again,
 *        and how long to wait before doing so.
 *
 * A restart policy is the smallest form of supervision: when the container's main
 * process exits, the engine looks at the policy, the exit code and how the exit came
 * about, and either restarts the container or leaves it exited. Docker's four policies:
 *
 *  | policy               | restarts when                                              |
 *  |----------------------|------------------------------------------------------------|
 *  | `no` (default)       | never                                                      |
 *  | `on-failure[:N]`     | the exit code is not 0, at most N times (N = 0: no limit)  |
 *  | `always`             | always, unless the user stopped it                         |
 *  | `unless-stopped`     | like `always`; the difference is only at daemon start      |
 *
 * A stop asked for by the user (`minirun stop`, `minirun kill`) never restarts, whatever
 * the policy: otherwise an `always` container could not be stopped at all. Docker's
 * `always` and `unless-stopped` differ only when the daemon itself starts again (an
 * `always` container the user had stopped comes back, an `unless-stopped` one does
 * not); minirun has no daemon, so here they behave alike, and the reason string still
 * names which policy decided.
 *
 * Restarts are spaced out so a container that crashes at once does not spin the CPU:
 * Docker waits 100 ms before the first restart, doubles the wait each time up to one
 * minute, and goes back to 100 ms once the container has stayed up for 10 seconds
 * (moby `restartmanager`).
 *
 * The decision is pure and explains itself (RestartDecision::reason) so `inspect` and
 * the log can say which rule fired; the per-container monitor does the waiting and the
 * restarting. Parsing the `--restart` flag is done with the other flag values.
 *
 * Docs: `docker run --restart` ("Restart policies"), "Start containers automatically".
 *
 * Lab: labs/01-image-and-container
 */
#pragma once

#include <cstdint>
#include <string>

namespace minirun::engine {

/// `--restart NAME[:MAX_RETRIES]` as HostConfig.RestartPolicy shows it.
struct RestartPolicy {
  std::string name = "no";  ///< no | on-failure | always | unless-stopped
  int max_retries = 0;      ///< on-failure only; 0 means no limit
};

/// What decide_restart() concluded, and why, in words for the log and `inspect`.
struct RestartDecision {
  bool restart = false;
  std::string reason;  ///< e.g. "on-failure: exit code 1, restart 2 of 5"
};

/// Back-off constants (moby `restartmanager`).
inline constexpr int64_t kFirstRestartDelayNs = 100'000'000;       // 100 ms
inline constexpr int64_t kMaxRestartDelayNs = 60'000'000'000;      // 1 minute
inline constexpr int64_t kRestartResetAfterNs = 10'000'000'000;    // ran 10 s: start over

/// Should a container that exited with `exit_code` be started again?
/// `stopped_by_user`: the exit followed `stop`/`kill`; `restart_count`: restarts so far.
RestartDecision decide_restart(const RestartPolicy& policy, int exit_code, bool stopped_by_user, int restart_count);

/// The wait before the next restart, given the previous wait (0 before the first
/// restart) and how long the container ran this time.
int64_t restart_delay_ns(int64_t previous_delay_ns, int64_t ran_for_ns);

}  // namespace minirun::engine
