/**
 * @file lifecycle_commands.cpp
 * @brief `start`, `stop`, `restart`, `kill`, `rm`, `pause`, `unpause`, `wait`.
 *
 * Like Docker, each takes one or more containers (name, id or unique id prefix), acts
 * on each in turn, prints the name it was given for each success, and reports each
 * failure without stopping at the first.
 */
#include <cstdio>

#include "minirun/cmd/engine/commands.hpp"

namespace minirun::cmd {

namespace {

/// Runs `action` on each container, Docker-style: echo on success, error on failure.
template <class F>
void for_each_container(Globals& g, const std::vector<std::string>& names, F&& action, bool echo = true) {
  for (const auto& name : names) {
    auto r = action(name);
    if (!r) fail(g, r.error().what());
    else if (echo) std::printf("%s\n", name.c_str());
  }
}

}  // namespace

void add_lifecycle_commands(CLI::App& app, Globals& g) {
  static std::vector<std::string> names;
  static bool attach = false, force = false, volumes = false;
  static std::optional<int> timeout;
  static std::string signal_name = "KILL", stop_signal;

  CLI::App* start = app.add_subcommand("start", "Start one or more stopped containers");
  start->add_option("containers", names, "Containers")->required();
  start->add_flag("-a,--attach", attach, "Attach to the output and exit with the container's code (one container)");
  start->callback([&g] {
    engine::Engine engine = g.engine();
    if (attach) {
      if (names.size() != 1) return fail(g, "start -a: give exactly one container");
      engine::Attach channel;
      if (auto r = engine.start(names[0], &channel); !r) return fail(g, r.error().what());
      auto code = engine.wait_attached();
      if (!code) return fail(g, code.error().what());
      g.exit_code = *code;
      return;
    }
    for_each_container(g, names, [&](const std::string& n) { return engine.start(n); });
  });

  CLI::App* stop = app.add_subcommand("stop", "Stop containers: the stop signal, a grace period, then SIGKILL");
  stop->add_option("containers", names, "Containers")->required();
  stop->add_option("-t,--time", timeout, "Seconds to wait before SIGKILL (default: the container's, 10)");
  stop->callback([&g] {
    engine::Engine engine = g.engine();
    for_each_container(g, names, [&](const std::string& n) { return engine.stop(n, timeout); });
  });

  CLI::App* restart = app.add_subcommand("restart", "Stop and start containers again");
  restart->add_option("containers", names, "Containers")->required();
  restart->add_option("-t,--time", timeout, "Seconds to wait before SIGKILL");
  restart->callback([&g] {
    engine::Engine engine = g.engine();
    for_each_container(g, names, [&](const std::string& n) { return engine.restart(n, timeout); });
  });

  CLI::App* kill = app.add_subcommand("kill", "Send a signal (default SIGKILL) to containers");
  kill->add_option("containers", names, "Containers")->required();
  kill->add_option("-s,--signal", signal_name, "Signal name or number")->capture_default_str();
  kill->callback([&g] {
    auto sig = runtime::parse_signal(signal_name);
    if (!sig) return fail(g, sig.error().context("--signal").what());
    engine::Engine engine = g.engine();
    for_each_container(g, names, [&](const std::string& n) { return engine.kill(n, *sig); });
  });

  CLI::App* rm = app.add_subcommand("rm", "Remove containers (their writable layer, logs and state)");
  rm->add_option("containers", names, "Containers")->required();
  rm->add_flag("-f,--force", force, "Kill a running container first");
  rm->add_flag("-v,--volumes", volumes, "Also remove its anonymous volumes");
  rm->callback([&g] {
    engine::Engine engine = g.engine();
    for_each_container(g, names, [&](const std::string& n) { return engine.remove(n, force, volumes); });
  });

  CLI::App* pause = app.add_subcommand("pause", "Freeze every process of containers (cgroup freezer)");
  pause->add_option("containers", names, "Containers")->required();
  pause->callback([&g] {
    engine::Engine engine = g.engine();
    for_each_container(g, names, [&](const std::string& n) { return engine.pause(n); });
  });

  CLI::App* unpause = app.add_subcommand("unpause", "Thaw paused containers");
  unpause->add_option("containers", names, "Containers")->required();
  unpause->callback([&g] {
    engine::Engine engine = g.engine();
    for_each_container(g, names, [&](const std::string& n) { return engine.unpause(n); });
  });

  CLI::App* wait = app.add_subcommand("wait", "Block until containers stop, then print their exit codes");
  wait->add_option("containers", names, "Containers")->required();
  wait->callback([&g] {
    engine::Engine engine = g.engine();
    for (const auto& n : names) {
      auto code = engine.wait(n);
      if (!code) fail(g, code.error().what());
      else std::printf("%d\n", *code);
    }
  });
}

}  // namespace minirun::cmd
