/**
 * @file embedded_dns.cpp
 * @brief Networks and upstream servers of a container's DNS server; see embedded_dns.hpp.
 */
#include "minirun/engine/embedded_dns.hpp"

#include <sstream>

#include "minirun/network/network_store.hpp"
#include "minirun/network/subnet.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {

std::vector<std::string> nameservers_in(const std::string& resolv_conf) {
  std::vector<std::string> servers;
  std::istringstream lines(resolv_conf);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string keyword, address;
    if (words >> keyword >> address && keyword == "nameserver") servers.push_back(address);
  }
  return servers;
}

EmbeddedDnsPlan plan_embedded_dns(const ContainerConfig& c, const std::string& data_root) {
  EmbeddedDnsPlan plan;
  // Only the directory layout is needed here, not the plugin.
  const network::NetworkStore store(data_root, network::NetPlugin(""));
  for (const auto& a : c.networks) {
    if (a.network == "bridge") continue;
    auto gateway = network::parse_ipv4(a.gateway);
    const network::Subnet subnet{gateway ? *gateway : 0, a.prefix_len};
    plan.networks.push_back({a.network, store.names_dir(a.network_id),
                             gateway ? (*gateway & subnet.netmask()) : 0, a.prefix_len});
  }
  if (plan.networks.empty()) return plan;
  std::vector<std::string> servers = c.dns;
  if (servers.empty()) {
    auto host = sys::read_file("/etc/resolv.conf");
    if (host) servers = nameservers_in(*host);
  }
  for (const auto& server : servers) {
    auto address = network::parse_ipv4(server);
    if (address && (*address >> 24) != 127) plan.upstreams.emplace_back(*address, 53);
  }
  return plan;
}

}  // namespace minirun::engine
