/**
 * @file flag_values.hpp
 * @brief The values of `docker run` flags, from text to typed values: `512m`, `1.5`, `0-1,3`.
 *
 * Every flag of `minirun run` arrives as a string. Before anything touches the kernel
 * the string becomes a number of bytes, nanoseconds, CPUs, an rlimit or a capability
 * name, and a bad one is refused here, with a message that names the flag, quotes the
 * value and shows the accepted form:
 *
 *     --memory: invalid size "12q": use a number with an optional unit b, k, m, g, t or p (e.g. 512m)
 *
 * Catching the mistake at this point matters: the same typo found later surfaces as an
 * `EINVAL` from writing `memory.max` or from setrlimit(2), inside a half-built container.
 *
 * The accepted syntax is Docker's, so that a learner's `docker run` line works unchanged:
 *  - sizes are go-units' RAMInBytes: binary multiples (1k = 1024), fractions allowed
 *    (`1.5g`), unit letters case-insensitive with an optional `b`/`ib` (`512mb`, `1GiB`);
 *  - `--cpus` is a decimal count of CPUs stored as nano-CPUs (Docker's NanoCPUs) and,
 *    like the daemon, may not exceed the CPUs online; below 0.01 is refused because
 *    cgroup v2 `cpu.max` cannot express a quota under 1ms per 100ms period;
 *  - `--ulimit` is go-units' `name=soft[:hard]`, `-1` or `infinity` meaning unlimited;
 *  - `--env-file` is the Docker CLI's format: no quotes, no `$` expansion, no `export`;
 *  - durations are Go's (`1m30s`), parsed by imagebuilder's parse_go_duration();
 *  - `--cap-add`/`--cap-drop` follow the CLI's normalisation (`net_admin` ->
 *    `CAP_NET_ADMIN`) and the daemon's rule for combining them (see effective_capabilities).
 * Mount flags (`-v`, `--mount`, `--tmpfs`) have their own file, mount_specs.hpp, included
 * below so that this header gives every flag parser.
 *
 * Only parse_env_file() and the bare-name forms of `-e` / `--env-file` read anything
 * (the file, and this process's environment); the CPU checks ask sysconf(3) how many
 * CPUs are online. The overloads that take `online_cpus` exist so tests need no machine
 * of a particular size.
 *
 * Left out: AppArmor and SELinux (`--security-opt apparmor=` / `label=` are refused with
 * a reason), `--security-opt systempaths=`, Windows-only flags.
 *
 * Reference: docs.docker.com/reference/cli/docker/container/run/; go-units (size.go,
 * ulimit.go); docker/cli opts/ (envfile, capabilities, parse.go). Man pages:
 * setrlimit(2), capabilities(7), cpuset(7), sysconf(3). Lab: labs/01-image-and-container.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minirun/engine/mount_specs.hpp"
#include "minirun/engine/restart_policy.hpp"  // RestartPolicy, which the restart monitor applies
#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Result;

// ---- shared by the parsers --------------------------------------------------------

/// The one error shape of every flag parser:
/// `<flag>: invalid <what> "<text>": <how>`, where `how` shows the accepted form.
sys::Error invalid_value(std::string_view flag, std::string_view what, std::string_view text, std::string_view how);

/// Go's strconv.ParseBool words, which Docker uses for `readonly=`, `no-new-privileges=`:
/// 1 t T TRUE true True / 0 f F FALSE false False. Anything else -> nullopt.
std::optional<bool> parse_bool_word(std::string_view text);

// ---- sizes and CPUs ---------------------------------------------------------------

/// `512m`, `1.5g`, `1GiB`, `100` (bytes) -> bytes. Negative, empty, unknown unit,
/// or more than int64 can hold -> an error naming `flag`.
Result<int64_t> parse_bytes(std::string_view text, std::string_view flag);

/// `--memory-swap`: like parse_bytes(), and `-1` means unlimited (returned as -1).
Result<int64_t> parse_memory_swap(std::string_view text, std::string_view flag);

/// The number of CPUs online now (sysconf(_SC_NPROCESSORS_ONLN)), at least 1.
int online_cpu_count();

/// `--cpus 1.5` -> 1'500'000'000 nano-CPUs; from 0.01 to the number of online CPUs.
Result<int64_t> parse_nano_cpus(std::string_view text, std::string_view flag);
Result<int64_t> parse_nano_cpus(std::string_view text, std::string_view flag, int online_cpus);

/// `--cpuset-cpus 3,0-1` -> `0-1,3` (sorted, merged); every CPU must be < online_cpus.
/// An empty value is allowed and means "no restriction" (returns "").
Result<std::string> parse_cpuset(std::string_view text, std::string_view flag);
Result<std::string> parse_cpuset(std::string_view text, std::string_view flag, int online_cpus);

/// `--cpu-shares`: 0 (the default weight) or 2..262144, the range Docker accepts on Linux.
Result<int64_t> parse_cpu_shares(std::string_view text, std::string_view flag);

/// `--pids-limit`: a positive count; -1 or 0 mean unlimited and return -1.
Result<int64_t> parse_pids_limit(std::string_view text, std::string_view flag);

// ---- limits, policies, times ------------------------------------------------------

/// One `--ulimit`: a setrlimit(2) resource with its soft and hard limits (-1 = unlimited).
struct Ulimit {
  std::string name;  ///< Docker's name: "nofile", "nproc", ...
  int64_t soft = 0;
  int64_t hard = 0;
};

/// `nofile=1024:2048` or `nproc=512` (soft = hard). Soft may not exceed hard.
Result<Ulimit> parse_ulimit(std::string_view text);

/// The OCI / setrlimit name of the limit: "nofile" -> "RLIMIT_NOFILE".
std::string rlimit_type(const Ulimit& limit);

/// `--restart`: `no`, `on-failure[:N]`, `always`, `unless-stopped`; "" means `no`.
Result<RestartPolicy> parse_restart_policy(std::string_view text);

/// A Go duration (`30s`, `1m30s`, `500ms`, `0s`) in nanoseconds; negative -> error.
Result<int64_t> parse_duration_flag(std::string_view text, std::string_view flag);

/// `--stop-timeout`: whole seconds, -1 (wait forever) or more.
Result<int> parse_stop_timeout(std::string_view text, std::string_view flag);

// ---- environment and labels -------------------------------------------------------

/// `--env-file FILE` -> `NAME=value` entries, in file order (see the .cpp for the rules).
Result<std::vector<std::string>> parse_env_file(const std::string& path);

/// `-e NAME=value` -> itself; `-e NAME` -> `NAME=<value here>`, or "" (drop it) if unset.
Result<std::string> parse_env_flag(std::string_view text);

/// `--label k=v` -> {k, v}; `--label k` -> {k, ""}. The key may not be blank.
Result<std::pair<std::string, std::string>> parse_label(std::string_view text, std::string_view flag);

// ---- security ---------------------------------------------------------------------

/// What `--security-opt` can change in this kit.
struct SecurityOpts {
  std::string seccomp;  ///< "" = the default profile, "unconfined", or a profile's path
  bool no_new_privileges = true;  ///< the kit's default is on (Docker's is off)
};

/// Applies one `--security-opt` value: `seccomp=FILE|unconfined|builtin` (or the old
/// `seccomp:FILE`), `no-new-privileges[=|:true|false]`. `apparmor=` and `label=` are
/// refused: the kit has neither AppArmor nor SELinux.
Result<void> apply_security_opt(std::string_view text, SecurityOpts& into);

/// `net_admin`, `NET_ADMIN`, `CAP_NET_ADMIN` -> `CAP_NET_ADMIN`; `all` -> `ALL`.
/// Names this kernel does not know are errors.
Result<std::string> normalize_capability(std::string_view text, std::string_view flag);

/// The capabilities a container gets from the defaults and `--cap-add` / `--cap-drop`
/// (Docker's rule): a capability named in both lists is kept (when the adds hold ALL,
/// ALL stands alone and the drops apply to it, as in Docker); `--cap-add ALL` is
/// every capability this kernel knows minus the dropped ones; `--cap-drop ALL` leaves
/// just the added ones; otherwise defaults minus drops, plus adds. Names are
/// normalised; the result has no duplicates.
Result<std::vector<std::string>> effective_capabilities(const std::vector<std::string>& defaults,
                                                        const std::vector<std::string>& add,
                                                        const std::vector<std::string>& drop);

}  // namespace minirun::engine
