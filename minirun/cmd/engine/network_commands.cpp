/**
 * @file network_commands.cpp
 * @brief `minirun network create|ls|inspect|rm|connect|disconnect|prune`.
 *
 * Docker's commands and output: `create` prints the new network's id, `ls` the table
 * NETWORK ID / NAME / DRIVER / SCOPE (with the built-in `host` and `none` listed too, as
 * Docker lists them, though they have no bridge), `inspect` a JSON array with the
 * attached containers under "Containers". The work is in network_store.hpp (networks)
 * and engine_network.cpp (a container joining or leaving one).
 *
 * Lab: labs/08-networks.
 */
#include <cstdio>

#include "minirun/cmd/engine/commands.hpp"

namespace minirun::cmd {

namespace {

/// `network inspect`'s object: the network.json shape plus who is attached.
nlohmann::json inspect_json(engine::Engine& engine, const network::NetworkConfig& n) {
  nlohmann::json j = n.to_json();
  nlohmann::json containers = nlohmann::json::object();
  auto prefix = n.subnet.substr(n.subnet.find('/'));
  if (auto endpoints = engine.networks().endpoints(n); endpoints) {
    for (const auto& e : *endpoints) {
      containers[e.container_id] = {{"Name", e.name},
                                    {"MacAddress", e.mac},
                                    {"IPv4Address", e.ipv4 + prefix},
                                    {"Aliases", e.aliases},
                                    {"HostInterface", e.host_interface}};
    }
  }
  j["Containers"] = containers;
  return j;
}

std::map<std::string, std::string> label_map(const std::vector<std::string>& labels) {
  std::map<std::string, std::string> out;
  for (const auto& l : labels) {
    auto eq = l.find('=');
    out[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  return out;
}

}  // namespace

void add_network_commands(CLI::App& app, Globals& g) {
  static std::vector<std::string> names, labels, aliases;
  static std::string subnet, gateway, driver = "bridge", format, ip;
  static bool quiet = false, force = false, no_trunc = false;

  CLI::App* net = app.add_subcommand("network", "Manage networks (bridges, addresses, published ports, DNS)");
  net->require_subcommand(1);

  CLI::App* create = net->add_subcommand("create", "Create a bridge network (prints its id)");
  create->add_option("name", names, "Network name")->required()->expected(1);
  create->add_option("--subnet", subnet, "Subnet in CIDR form (default: the next free of 172.17-31.0.0/16, 192.168.x.0/20)");
  create->add_option("--gateway", gateway, "The bridge's address (default: the subnet's first)");
  create->add_option("-d,--driver", driver, "Driver: bridge (the only one on a single host)")->capture_default_str();
  create->add_option("-l,--label", labels, "Set a label (key=value)");
  create->callback([&g] {
    if (driver != "bridge") return fail(g, "--driver " + driver + ": only the bridge driver exists on a single host (overlay networks are miniswarm's)");
    engine::Engine engine = g.engine();
    auto n = engine.networks().create({names[0], subnet, gateway, label_map(labels)});
    if (!n) return fail(g, n.error().what());
    std::printf("%s\n", n->id.c_str());
  });

  CLI::App* ls = net->add_subcommand("ls", "List networks");
  ls->alias("list");
  ls->add_flag("-q,--quiet", quiet, "Only print ids");
  ls->add_flag("--no-trunc", no_trunc, "Print full ids");
  ls->add_option("--format", format, "table (default) or json");
  ls->callback([&g] {
    engine::Engine engine = g.engine();
    auto networks = engine.networks().list();
    if (format == "json") {
      for (const auto& n : networks) std::printf("%s\n", n.to_json().dump().c_str());
      return;
    }
    if (!quiet) std::printf("%-14s %-20s %-8s %s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
    for (const auto& n : networks) {
      const std::string id = no_trunc ? n.id : n.id.substr(0, 12);
      if (quiet) std::printf("%s\n", id.c_str());
      else std::printf("%-14s %-20s %-8s %s\n", id.c_str(), n.name.c_str(), "bridge", "local");
    }
    if (!quiet) {
      // Built in, no bridge and nothing on disk: `--network host` and `--network none`.
      std::printf("%-14s %-20s %-8s %s\n", "(built-in)", "host", "host", "local");
      std::printf("%-14s %-20s %-8s %s\n", "(built-in)", "none", "null", "local");
    }
  });

  CLI::App* inspect = net->add_subcommand("inspect", "Show networks as JSON, with their containers");
  inspect->add_option("names", names, "Networks")->required();
  inspect->callback([&g] {
    engine::Engine engine = g.engine();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& name : names) {
      auto n = engine.networks().find(name);
      if (!n) fail(g, n.error().what());
      else out.push_back(inspect_json(engine, *n));
    }
    std::printf("%s\n", out.dump(4).c_str());
  });

  CLI::App* rm = net->add_subcommand("rm", "Remove networks no container is attached to");
  rm->alias("remove");
  rm->add_option("names", names, "Networks")->required();
  rm->add_flag("-f,--force", force, "Do not fail when a network does not exist");
  rm->callback([&g] {
    engine::Engine engine = g.engine();
    for (const auto& name : names) {
      if (force && !engine.networks().find(name)) continue;
      if (auto r = engine.networks().remove(name); !r) fail(g, r.error().what());
      else std::printf("%s\n", name.c_str());
    }
  });

  CLI::App* connect = net->add_subcommand("connect", "Connect a container to a network");
  connect->add_option("names", names, "NETWORK CONTAINER")->required()->expected(2);
  connect->add_option("--ip", ip, "IPv4 address (default: the next free one)");
  connect->add_option("--alias", aliases, "Another DNS name for the container on this network");
  connect->callback([&g] {
    engine::Engine engine = g.engine();
    if (auto r = engine.connect(names[0], names[1], ip, aliases); !r) fail(g, r.error().what());
  });

  CLI::App* disconnect = net->add_subcommand("disconnect", "Disconnect a container from a network");
  disconnect->add_option("names", names, "NETWORK CONTAINER")->required()->expected(2);
  disconnect->callback([&g] {
    engine::Engine engine = g.engine();
    if (auto r = engine.disconnect(names[0], names[1]); !r) fail(g, r.error().what());
  });

  CLI::App* prune = net->add_subcommand("prune", "Remove networks no container is attached to");
  prune->add_flag("-f,--force", force, "Do not ask (the kit never asks; accepted for Docker compatibility)");
  prune->callback([&g] {
    engine::Engine engine = g.engine();
    auto removed = engine.networks().prune();
    if (!removed) return fail(g, removed.error().what());
    if (!removed->empty()) std::printf("Deleted Networks:\n");
    for (const auto& name : *removed) std::printf("%s\n", name.c_str());
  });
}

}  // namespace minirun::cmd
