/**
 * @file flag_parsing.hpp
 * @brief The text forms of flag values, as Docker reads and writes them: sizes
 *        (`64m`), durations (`1m30s`), CPUs (`0.5`), `KEY=VALUE` pairs, counts.
 *
 * A learner who typed `docker service create --reserve-memory 64m --restart-delay 5s`
 * should be able to type the same here and get the same numbers, so every parser below
 * copies the rule of the library Docker uses for that flag:
 *
 *  - sizes: go-units `RAMInBytes`. A decimal number, an optional space, an optional
 *    unit letter b, k, m, g, t, p (either case), an optional `i` and `b`: `64m`,
 *    `64MiB`, `1.5g`, `100` (bytes). Units are binary (`64m` = 64 MiB = 67108864);
 *  - durations: Go's `time.ParseDuration`. A sequence of decimal numbers each with a
 *    unit ns, us (or µs), ms, s, m, h: `500ms`, `5s`, `1m30s`, `1.5h`. A bare number is
 *    an error except `0` (Go's rule: `5` could mean anything);
 *  - CPUs: Docker's `ParseCPUs`, a decimal fraction of CPUs turned into nano-CPUs
 *    (`0.5` -> 500,000,000); more than nine decimals is "too precise";
 *  - `KEY=VALUE` for labels and environment variables, split at the first `=`.
 *
 * Every error names the flag and suggests a value that works, so the message alone
 * tells the learner what to type next: "--reserve-memory: `12q` is not a size (try 64m)".
 * Negative values are refused for all of them: no flag of `service create` takes one.
 *
 * The format_* functions go the other way, for `inspect --pretty`: Go's
 * `Duration.String()` (`1m30s`, `500ms`), go-units `BytesSize` (`64MiB`), and CPUs as
 * a decimal (`0.5`).
 *
 * Docs: https://pkg.go.dev/time#ParseDuration, go-units size.go (RAMInBytes, BytesSize),
 * `docker service create --help`.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

template <class T>
using Result = minirun::sys::Result<T>;

/// `64m` -> 67108864. Binary units, as go-units RAMInBytes.
Result<int64_t> parse_size(std::string_view flag, std::string_view text);

/// `1m30s` -> 90000 (milliseconds), as Go's time.ParseDuration; sub-millisecond parts
/// are dropped (the kit keeps milliseconds).
Result<int64_t> parse_duration(std::string_view flag, std::string_view text);

/// `0.5` -> 500000000 nano-CPUs, as Docker's ParseCPUs.
Result<int64_t> parse_nano_cpus(std::string_view flag, std::string_view text);

/// A whole number >= 0 (`--replicas 3`, `--restart-max-attempts 5`).
Result<uint64_t> parse_count(std::string_view flag, std::string_view text);

/// `KEY=VALUE` -> {KEY, VALUE}; `KEY` alone gives an empty value (Docker's labels).
/// An empty key is an error.
Result<std::pair<std::string, std::string>> parse_key_value(std::string_view flag,
                                                            std::string_view text);

/// Several `KEY=VALUE` flags into a map; a later key overrides an earlier one.
Result<std::map<std::string, std::string>> parse_labels(std::string_view flag,
                                                        const std::vector<std::string>& texts);

/// `-e KEY=value`, or `-e KEY` to copy KEY from this shell's environment (Docker's
/// rule); a KEY that the shell does not have is an error rather than silently dropped.
Result<std::string> parse_env(std::string_view flag, std::string_view text);

/// `web=3` (`service scale`) -> {"web", 3}.
Result<std::pair<std::string, uint64_t>> parse_scale_target(std::string_view text);

/// One of an enum's names (objects.hpp's parse()), e.g. `--availability drain`; the
/// error lists `allowed`.
template <class E>
Result<E> parse_choice(std::string_view flag, std::string_view text, std::string_view allowed) {
  E value{};
  if (!parse(text, value)) {
    return minirun::sys::Error(std::string(flag) + ": `" + std::string(text) + "` is not one of " +
                               std::string(allowed));
  }
  return value;
}

/// 90000 -> `1m30s`, 500 -> `500ms`, 0 -> `0s` (Go's Duration.String()).
std::string format_duration(int64_t ms);

/// 67108864 -> `64MiB`, 1000 -> `1000B` (go-units BytesSize: binary, 4 significant digits).
std::string format_size(int64_t bytes);

/// 500000000 -> `0.5`, 2000000000 -> `2`.
std::string format_nano_cpus(int64_t nano_cpus);

}  // namespace miniswarm::cli
