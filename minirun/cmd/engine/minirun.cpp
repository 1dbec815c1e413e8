/**
 * @file minirun.cpp
 * @brief `minirun`: the single-host container engine a learner types, `docker run` and friends.
 *
 * `minirun run -d --name web -m 64m busybox httpd -f` resolves the image in the
 * imagebuilder store, writes an OCI bundle with Docker's defaults, and hands the
 * container to a small monitor process; `ps`, `logs`, `stop`, `rm`, `inspect`, `exec`,
 * `stats` find it again on disk. There is no daemon: see minirun/engine/engine.hpp for the
 * life of a container, and docs/reading-order.md for the source tour.
 *
 * Lab: labs/01-image-and-container.
 */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "minirun/cmd/engine/commands.hpp"

namespace minirun::cmd {

void fail(Globals& g, const std::string& message, int code) {
  std::fprintf(stderr, "minirun: %s\n", message.c_str());
  g.exit_code = code;
}

std::string human_duration(int64_t seconds) {
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  const int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  const int64_t hours = (seconds + 1800) / 3600;
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  return std::to_string(hours / 24 / 7) + " weeks";
}

}  // namespace minirun::cmd

namespace {

using minirun::cmd::Globals;

/// One group of commands (commands.hpp) and the subcommand names, aliases included, it adds.
struct CommandGroup {
  void (*add)(CLI::App&, Globals&);
  std::vector<std::string_view> names;
};

const std::vector<CommandGroup>& command_groups() {
  using namespace minirun::cmd;
  static const std::vector<CommandGroup> groups = {
      {add_run_command, {"run"}},
      {add_create_command, {"create"}},
      {add_lifecycle_commands, {"start", "stop", "restart", "kill", "rm", "pause", "unpause", "wait"}},
      {add_info_commands, {"ps", "inspect", "logs", "stats", "top"}},
      {add_exec_commands, {"exec", "cp"}},
      {add_volume_commands, {"volume", "system"}},
      {add_network_commands, {"network"}},
  };
  return groups;
}

/// What the command line says before the parser has run: the subcommand (the first word
/// that is neither a global option nor its value; empty when there is none, or when it
/// asks for help) and the global --data-root (or --root), `data_root` when not given.
struct Prescan {
  std::string_view command;
  std::string data_root;
};

Prescan prescan(int argc, char** argv, std::string data_root) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--data-root" || word == "--root" || word == "--image-root") {
      if (word != "--image-root" && i + 1 < argc) data_root = argv[i + 1];
      ++i;  // and its value
      continue;
    }
    if (word.rfind("--data-root=", 0) == 0 || word.rfind("--root=", 0) == 0) {
      data_root = std::string(word.substr(word.find('=') + 1));
      continue;
    }
    if (word.rfind("--image-root=", 0) == 0) continue;
    if (word.empty() || word[0] == '-') return {{}, data_root};  // --help, or what only the full parser can judge
    return {word, data_root};
  }
  return {{}, data_root};
}

/// The command line parser, with every group of commands, or only `only`.
std::unique_ptr<CLI::App> build_app(Globals& g, const CommandGroup* only) {
  auto app = std::make_unique<CLI::App>(
      "minirun: run containers from images, Docker-style (run, ps, logs, exec, stop, rm, inspect, ...)");
  app->require_subcommand(1);
  app->add_option("--data-root,--root", g.data_root,
                  "Engine state: containers, volumes, runtime state (env MINIRUN_ROOT; one per simulated node)")
      ->capture_default_str();
  app->add_option("--image-root", g.image_root, "The imagebuilder image store (env IMAGEBUILDER_ROOT)")
      ->capture_default_str();
  for (const auto& group : command_groups())
    if (only == nullptr || only == &group) group.add(*app, g);
  return app;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace minirun::cmd;
  Globals g;
  const char* env_root = std::getenv("MINIRUN_ROOT");
  g.data_root = env_root != nullptr && *env_root != '\0' ? env_root : "/var/lib/minirun";
  const char* env_images = std::getenv("IMAGEBUILDER_ROOT");
  g.image_root = env_images != nullptr && *env_images != '\0' ? env_images : "/var/lib/minirun/images";

  // Building the parser for all ~40 commands and their ~250 options takes ~0.3 ms, a
  // twentieth of a whole `run --rm`: only the group of the command asked for is built.
  // `minirun --help`, a typo or no command at all get the full parser and its messages;
  // so would a name missing from command_groups() (slower, but still right).
  const Prescan line = prescan(argc, argv, g.data_root);
  const std::string_view name = line.command;
  // `run` starts its monitor process first thing: its ~0.7 ms start-up then runs beside
  // the parsing below and create(), not after them (engine.hpp, spawn_early_monitor).
  // A bad flag just lets it go (it exits without its orders); `run --help` does not make
  // one at all (nor a `-h` that is the container's own argument, as in `ls -h`: that run
  // spawns its monitor the usual way, a little later). Its command line names the data
  // root, so that `ps` (and a test looking for leftovers) can tell whose it is before its
  // orders say so.
  const bool help_asked = std::any_of(argv + 1, argv + argc, [](const char* word) {
    return std::string_view(word) == "--help" || std::string_view(word) == "-h";
  });
  if (name == "run" && !help_asked) {
    if (auto spawned = minirun::engine::spawn_early_monitor({}, line.data_root))
      g.early_monitor.emplace(std::move(*spawned));
  }
  const CommandGroup* group = nullptr;
  for (const auto& candidate : command_groups())
    for (std::string_view listed : candidate.names)
      if (!name.empty() && listed == name) group = &candidate;
  auto app = build_app(g, group);
  if (group != nullptr &&
      app->get_subcommands([&](const CLI::App* sub) { return sub->check_name(std::string(name)); }).empty())
    app = build_app(g, nullptr);
  try {
    app->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app->exit(e);
    return code == 0 ? 0 : 125;
  }
  return g.exit_code;
}
