/**
 * @file container_state.cpp
 * @brief The State object and how a reader checks it against the system; see container_state.hpp.
 */
#include "minirun/engine/container_state.hpp"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <cstdio>

#include "minirun/sys/file.hpp"
#include "minirun/sys/process.hpp"

namespace minirun::engine {

using nlohmann::json;

namespace {
constexpr const char* kStatusNames[] = {"created", "running", "paused", "restarting", "exited", "dead"};
}

const char* status_name(ContainerStatus s) { return kStatusNames[static_cast<int>(s)]; }

Result<ContainerStatus> status_from_name(const std::string& name) {
  for (int i = 0; i < 6; ++i)
    if (name == kStatusNames[i]) return static_cast<ContainerStatus>(i);
  return Error("unknown container status \"" + name + "\"");
}

json ContainerState::to_json() const {
  json j = {
      {"Status", status_name(status)},
      {"Running", status == ContainerStatus::running || status == ContainerStatus::paused},
      {"Paused", status == ContainerStatus::paused},
      {"Restarting", status == ContainerStatus::restarting},
      {"OOMKilled", oom_killed},
      {"Dead", status == ContainerStatus::dead},
      {"Pid", pid},
      {"ExitCode", exit_code},
      {"Error", error},
      {"StartedAt", started_at},
      {"FinishedAt", finished_at},
      {"RestartCount", restart_count},
      {"StopRequested", stop_requested},
      {"MonitorPid", monitor_pid},
      {"MonitorStartTime", monitor_start_time},
  };
  if (monitor_lost) j["MonitorLost"] = true;
  if (!published_ports.empty()) j["PublishedPorts"] = published_ports;
  if (health) j["Health"] = health->to_json();
  return j;
}

Result<ContainerState> ContainerState::from_json(const json& j) {
  ContainerState s;
  try {
    auto status = status_from_name(j.at("Status").get<std::string>());
    if (!status) return std::move(status.error()).context("state.json: Status");
    s.status = *status;
    s.pid = j.value("Pid", 0);
    s.exit_code = j.value("ExitCode", 0);
    s.oom_killed = j.value("OOMKilled", false);
    s.error = j.value("Error", "");
    s.started_at = j.value("StartedAt", "");
    s.finished_at = j.value("FinishedAt", "");
    s.restart_count = j.value("RestartCount", 0);
    s.stop_requested = j.value("StopRequested", false);
    s.monitor_pid = j.value("MonitorPid", 0);
    s.monitor_start_time = j.value("MonitorStartTime", 0ULL);
    s.published_ports = j.value("PublishedPorts", std::vector<std::string>{});
    if (j.contains("Health") && !j["Health"].is_null()) {
      auto health = HealthState::from_json(j["Health"]);
      if (!health) return std::move(health.error()).context("state.json: Health");
      s.health = std::move(*health);
    }
  } catch (const json::exception& e) {
    return Error(std::string("state.json: ") + e.what());
  }
  return s;
}

namespace {

/// Is `pid` a live process? kill(2) with signal 0 tells whether it exists (EPERM: it
/// does, but belongs to someone else); a zombie exists too, but has already exited, so
/// its state in /proc/PID/stat (the field after the command's closing ')') must not be Z.
bool process_running(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) < 0 && errno != EPERM) return false;
  auto stat = sys::read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  const auto close = stat->rfind(')');
  return close != std::string::npos && close + 2 < stat->size() && (*stat)[close + 2] != 'Z';
}

/// Same process as recorded: running and started at the recorded time, so a recycled
/// pid is not mistaken for it.
bool same_process(pid_t pid, unsigned long long start_time) {
  if (!process_running(pid)) return false;
  auto started = sys::process_start_time(pid);
  return started && (start_time == 0 || *started == start_time);
}

}  // namespace

bool monitor_alive(const ContainerState& state) {
  return same_process(state.monitor_pid, state.monitor_start_time);
}

ContainerState observe(ContainerState state) {
  const bool supervised = state.status == ContainerStatus::running || state.status == ContainerStatus::paused ||
                          state.status == ContainerStatus::restarting;
  if (!supervised || monitor_alive(state)) return state;
  state.monitor_lost = true;
  // The init outlives its monitor (it is in its own session); while it runs, the
  // container is still up, just unsupervised: no logs, no restart, no health.
  if (process_running(state.pid)) {
    state.error = "the container's monitor (pid " + std::to_string(state.monitor_pid) +
                  ") is gone: output is no longer logged; `minirun stop` or `rm -f` it";
    return state;
  }
  state.status = ContainerStatus::dead;
  state.pid = 0;
  state.exit_code = -1;
  state.error = "the container's monitor (pid " + std::to_string(state.monitor_pid) +
                ") died, and with it the exit status; `minirun rm` removes what is left";
  return state;
}

int64_t parse_rfc3339_ns(const std::string& text) {
  tm utc{};
  long nanos = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon, &utc.tm_mday, &utc.tm_hour,
                  &utc.tm_min, &utc.tm_sec, &consumed) < 6)
    return 0;
  if (text.size() > static_cast<size_t>(consumed) && text[consumed] == '.') {
    std::string digits;
    for (size_t i = consumed + 1; i < text.size() && isdigit(static_cast<unsigned char>(text[i])); ++i)
      digits += text[i];
    digits.resize(9, '0');
    nanos = std::stol(digits.substr(0, 9));
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return static_cast<int64_t>(::timegm(&utc)) * 1'000'000'000 + nanos;
}

}  // namespace minirun::engine
