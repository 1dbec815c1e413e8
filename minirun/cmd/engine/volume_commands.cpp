/**
 * @file volume_commands.cpp
 * @brief `volume create|ls|inspect|rm|prune` and `system prune`.
 *
 * A volume is a directory the engine owns (volumes.hpp); these commands list and
 * remove them, refusing to remove one that a container (running or not) still names,
 * as Docker does. `system prune` removes stopped containers and the networks no
 * container uses, and with --volumes also volumes no container uses; it also deletes
 * what a killed --rm monitor left in the data root's trash/.
 */
#include <chrono>
#include <cstdio>

#include "minirun/cmd/engine/commands.hpp"
#include "minirun/engine/volumes.hpp"

namespace minirun::cmd {

namespace {

/// Names of the containers that mount volume `name`.
std::vector<std::string> users_of(const engine::Engine& engine, const std::string& name) {
  std::vector<std::string> users;
  for (const auto& v : engine.list(true))
    for (const auto& m : v.config.mounts)
      if (m.type == "volume" && m.source == name) users.push_back(v.config.name);
  return users;
}

}  // namespace

void add_volume_commands(CLI::App& app, Globals& g) {
  static std::vector<std::string> names, labels;
  static bool quiet = false, force = false, prune_volumes = false, all = false;
  static std::string format;

  CLI::App* volume = app.add_subcommand("volume", "Manage volumes (directories that outlive containers)");
  volume->require_subcommand(1);

  CLI::App* create = volume->add_subcommand("create", "Create a volume (anonymous without a name)");
  create->add_option("name", names, "Volume name")->expected(0, 1);
  create->add_option("-l,--label", labels, "Set a label (key=value)");
  create->callback([&g] {
    engine::Engine engine = g.engine();
    if (auto r = engine.store().prepare(); !r) return fail(g, r.error().what());
    std::map<std::string, std::string> label_map;
    for (const auto& l : labels) {
      auto eq = l.find('=');
      label_map[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
    }
    engine::VolumeStore store(engine.store().volumes_root());
    auto v = store.create(names.empty() ? "" : names[0], label_map);
    if (!v) return fail(g, v.error().what());
    std::printf("%s\n", v->name.c_str());
  });

  CLI::App* ls = volume->add_subcommand("ls", "List volumes");
  ls->add_flag("-q,--quiet", quiet, "Only print names");
  ls->add_option("--format", format, "table (default) or json");
  ls->callback([&g] {
    engine::Engine engine = g.engine();
    engine::VolumeStore store(engine.store().volumes_root());
    auto volumes = store.list();
    if (!quiet && format != "json") std::printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
    for (const auto& v : volumes) {
      if (quiet) std::printf("%s\n", v.name.c_str());
      else if (format == "json") std::printf("%s\n", v.to_json().dump().c_str());
      else std::printf("%-10s %s\n", "local", v.name.c_str());
    }
  });

  CLI::App* inspect = volume->add_subcommand("inspect", "Show volumes as JSON");
  inspect->add_option("names", names, "Volumes")->required();
  inspect->callback([&g] {
    engine::Engine engine = g.engine();
    engine::VolumeStore store(engine.store().volumes_root());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& n : names) {
      auto v = store.inspect(n);
      if (!v) fail(g, v.error().what());
      else out.push_back(v->to_json());
    }
    std::printf("%s\n", out.dump(4).c_str());
  });

  CLI::App* rm = volume->add_subcommand("rm", "Remove volumes no container uses");
  rm->add_option("names", names, "Volumes")->required();
  rm->add_flag("-f,--force", force, "Do not fail when a volume does not exist");
  rm->callback([&g] {
    engine::Engine engine = g.engine();
    engine::VolumeStore store(engine.store().volumes_root());
    for (const auto& n : names) {
      if (force && !store.inspect(n)) continue;
      if (auto r = store.remove(n, users_of(engine, n)); !r) fail(g, r.error().what());
      else std::printf("%s\n", n.c_str());
    }
  });

  CLI::App* vprune = volume->add_subcommand("prune", "Remove anonymous volumes no container uses (-a: all unused)");
  vprune->add_flag("-a,--all", all, "Also named volumes");
  vprune->callback([&g] {
    engine::Engine engine = g.engine();
    engine::VolumeStore store(engine.store().volumes_root());
    for (const auto& v : store.list()) {
      if ((!v.anonymous && !all) || !users_of(engine, v.name).empty()) continue;
      if (store.remove(v.name, {})) std::printf("Deleted volume %s\n", v.name.c_str());
    }
  });

  CLI::App* system = app.add_subcommand("system", "Engine-wide commands");
  system->require_subcommand(1);
  CLI::App* prune = system->add_subcommand(
      "prune",
      "Remove stopped containers, unused networks (and unused volumes with --volumes), and what a killed "
      "monitor or create left over a minute ago (trash/, half-made containers, dangling names)");
  prune->add_flag("--volumes", prune_volumes, "Also remove volumes no container uses");
  prune->add_flag("-f,--force", force, "Do not ask (the kit never asks; accepted for Docker compatibility)");
  prune->callback([&g] {
    engine::Engine engine = g.engine();
    int removed = 0;
    for (const auto& v : engine.list(true)) {
      if (v.state.status != engine::ContainerStatus::exited && v.state.status != engine::ContainerStatus::created &&
          v.state.status != engine::ContainerStatus::dead)
        continue;
      if (auto r = engine.remove(v.config.id, false, true); !r) fail(g, r.error().what());
      else {
        std::printf("Deleted container %s\n", v.config.id.c_str());
        ++removed;
      }
    }
    // A --rm container's files, left in trash/ by a monitor killed before it deleted
    // them (ContainerStore::retire); a minute old at least, so none still in hand.
    for (const auto& id : engine.store().sweep_trash(std::chrono::seconds(60)))
      std::printf("Deleted the files of removed container %s\n", id.c_str());
    // What a `create` killed half-way left: a directory without config.json, or a
    // name claimed for a container never made (also a minute old at least).
    for (const auto& what : engine.store().sweep_unfinished(std::chrono::seconds(60)))
      std::printf("Deleted the unfinished container %s (its create was interrupted)\n", what.c_str());
    if (auto networks = engine.networks().prune(); !networks) fail(g, networks.error().what());
    else
      for (const auto& name : *networks) std::printf("Deleted network %s\n", name.c_str());
    if (prune_volumes) {
      engine::VolumeStore store(engine.store().volumes_root());
      for (const auto& v : store.list())
        if (users_of(engine, v.name).empty() && store.remove(v.name, {})) std::printf("Deleted volume %s\n", v.name.c_str());
    }
    std::printf("Removed %d container(s)\n", removed);
  });
}

}  // namespace minirun::cmd
