/**
 * @file flag_values.cpp
 * @brief Sizes, CPUs, counts, rlimits, restart policies and durations; see flag_values.hpp.
 *
 * Every error here has the same shape, `<flag>: invalid <what> "<text>": <how to fix>`,
 * built by invalid_value(), so a learner always sees which flag, which value, and an
 * example of a good one. Environment, labels, security options and capabilities are in
 * flag_values_env.cpp and flag_values_security.cpp; the mount flags in mount_specs.cpp.
 */
#include "minirun/engine/flag_values.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <climits>
#include <limits>

#include "imagebuilder/spec/duration.hpp"

namespace minirun::engine {

namespace {

using sys::Error;

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
constexpr int64_t kNanosPerCpu = 1'000'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// The parts of a plain decimal number `123` or `1.25`, kept exact (no floating point:
/// `0.1` is not exact in binary, and `--cpus 0.1` must be exactly 100'000'000).
struct Decimal {
  unsigned __int128 whole = 0;
  uint64_t fraction = 0;        ///< the digits after the point, as an integer
  uint64_t fraction_scale = 1;  ///< 10^(digits kept)
  int fraction_digits = 0;      ///< all digits after the point, kept or not
  size_t length = 0;            ///< characters consumed
};

/// Reads `digits[.digits]` (or `.digits`) at the start of `text`; nullopt if there is no
/// digit at all. The whole part saturates just above int64 so callers can report overflow.
std::optional<Decimal> read_decimal(std::string_view text) {
  Decimal d;
  bool any_digit = false;
  size_t i = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    any_digit = true;
    if (d.whole <= static_cast<unsigned __int128>(kMaxInt64)) d.whole = d.whole * 10 + (text[i] - '0');
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && is_digit(text[i]); ++i) {
      any_digit = true;
      ++d.fraction_digits;
      if (d.fraction_digits <= 18) {  // 18 digits are below a byte even for petabytes
        d.fraction = d.fraction * 10 + static_cast<uint64_t>(text[i] - '0');
        d.fraction_scale *= 10;
      }
    }
  }
  if (!any_digit) return std::nullopt;
  d.length = i;
  return d;
}

/// `size` with a unit shift (0 bytes, 10 k, 20 m, ...) -> bytes, truncated like Go's
/// int64(float); nullopt when it does not fit in int64.
std::optional<int64_t> scale_decimal(const Decimal& d, int shift) {
  const unsigned __int128 multiple = static_cast<unsigned __int128>(1) << shift;
  const unsigned __int128 bytes = d.whole * multiple + d.fraction * multiple / d.fraction_scale;
  if (bytes > static_cast<unsigned __int128>(kMaxInt64)) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

constexpr std::string_view kSizeHint = "use a number with an optional unit b, k, m, g, t or p (e.g. 512m)";

Result<int64_t> parse_size(std::string_view text, std::string_view flag, std::string_view hint) {
  auto bad = [&](std::string_view why) {
    return invalid_value(flag, "size", text, why.empty() ? std::string(hint) : std::string(why) + "; " + std::string(hint));
  };
  if (text.empty()) return bad("the value is empty");
  if (text.front() == '-') return bad("a size cannot be negative");
  auto number = read_decimal(text);
  if (!number) return bad("");
  std::string_view unit = text.substr(number->length);
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);  // "1 GB", as go-units allows
  int shift = 0;
  if (!unit.empty() && !(unit.size() == 1 && to_lower(unit[0]) == 'b')) {
    // One multiple letter, then nothing, "b" or "ib": 1k, 1kb, 1KiB are all 1024.
    constexpr std::string_view kLetters = "kmgtp";
    const size_t position = kLetters.find(to_lower(unit[0]));
    std::string rest;
    for (char c : unit.substr(1)) rest += to_lower(c);
    if (position == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "ib"))
      return bad("unknown unit \"" + std::string(unit) + "\"");
    shift = 10 * static_cast<int>(position + 1);
  }
  auto bytes = scale_decimal(*number, shift);
  if (!bytes) return bad("too large (the limit is 8 EiB)");
  return *bytes;
}

/// A whole number with nothing around it (no sign other than '-', no spaces, no units).
std::optional<int64_t> parse_whole_number(std::string_view text) {
  int64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

/// Ranges like "0-1,3" from a set of CPU numbers.
std::string format_cpu_list(const std::vector<bool>& cpus) {
  std::string out;
  for (size_t first = 0; first < cpus.size(); ++first) {
    if (!cpus[first]) continue;
    size_t last = first;
    while (last + 1 < cpus.size() && cpus[last + 1]) ++last;
    if (!out.empty()) out += ',';
    out += std::to_string(first);
    if (last > first) out += '-' + std::to_string(last);
    first = last;
  }
  return out;
}

/// Docker's ulimit names; each is RLIMIT_<NAME> in setrlimit(2). `as` is missing on
/// purpose, as in Docker: an address-space limit breaks the runtime's own setup.
constexpr std::array<std::string_view, 15> kUlimitNames = {
    "core", "cpu",    "data",   "fsize",  "locks",  "memlock", "msgqueue",   "nice",
    "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"};

std::string ulimit_names() {
  std::string out;
  for (std::string_view name : kUlimitNames) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace

Error invalid_value(std::string_view flag, std::string_view what, std::string_view text, std::string_view how) {
  return Error(std::string(flag) + ": invalid " + std::string(what) + " \"" + std::string(text) + "\": " + std::string(how));
}

std::optional<bool> parse_bool_word(std::string_view text) {
  for (std::string_view word : {"1", "t", "T", "TRUE", "true", "True"})
    if (text == word) return true;
  for (std::string_view word : {"0", "f", "F", "FALSE", "false", "False"})
    if (text == word) return false;
  return std::nullopt;
}

// ---- sizes and CPUs ---------------------------------------------------------------

Result<int64_t> parse_bytes(std::string_view text, std::string_view flag) {
  return parse_size(text, flag, kSizeHint);
}

Result<int64_t> parse_memory_swap(std::string_view text, std::string_view flag) {
  if (text == "-1") return int64_t{-1};
  return parse_size(text, flag,
                    "use -1 for unlimited swap, or a number with an optional unit b, k, m, g, t or p (e.g. 1g)");
}

int online_cpu_count() {
  const long count = ::sysconf(_SC_NPROCESSORS_ONLN);
  return count < 1 ? 1 : static_cast<int>(count);
}

Result<int64_t> parse_nano_cpus(std::string_view text, std::string_view flag) {
  return parse_nano_cpus(text, flag, online_cpu_count());
}

Result<int64_t> parse_nano_cpus(std::string_view text, std::string_view flag, int online_cpus) {
  const std::string range = "the range of CPUs is from 0.01 to " + std::to_string(online_cpus) +
                            ".00, as there are only " + std::to_string(online_cpus) + " CPUs available";
  auto bad = [&](std::string_view why) { return invalid_value(flag, "number of CPUs", text, why); };
  if (!text.empty() && text.front() == '-') return bad(range);
  auto number = read_decimal(text);
  if (!number || number->length != text.size()) return bad("use a decimal number of CPUs (e.g. 1.5 or 0.5)");
  if (number->fraction_digits > 9) return bad("too precise: a CPU is counted in billionths (at most 9 decimals)");
  if (number->whole > static_cast<unsigned __int128>(online_cpus)) return bad(range);
  int64_t nanos = static_cast<int64_t>(number->whole) * kNanosPerCpu;
  int64_t fraction = static_cast<int64_t>(number->fraction);
  for (int digit = number->fraction_digits; digit < 9; ++digit) fraction *= 10;
  nanos += fraction;
  // cgroup v2 cpu.max needs a quota of at least 1ms per 100ms period: 0.01 CPUs.
  if (nanos < kNanosPerCpu / 100 || nanos > int64_t{online_cpus} * kNanosPerCpu) return bad(range);
  return nanos;
}

Result<std::string> parse_cpuset(std::string_view text, std::string_view flag) {
  return parse_cpuset(text, flag, online_cpu_count());
}

Result<std::string> parse_cpuset(std::string_view text, std::string_view flag, int online_cpus) {
  if (text.empty()) return std::string();
  constexpr std::string_view kHint = "use CPU numbers and ranges separated by commas (e.g. 0-1,3)";
  auto bad = [&](std::string_view why) {
    return invalid_value(flag, "CPU list", text, std::string(why) + (why.empty() ? "" : "; ") + std::string(kHint));
  };
  std::vector<bool> cpus(static_cast<size_t>(online_cpus), false);
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const size_t dash = item.find('-');
    std::string_view first_text = item.substr(0, dash);
    std::string_view last_text = dash == std::string_view::npos ? first_text : item.substr(dash + 1);
    auto first = parse_whole_number(first_text);
    auto last = parse_whole_number(last_text);
    if (!first || !last || *first < 0 || *last < 0 || !is_digit(first_text.front()) || !is_digit(last_text.front()))
      return bad(item.empty() ? "an empty item" : "\"" + std::string(item) + "\" is not a CPU number or range");
    if (*first > *last) return bad("the range \"" + std::string(item) + "\" goes backwards");
    if (*last >= online_cpus)
      return bad("CPU " + std::to_string(*last) + " does not exist: " + std::to_string(online_cpus) +
                 " CPUs are online (0-" + std::to_string(online_cpus - 1) + ")");
    for (int64_t cpu = *first; cpu <= *last; ++cpu) cpus[static_cast<size_t>(cpu)] = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return format_cpu_list(cpus);
}

Result<int64_t> parse_cpu_shares(std::string_view text, std::string_view flag) {
  // Linux's cpu.shares range (cgroup v1); the engine maps it onto cgroup v2 cpu.weight.
  constexpr int64_t kMinShares = 2, kMaxShares = 262144;
  auto shares = parse_whole_number(text);
  if (!shares || (*shares != 0 && (*shares < kMinShares || *shares > kMaxShares)))
    return invalid_value(flag, "CPU shares", text,
                         "use a whole number from 2 to 262144 (1024 is the default weight), or 0 for the default");
  return *shares;
}

Result<int64_t> parse_pids_limit(std::string_view text, std::string_view flag) {
  auto limit = parse_whole_number(text);
  if (!limit || *limit < -1)
    return invalid_value(flag, "process limit", text,
                         "use a positive number of processes (e.g. 100), or -1 for unlimited");
  return *limit <= 0 ? int64_t{-1} : *limit;
}

// ---- limits, policies, times ------------------------------------------------------

Result<Ulimit> parse_ulimit(std::string_view text) {
  constexpr std::string_view kFlag = "--ulimit";
  constexpr std::string_view kForm = "use NAME=SOFT[:HARD] (e.g. nofile=1024:2048)";
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos) return invalid_value(kFlag, "ulimit", text, kForm);
  Ulimit limit;
  limit.name = std::string(text.substr(0, equals));
  bool known = false;
  for (std::string_view name : kUlimitNames) known = known || name == limit.name;
  if (!known)
    return invalid_value(kFlag, "ulimit", text,
                         "unknown limit \"" + limit.name + "\"; use one of " + ulimit_names());

  std::string_view values = text.substr(equals + 1);
  const size_t colon = values.find(':');
  std::string_view soft_text = values.substr(0, colon);
  std::string_view hard_text = colon == std::string_view::npos ? soft_text : values.substr(colon + 1);
  if (hard_text.find(':') != std::string_view::npos)
    return invalid_value(kFlag, "ulimit", text, "too many ':'; " + std::string(kForm));
  // setrlimit(2) takes unsigned values; -1 ("infinity") is RLIM_INFINITY and the only
  // negative that means something.
  auto read_limit = [](std::string_view value) -> std::optional<int64_t> {
    if (value == "infinity") return -1;
    auto number = parse_whole_number(value);
    if (!number || *number < -1) return std::nullopt;
    return number;
  };
  auto soft = read_limit(soft_text);
  auto hard = read_limit(hard_text);
  if (!soft || !hard)
    return invalid_value(kFlag, "ulimit", text,
                         "limits are whole numbers without units, or -1 / infinity for unlimited; " + std::string(kForm));
  limit.soft = *soft;
  limit.hard = *hard;
  if (limit.hard != -1 && (limit.soft == -1 || limit.soft > limit.hard))
    return invalid_value(kFlag, "ulimit", text,
                         "the soft limit (" + std::string(soft_text) + ") must be less than or equal to the hard limit (" +
                             std::string(hard_text) + ")");
  return limit;
}

std::string rlimit_type(const Ulimit& limit) {
  std::string type = "RLIMIT_";
  for (char c : limit.name) type += static_cast<char>((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
  return type;
}

Result<RestartPolicy> parse_restart_policy(std::string_view text) {
  constexpr std::string_view kFlag = "--restart";
  constexpr std::string_view kForm = "use no, always, unless-stopped or on-failure[:MAX-RETRIES]";
  RestartPolicy policy;
  if (text.empty()) return policy;
  const size_t colon = text.find(':');
  policy.name = std::string(text.substr(0, colon));
  if (policy.name != "no" && policy.name != "always" && policy.name != "unless-stopped" && policy.name != "on-failure")
    return invalid_value(kFlag, "restart policy", text, kForm);
  if (colon == std::string_view::npos) return policy;
  std::string_view count_text = text.substr(colon + 1);
  if (count_text.empty()) return policy;  // "on-failure:" is "on-failure", as in Docker
  auto count = parse_whole_number(count_text);
  if (!count || *count > INT_MAX)
    return invalid_value(kFlag, "restart policy", text, "the maximum retry count must be a whole number (e.g. on-failure:5)");
  if (*count < 0) return invalid_value(kFlag, "restart policy", text, "the maximum retry count cannot be negative");
  if (*count != 0 && policy.name != "on-failure")
    return invalid_value(kFlag, "restart policy", text,
                         "a maximum retry count can only be used with on-failure (e.g. on-failure:5)");
  policy.max_retries = static_cast<int>(*count);
  return policy;
}

Result<int64_t> parse_duration_flag(std::string_view text, std::string_view flag) {
  auto duration = imagebuilder::spec::parse_go_duration(text);
  if (!duration) return Error(std::string(flag) + ": " + duration.error().message());
  if (duration->count() < 0)
    return invalid_value(flag, "duration", text, "a duration cannot be negative; use e.g. 30s, 1m30s or 500ms");
  return static_cast<int64_t>(duration->count());
}

Result<int> parse_stop_timeout(std::string_view text, std::string_view flag) {
  auto seconds = parse_whole_number(text);
  if (!seconds || *seconds < -1 || *seconds > INT_MAX)
    return invalid_value(flag, "timeout", text, "use whole seconds (e.g. 10), or -1 to wait without limit");
  return static_cast<int>(*seconds);
}

}  // namespace minirun::engine
