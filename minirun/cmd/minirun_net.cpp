/**
 * @file minirun_net.cpp
 * @brief `minirun-net`: the one program that changes minirun's nftables table.
 *
 * Why a separate program: the engine's programs are linked statically (they start in a
 * few milliseconds), and Debian ships libnftables only as a shared library. So the
 * engine execs this small, dynamically linked program with a command, and reads its
 * answer on stdout or its error on stderr; that is the contract of a CNI plugin
 * (github.com/containernetworking/cni, SPEC.md), the interface podman and Kubernetes
 * runtimes use to let a separate binary set up networking. It also means a learner can
 * run every step the engine takes by hand, then look with `nft list table ip minirun`:
 *
 *     minirun-net ensure
 *     minirun-net add-network --bridge br-1a2b3c --subnet 172.18.0.0/16
 *     minirun-net publish 0.0.0.0:8080:172.18.0.2:80/tcp 127.0.0.1:0:172.18.0.2:53/udp
 *     minirun-net list
 *     minirun-net unpublish 0.0.0.0:8080:172.18.0.2:80/tcp
 *     minirun-net remove-network --bridge br-1a2b3c --subnet 172.18.0.0/16
 *
 * `publish` prints each mapping as it was applied, one per line: a host port given as 0
 * comes back as the random free port it got. Every command is safe to run twice (see
 * nat_table.hpp); errors go to stderr as "minirun-net: ..." with exit status 1. The
 * table is "minirun" unless --table (or $MINIRUN_NFT_TABLE) names another; the kit's
 * tests use "minirun_test_PID".
 *
 * This file only parses the command line; the decisions are in minirun/network/.
 * Man pages: nft(8), libnftables(3). Docker docs: "Packet filtering and firewalls".
 * Lab: labs/08-networks
 */
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "minirun/network/nat_rules.hpp"
#include "minirun/network/nat_table.hpp"
#include "minirun/network/nftables.hpp"

namespace net = minirun::network;

namespace {

int report(const std::string& message) {
  std::string hint;
  if (message.find("Operation not permitted") != std::string::npos)
    hint = " (reading or changing nftables needs CAP_NET_ADMIN: run minirun-net as root)";
  std::fprintf(stderr, "minirun-net: %s%s\n", message.c_str(), hint.c_str());
  return 1;
}

template <class T>
int check(const minirun::sys::Result<T>& r) {
  return r ? 0 : report(r.error().what());
}

minirun::sys::Result<std::vector<net::PortMapping>> parse_mappings(const std::vector<std::string>& args) {
  std::vector<net::PortMapping> out;
  for (const auto& arg : args) {
    auto m = net::parse_mapping_arg(arg);
    if (!m) return std::move(m.error());
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"minirun-net: applies minirun's published ports, masquerade and network isolation\n"
               "to one nftables table (family ip). The engine runs it; you can too.\n"
               "See the result with: nft list table ip minirun"};
  app.require_subcommand(1);
  std::string table(net::kDefaultNatTable);
  app.add_option("--table", table, "nftables table to use (family ip)")
      ->envname("MINIRUN_NFT_TABLE")
      ->capture_default_str();

  std::string bridge, subnet, format = "text";
  std::vector<std::string> mapping_args;
  const std::string mapping_help =
      "HOST_IP:HOST_PORT:CONTAINER_IP:CONTAINER_PORT/tcp|udp (HOST_IP 0.0.0.0 = every address, HOST_PORT 0 = pick one)";

  auto* ensure = app.add_subcommand("ensure", "create the table, its sets, maps and chains, unless it exists");
  auto* add_network = app.add_subcommand("add-network", "add a network's bridge and subnet (masquerade, isolation)");
  auto* remove_network = app.add_subcommand("remove-network", "remove a network's bridge and subnet");
  for (auto* c : {add_network, remove_network}) {
    c->add_option("--bridge", bridge, "the network's bridge interface, e.g. br-1a2b3c")->required();
    c->add_option("--subnet", subnet, "the network's subnet, e.g. 172.18.0.0/16")->required();
  }
  auto* publish = app.add_subcommand("publish", "publish host ports to containers (all or none); prints them");
  publish->add_option("mapping", mapping_args, mapping_help)->required();
  auto* unpublish = app.add_subcommand("unpublish", "stop publishing host ports (those that are published)");
  unpublish->add_option("mapping", mapping_args, mapping_help)->required();
  auto* list = app.add_subcommand("list", "print the published ports");
  list->add_option("--format", format, "text (one mapping a line) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  auto* remove_table = app.add_subcommand("remove-table", "delete the whole table");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report(std::string(e.what()) + " (see minirun-net --help)");
  }

  auto nft = net::Nftables::open();
  if (!nft) return report(nft.error().what());

  if (ensure->parsed()) return check(net::ensure_base(*nft, table));
  if (add_network->parsed()) return check(net::add_network(*nft, table, bridge, subnet));
  if (remove_network->parsed()) return check(net::remove_network(*nft, table, bridge, subnet));
  if (publish->parsed() || unpublish->parsed()) {
    auto mappings = parse_mappings(mapping_args);
    if (!mappings) return report(mappings.error().what());
    if (unpublish->parsed()) return check(net::unpublish(*nft, table, *mappings));
    auto assigned = net::publish_assigning(*nft, table, std::move(*mappings));
    if (!assigned) return report(assigned.error().what());
    for (const auto& m : *assigned) std::cout << net::format_mapping_arg(m) << "\n";
    return 0;
  }
  if (list->parsed()) {
    auto mappings = net::list_published(*nft, table);
    if (!mappings) return report(mappings.error().what());
    if (format == "json") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& m : *mappings)
        out.push_back({{"host_ip", m.host_ip.empty() ? "0.0.0.0" : m.host_ip},
                       {"host_port", m.host_port},
                       {"protocol", m.protocol},
                       {"container_ip", m.container_ip},
                       {"container_port", m.container_port}});
      std::cout << out.dump() << "\n";
    } else {
      for (const auto& m : *mappings) std::cout << net::format_mapping_arg(m) << "\n";
    }
    return 0;
  }
  if (remove_table->parsed()) return check(net::remove_table(*nft, table));
  return 0;
}
