/**
 * @file health.cpp
 * @brief HEALTHCHECK configuration and probe bookkeeping; see health.hpp.
 *
 * Lab: labs/01-image-and-container
 */
#include "minirun/engine/health.hpp"

#include <utility>

namespace minirun::engine {

namespace {

using sys::Error;

/// Docker refuses durations between 0 and 1ms (a probe every microsecond would only
/// burn CPU); zero itself means "the default".
constexpr int64_t kMinimumDurationNs = 1'000'000;

/// Reads one optional duration field of Config.Healthcheck.
Result<int64_t> read_duration(const nlohmann::json& json, const char* key, int64_t fallback) {
  if (!json.contains(key) || json[key].is_null()) return fallback;
  const auto& value = json[key];
  if (!value.is_number_integer()) {
    return Error(std::string("Healthcheck.") + key + ": expected an integer number of nanoseconds, got " +
                 value.dump());
  }
  int64_t ns = value.get<int64_t>();
  if (ns == 0) return fallback;
  if (ns < 0) return Error(std::string("Healthcheck.") + key + ": cannot be negative (" + std::to_string(ns) + ")");
  if (ns < kMinimumDurationNs) {
    return Error(std::string("Healthcheck.") + key + ": cannot be less than 1ms (got " + std::to_string(ns) +
                 "ns); use 0 for the default");
  }
  return ns;
}

/// Checks Docker's Test forms; an empty list (inherit) is fine.
Result<void> check_test(const std::vector<std::string>& test) {
  if (test.empty()) return sys::ok();
  const std::string& kind = test.front();
  if (kind == "NONE") {
    if (test.size() != 1) return Error("Healthcheck.Test: `NONE` takes no arguments");
    return sys::ok();
  }
  if (kind == "CMD" || kind == "CMD-SHELL") {
    if (test.size() < 2 || test[1].empty()) {
      return Error("Healthcheck.Test: `" + kind + "` needs a command after it, e.g. [\"" + kind +
                   "\", \"curl -f http://localhost/\"]");
    }
    return sys::ok();
  }
  return Error("Healthcheck.Test: unknown kind `" + kind + "`; the first element must be CMD, CMD-SHELL or NONE");
}

/// Keeps the first kMaxProbeOutputBytes and marks the cut with "..." as Docker does,
/// so a probe that prints a megabyte cannot grow the state file.
std::string limit_output(std::string output) {
  if (output.size() <= kMaxProbeOutputBytes) return output;
  output.resize(kMaxProbeOutputBytes);
  return output + "...";
}

/// `whole`, then `remainder` as a fraction of `digits` places, trailing zeros dropped:
/// (1, 500, 3) -> "1.5".
std::string with_fraction(int64_t whole, int64_t remainder, int digits) {
  std::string text = std::to_string(whole);
  if (remainder == 0) return text;
  std::string fraction = std::to_string(remainder);
  fraction.insert(0, static_cast<size_t>(digits) - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return text + "." + fraction;
}

}  // namespace

HealthConfig HealthConfig::unset() {
  HealthConfig config;
  config.interval_ns = 0;
  config.timeout_ns = 0;
  config.start_period_ns = 0;
  config.start_interval_ns = 0;
  config.retries = 0;
  return config;
}

nlohmann::json HealthConfig::to_json() const {
  return {{"Test", test},
          {"Interval", interval_ns},
          {"Timeout", timeout_ns},
          {"StartPeriod", start_period_ns},
          {"StartInterval", start_interval_ns},
          {"Retries", retries}};
}

Result<HealthConfig> HealthConfig::from_json(const nlohmann::json& json) {
  if (!json.is_object()) return Error("Healthcheck: expected an object, got " + json.dump());
  HealthConfig config;
  if (json.contains("Test") && !json["Test"].is_null()) {
    const auto& test = json["Test"];
    if (!test.is_array()) return Error("Healthcheck.Test: expected a list of strings, got " + test.dump());
    for (const auto& word : test) {
      if (!word.is_string()) return Error("Healthcheck.Test: expected a list of strings, got " + test.dump());
      config.test.push_back(word.get<std::string>());
    }
  }
  MINIRUN_TRY(check_test(config.test), "read healthcheck");
  auto interval = read_duration(json, "Interval", kDefaultHealthIntervalNs);
  if (!interval) return std::move(interval.error());
  auto timeout = read_duration(json, "Timeout", kDefaultHealthTimeoutNs);
  if (!timeout) return std::move(timeout.error());
  auto start_period = read_duration(json, "StartPeriod", kDefaultHealthStartPeriodNs);
  if (!start_period) return std::move(start_period.error());
  auto start_interval = read_duration(json, "StartInterval", kDefaultHealthStartIntervalNs);
  if (!start_interval) return std::move(start_interval.error());
  config.interval_ns = *interval;
  config.timeout_ns = *timeout;
  config.start_period_ns = *start_period;
  config.start_interval_ns = *start_interval;
  if (json.contains("Retries") && !json["Retries"].is_null()) {
    const auto& retries = json["Retries"];
    if (!retries.is_number_integer() || retries.get<int64_t>() < 0 || retries.get<int64_t>() > 1'000'000) {
      return Error("Healthcheck.Retries: expected a count from 0 to 1000000, got " + retries.dump());
    }
    int count = retries.get<int>();
    config.retries = count == 0 ? kDefaultHealthRetries : count;
  }
  return config;
}

bool HealthConfig::enabled() const { return !test.empty() && test.front() != "NONE"; }

std::vector<std::string> HealthConfig::argv(const std::vector<std::string>& shell) const {
  if (!enabled() || test.size() < 2) return {};
  if (test.front() == "CMD") return {test.begin() + 1, test.end()};
  if (test.front() == "CMD-SHELL") {
    // Docker appends every word after CMD-SHELL to the shell; the CLI and the
    // Dockerfile always write exactly one, the whole command line.
    std::vector<std::string> command = shell;
    command.insert(command.end(), test.begin() + 1, test.end());
    return command;
  }
  return {};
}

HealthConfig merge_health(const HealthConfig& image, const HealthConfig& flags, bool no_healthcheck) {
  // Each field: the flag when given, else the image's, else Docker's default.
  auto pick = [](auto flag, auto from_image, auto fallback) {
    if (flag != 0) return flag;
    if (from_image != 0) return from_image;
    return fallback;
  };
  HealthConfig merged;
  merged.test = flags.test.empty() ? image.test : flags.test;
  if (no_healthcheck) merged.test = {"NONE"};
  merged.interval_ns = pick(flags.interval_ns, image.interval_ns, kDefaultHealthIntervalNs);
  merged.timeout_ns = pick(flags.timeout_ns, image.timeout_ns, kDefaultHealthTimeoutNs);
  merged.start_period_ns = pick(flags.start_period_ns, image.start_period_ns, kDefaultHealthStartPeriodNs);
  merged.start_interval_ns = pick(flags.start_interval_ns, image.start_interval_ns, kDefaultHealthStartIntervalNs);
  merged.retries = pick(flags.retries, image.retries, kDefaultHealthRetries);
  return merged;
}

nlohmann::json HealthState::to_json() const {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& probe : log) {
    entries.push_back(
        {{"Start", probe.start}, {"End", probe.end}, {"ExitCode", probe.exit_code}, {"Output", probe.output}});
  }
  return {{"Status", status}, {"FailingStreak", failing_streak}, {"Log", entries}};
}

Result<HealthState> HealthState::from_json(const nlohmann::json& json) {
  if (!json.is_object()) return Error("State.Health: expected an object, got " + json.dump());
  HealthState state;
  if (!json.contains("Status") || !json["Status"].is_string()) {
    return Error("State.Health.Status: missing or not a string");
  }
  state.status = json["Status"].get<std::string>();
  if (state.status != "starting" && state.status != "healthy" && state.status != "unhealthy") {
    return Error("State.Health.Status: `" + state.status + "` is not one of starting, healthy, unhealthy");
  }
  if (json.contains("FailingStreak")) {
    const auto& streak = json["FailingStreak"];
    if (!streak.is_number_integer() || streak.get<int64_t>() < 0 || streak.get<int64_t>() > INT32_MAX) {
      return Error("State.Health.FailingStreak: expected a count, got " + streak.dump());
    }
    state.failing_streak = streak.get<int>();
  }
  if (json.contains("Log") && !json["Log"].is_null()) {
    const auto& entries = json["Log"];
    if (!entries.is_array()) return Error("State.Health.Log: expected a list, got " + entries.dump());
    for (const auto& entry : entries) {
      bool well_formed = entry.is_object() && entry.value("Start", nlohmann::json()).is_string() &&
                         entry.value("End", nlohmann::json()).is_string() &&
                         entry.value("ExitCode", nlohmann::json()).is_number_integer() &&
                         entry.value("Output", nlohmann::json()).is_string();
      if (!well_formed) {
        return Error("State.Health.Log: each entry needs string Start, End, Output and an integer ExitCode, got " +
                     entry.dump());
      }
      state.log.push_back({entry["Start"].get<std::string>(), entry["End"].get<std::string>(),
                           entry["ExitCode"].get<int>(), entry["Output"].get<std::string>()});
    }
    while (state.log.size() > kMaxHealthLogEntries) state.log.pop_front();
  }
  return state;
}

void record_probe(HealthState& state, const HealthConfig& config, HealthProbe probe, bool in_start_period) {
  int retries = config.retries > 0 ? config.retries : kDefaultHealthRetries;
  bool succeeded = probe.exit_code == 0;
  probe.output = limit_output(std::move(probe.output));
  state.log.push_back(std::move(probe));
  while (state.log.size() > kMaxHealthLogEntries) state.log.pop_front();

  if (succeeded) {
    state.failing_streak = 0;
    state.status = "healthy";
    return;
  }
  // The start period forgives failures only until the first success: a container that
  // was healthy once and then fails is failing, start period or not (Docker checks
  // for the `starting` status, not just the clock).
  if (in_start_period && state.status == "starting") return;
  ++state.failing_streak;
  if (state.failing_streak >= retries) state.status = "unhealthy";
}

int64_t next_probe_delay(const HealthState& state, const HealthConfig& config, bool in_start_period) {
  int64_t interval = config.interval_ns > 0 ? config.interval_ns : kDefaultHealthIntervalNs;
  int64_t start_interval = config.start_interval_ns > 0 ? config.start_interval_ns : kDefaultHealthStartIntervalNs;
  if (in_start_period && state.status == "starting") return start_interval;
  return interval;
}

std::string describe_probe_timeout(int64_t timeout_ns, const std::string& output_so_far) {
  std::string message = "Health check exceeded timeout (" + format_go_duration(timeout_ns) + ")";
  if (!output_so_far.empty()) message += ": " + output_so_far;
  return message;
}

std::string format_go_duration(int64_t ns) {
  if (ns == 0) return "0s";
  if (ns < 0) {
    // -ns would overflow for INT64_MIN; one nanosecond of error there is harmless.
    return "-" + format_go_duration(ns == INT64_MIN ? INT64_MAX : -ns);
  }
  constexpr int64_t kMicro = 1'000, kMilli = 1'000'000, kSecond = 1'000'000'000;
  if (ns < kMicro) return std::to_string(ns) + "ns";
  if (ns < kMilli) return with_fraction(ns / kMicro, ns % kMicro, 3) + "\u00b5s";
  if (ns < kSecond) return with_fraction(ns / kMilli, ns % kMilli, 6) + "ms";
  // From one second up Go writes h, m and s, each larger unit forcing the smaller ones.
  int64_t hours = ns / (3600 * kSecond);
  int64_t minutes = ns / (60 * kSecond) % 60;
  std::string seconds = with_fraction(ns / kSecond % 60, ns % kSecond, 9) + "s";
  if (hours > 0) return std::to_string(hours) + "h" + std::to_string(minutes) + "m" + seconds;
  if (minutes > 0) return std::to_string(minutes) + "m" + seconds;
  return seconds;
}

}  // namespace minirun::engine
