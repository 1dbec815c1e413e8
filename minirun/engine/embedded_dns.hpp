/**
 * @file embedded_dns.hpp
 * @brief What the embedded DNS server of one container serves: which networks' names,
 *        and where it sends the names it does not know.
 *
 * Docker gives every container on a user-defined network a DNS server at 127.0.0.11:
 * the names of the other containers on its networks (their names, `--network-alias`es,
 * short ids) resolve to their addresses there, so `wget http://web/` works without
 * anyone editing /etc/hosts. In the kit the server is part of the container's monitor
 * (minirun-monitor): one UDP socket bound inside the container's network namespace, in
 * the same poll(2) loop as the container's output (network/dns_server.hpp has the
 * server, network/dns_resolver.hpp the answers).
 *
 * This file makes the plan the monitor binds it with:
 *  - the networks: every user-defined network the container is on (Docker's default
 *    `bridge` network has no discovery), each with the endpoints directory the answers
 *    come from, and its subnet (a reverse lookup of an unknown address there is
 *    NXDOMAIN, not a question for another server);
 *  - the upstream servers for every other name: `--dns` if given, else the host's own
 *    resolvers from /etc/resolv.conf, leaving out loopback ones (127.0.0.53 is the
 *    host's, and the query leaves from inside the container, where it is nobody).
 *
 * Lab: labs/09-discovery.
 */
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "minirun/engine/container_config.hpp"
#include "minirun/network/dns_resolver.hpp"

namespace minirun::engine {

struct EmbeddedDnsPlan {
  std::vector<network::DnsNetwork> networks;               ///< empty: no server at all
  std::vector<std::pair<uint32_t, uint16_t>> upstreams;  ///< address (host order), port
};

/// The plan for container `c` whose engine keeps its data in `data_root`.
EmbeddedDnsPlan plan_embedded_dns(const ContainerConfig& c, const std::string& data_root);

/// The nameserver addresses of a resolv.conf text, in order.
std::vector<std::string> nameservers_in(const std::string& resolv_conf);

}  // namespace minirun::engine
