/**
 * @file info_commands.cpp
 * @brief `ps`, `inspect`, `logs`, `stats`, `top`: reading containers back off the disk.
 *
 * None of these asks a daemon: they read config.json and state.json, check the state
 * against the system (is that monitor still alive?), read the json-file log, and read
 * the container's cgroup and /proc. `--format json` prints one JSON object per line
 * (ps, stats) as `docker ... --format json` does.
 */
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "minirun/cmd/engine/commands.hpp"
#include "minirun/engine/container_network.hpp"
#include "minirun/engine/bundle_writer.hpp"
#include "minirun/engine/json_log.hpp"
#include "minirun/engine/stats.hpp"
#include "minirun/runtime/cgroup.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::cmd {

namespace {

using engine::ContainerStatus;
using engine::ContainerView;

int64_t now_seconds() { return static_cast<int64_t>(::time(nullptr)); }
int64_t seconds_since(const std::string& rfc3339) {
  return now_seconds() - engine::parse_rfc3339_ns(rfc3339) / 1'000'000'000;
}

/// Docker's STATUS column: "Up 5 minutes (healthy)", "Exited (0) 3 seconds ago", ...
std::string status_text(const ContainerView& v) {
  const engine::ContainerState& s = v.state;
  std::string text;
  switch (s.status) {
    case ContainerStatus::created: text = "Created"; break;
    case ContainerStatus::running:
    case ContainerStatus::paused:
      text = "Up " + human_duration(seconds_since(s.started_at));
      if (s.status == ContainerStatus::paused) text += " (Paused)";
      else if (s.health) text += " (" + (s.health->status == "starting" ? std::string("health: starting") : s.health->status) + ")";
      break;
    case ContainerStatus::restarting:
      text = "Restarting (" + std::to_string(s.exit_code) + ") " + human_duration(seconds_since(s.finished_at)) + " ago";
      break;
    case ContainerStatus::exited:
      text = "Exited (" + std::to_string(s.exit_code) + ") " + human_duration(seconds_since(s.finished_at)) + " ago";
      break;
    case ContainerStatus::dead: text = "Dead"; break;
  }
  if (s.monitor_lost) text += " (monitor lost)";
  return text;
}

std::string quoted_command(const engine::ContainerConfig& c) {
  std::string text;
  for (const auto& a : c.command()) text += (text.empty() ? "" : " ") + a;
  if (text.size() > 20) text = text.substr(0, 19) + "…";
  return "\"" + text + "\"";
}

nlohmann::json inspect_json(const ContainerView& v, const engine::ContainerStore& store) {
  nlohmann::json j = v.config.to_json();
  j["State"] = v.state.to_json();
  j["NetworkSettings"]["Ports"] = engine::ports_json(v.config, v.state);
  const std::vector<std::string> command = v.config.command();
  j["Path"] = command.empty() ? "" : command[0];
  j["Args"] = command.size() > 1 ? std::vector<std::string>(command.begin() + 1, command.end())
                                 : std::vector<std::string>{};
  j["RestartCount"] = v.state.restart_count;
  j["LogPath"] = store.log_path(v.config.id);
  j["GraphDriver"]["Data"]["UpperDir"] = store.dir(v.config.id) + "/upper";
  j["GraphDriver"]["Data"]["WorkDir"] = store.dir(v.config.id) + "/work";
  j["GraphDriver"]["Data"]["MergedDir"] = store.rootfs_dir(v.config.id);
  // The effective security profile, computed the way start computes it, so a learner
  // sees what the flags added up to (Docker shows only the flags).
  nlohmann::json security;
  if (auto caps = engine::container_capabilities(v.config); caps) {
    security["Capabilities"] = *caps;
    if (auto seccomp = engine::container_seccomp(v.config, *caps); seccomp) {
      if (seccomp->is_null()) {
        security["Seccomp"] = "unconfined";
      } else {
        size_t allowed = 0;
        for (const auto& rule : (*seccomp)["syscalls"])
          if (rule.value("action", "") == "SCMP_ACT_ALLOW") allowed += rule["names"].size();
        security["Seccomp"] = {{"Profile", v.config.seccomp.empty() ? "default" : v.config.seccomp},
                               {"DefaultAction", (*seccomp).value("defaultAction", "")},
                               {"AllowedSyscalls", allowed}};
      }
    }
  }
  security["NoNewPrivileges"] = v.config.no_new_privileges;
  security["PidsLimit"] = v.config.resources.pids_limit.value_or(4096);
  security["Privileged"] = v.config.privileged;
  if (auto bundle = sys::read_file(store.bundle_dir(v.config.id) + "/config.json"); bundle) {
    auto spec = nlohmann::json::parse(*bundle, nullptr, false);
    if (!spec.is_discarded()) {
      security["MaskedPaths"] = spec["linux"].value("maskedPaths", nlohmann::json::array());
      security["ReadonlyPaths"] = spec["linux"].value("readonlyPaths", nlohmann::json::array());
    }
  }
  j["EffectiveSecurity"] = security;
  return j;
}

/// One stats sample of a container's cgroup.
Result<engine::StatsSample> sample(const engine::Engine& engine, const std::string& id) {
  auto state = engine.runtime().load(id);
  if (!state) return std::move(state.error());
  auto cgroup = runtime::open_container_cgroup(*state);
  if (!cgroup) return std::move(cgroup.error());
  if (!*cgroup) return sys::Error("container " + id.substr(0, 12) + " has no cgroup");
  auto stats = (*cgroup)->stats();
  if (!stats) return std::move(stats.error());
  engine::StatsSample s;
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  s.taken_ns = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
  s.cpu_usage_ns = stats->cpu_usage_ns;
  if (auto proc = sys::read_file("/proc/stat"); proc) {
    if (auto cpu = engine::read_system_cpu_ns(*proc); cpu) s.system_cpu_ns = *cpu;
  }
  s.memory_bytes = stats->memory_bytes;
  s.memory_limit_bytes = stats->memory_limit_bytes;
  // No limit (0, or v1's "unlimited" near 2^63): the host's memory is the limit, as
  // `docker stats` shows it.
  const uint64_t host_memory = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE);
  if (s.memory_limit_bytes == 0 || s.memory_limit_bytes > host_memory) s.memory_limit_bytes = host_memory;
  s.pids = stats->pids_current;
  s.online_cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  return s;
}

}  // namespace

void add_info_commands(CLI::App& app, Globals& g) {
  static bool all = false, quiet = false, no_trunc = false, follow = false, timestamps = false, no_stream = false;
  static std::string format, tail = "all", since, until;
  static std::vector<std::string> names;

  CLI::App* ps = app.add_subcommand("ps", "List containers (running ones; -a for all)");
  ps->add_flag("-a,--all", all, "Show all containers, also stopped ones");
  ps->add_flag("-q,--quiet", quiet, "Only print ids");
  ps->add_flag("--no-trunc", no_trunc, "Print full ids and commands");
  ps->add_option("--format", format, "table (default) or json (one object per line)");
  ps->callback([&g] {
    engine::Engine engine = g.engine();
    auto views = engine.list(all);
    if (quiet) {
      for (const auto& v : views) std::printf("%s\n", no_trunc ? v.config.id.c_str() : v.config.id.substr(0, 12).c_str());
      return;
    }
    if (format == "json") {
      for (const auto& v : views) {
        nlohmann::json row = {{"ID", v.config.id.substr(0, 12)},   {"Image", v.config.image},
                              {"Command", quoted_command(v.config)}, {"CreatedAt", v.config.created},
                              {"State", engine::status_name(v.state.status)}, {"Status", status_text(v)},
                              {"Names", v.config.name},             {"Labels", v.config.labels},
                              {"Ports", engine::ports_column(v.config, v.state)}};
        std::printf("%s\n", row.dump().c_str());
      }
      return;
    }
    if (!format.empty() && format != "table") return fail(g, "--format: use table or json");
    std::printf("%-12s   %-18s %-22s %-16s %-28s %-10s %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS",
                "PORTS", "NAMES");
    for (const auto& v : views) {
      const std::string ports = engine::ports_column(v.config, v.state);
      std::printf("%-12s   %-18s %-22s %-16s %-28s %-10s %s\n", v.config.id.substr(0, 12).c_str(),
                  v.config.image.c_str(), quoted_command(v.config).c_str(),
                  (human_duration(seconds_since(v.config.created)) + " ago").c_str(), status_text(v).c_str(),
                  ports.c_str(), v.config.name.c_str());
    }
  });

  CLI::App* inspect = app.add_subcommand("inspect", "Show containers as JSON (Config, HostConfig, State, ...)");
  inspect->add_option("containers", names, "Containers")->required();
  inspect->callback([&g] {
    engine::Engine engine = g.engine();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& n : names) {
      auto v = engine.inspect(n);
      if (!v) {
        fail(g, v.error().what());
        continue;
      }
      out.push_back(inspect_json(*v, engine.store()));
    }
    std::printf("%s\n", out.dump(4).c_str());
  });

  CLI::App* logs = app.add_subcommand("logs", "Print a container's output (its json-file log)");
  logs->add_option("container", names, "Container")->required()->expected(1);
  logs->add_flag("-f,--follow", follow, "Follow new output until the container stops");
  logs->add_flag("-t,--timestamps", timestamps, "Show the time of each line");
  logs->add_option("-n,--tail", tail, "Number of lines from the end (or all)")->capture_default_str();
  logs->add_option("--since", since, "Only lines since a time (2026-11-28T10:00:00Z, 10m, 1700000000)");
  logs->add_option("--until", until, "Only lines before a time");
  logs->callback([&g] {
    engine::Engine engine = g.engine();
    auto id = engine.store().resolve(names[0]);
    if (!id) return fail(g, id.error().what());
    engine::LogQuery query;
    if (tail != "all") {
      try {
        query.tail = std::stoll(tail);
      } catch (...) {
        return fail(g, "--tail: \"" + tail + "\" is not a number of lines (or all)");
      }
    }
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    const int64_t now = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
    if (!since.empty()) {
      auto t = engine::parse_log_time(since, "--since", now);
      if (!t) return fail(g, t.error().what());
      query.since_ns = *t;
    }
    if (!until.empty()) {
      auto t = engine::parse_log_time(until, "--until", now);
      if (!t) return fail(g, t.error().what());
      query.until_ns = *t;
    }
    auto print = [](const engine::LogEntry& e) {
      std::string text = engine::format_entry(e, timestamps);
      std::FILE* stream = e.stream == "stderr" ? stderr : stdout;
      std::fwrite(text.data(), 1, text.size(), stream);
      std::fflush(stream);
      return true;
    };
    const std::string path = engine.store().log_path(*id);
    if (!follow) {
      auto entries = engine::read_log(path, query);
      if (!entries) return fail(g, entries.error().what());
      for (const auto& e : *entries) print(e);
      return;
    }
    const std::string container = *id;
    auto r = engine::follow_log(path, query, print, [&engine, container] {
      auto state = engine.store().load_state(container);
      if (!state) return false;
      auto s = engine::observe(*state).status;
      return s == ContainerStatus::running || s == ContainerStatus::paused || s == ContainerStatus::restarting ||
             s == ContainerStatus::created;
    });
    if (!r) fail(g, r.error().what());
  });

  CLI::App* stats = app.add_subcommand("stats", "Live CPU, memory and pids of running containers (from cgroups)");
  stats->add_option("containers", names, "Containers (default: all running)");
  stats->add_flag("--no-stream", no_stream, "Print one sample and exit");
  stats->add_option("--format", format, "table (default) or json");
  stats->callback([&g] {
    engine::Engine engine = g.engine();
    std::vector<std::pair<std::string, std::string>> targets;  // id, name
    if (names.empty()) {
      for (const auto& v : engine.list(false)) targets.emplace_back(v.config.id, v.config.name);
    } else {
      for (const auto& n : names) {
        auto v = engine.inspect(n);
        if (!v) return fail(g, v.error().what());
        targets.emplace_back(v->config.id, v->config.name);
      }
    }
    for (;;) {
      std::vector<engine::StatsSample> before;
      for (const auto& t : targets) before.push_back(sample(engine, t.first).ok() ? *sample(engine, t.first) : engine::StatsSample{});
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      std::vector<engine::StatsRow> rows;
      for (size_t i = 0; i < targets.size(); ++i) {
        auto after = sample(engine, targets[i].first);
        if (!after) continue;  // stopped meanwhile
        rows.push_back(engine::make_stats_row(targets[i].first, targets[i].second, before[i], *after));
      }
      if (format == "json") {
        for (const auto& r : rows) std::printf("%s\n", r.to_json().dump().c_str());
      } else {
        if (!no_stream) std::printf("\033[2J\033[H");
        std::printf("%s", engine::format_stats_table(rows).c_str());
      }
      std::fflush(stdout);
      if (no_stream) return;
    }
  });

  CLI::App* top = app.add_subcommand("top", "The processes of a container (from its cgroup and /proc)");
  top->add_option("container", names, "Container")->required()->expected(1);
  top->callback([&g] {
    engine::Engine engine = g.engine();
    auto id = engine.store().resolve(names[0]);
    if (!id) return fail(g, id.error().what());
    auto pids = engine.runtime().processes(*id);
    if (!pids) return fail(g, "container " + names[0] + " is not running");
    std::vector<engine::ProcessRow> rows;
    for (pid_t pid : *pids)
      if (auto row = engine::read_process_row("/proc", pid); row) rows.push_back(*row);
    std::printf("%s", engine::format_top_table(rows).c_str());
  });
}

}  // namespace minirun::cmd
