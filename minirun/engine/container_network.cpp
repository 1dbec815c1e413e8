/**
 * @file container_network.cpp
 * @brief Leases at create, ports at start, veths per run, /etc files; see container_network.hpp.
 */
#include "minirun/engine/container_network.hpp"

#include <set>
#include <sstream>

#include "minirun/network/bridge.hpp"
#include "minirun/network/host_ports.hpp"
#include "minirun/network/subnet.hpp"
#include "minirun/network/veth_endpoint.hpp"

namespace minirun::engine {

NetworkKind network_kind(const std::string& mode) {
  if (mode == "none") return NetworkKind::none;
  if (mode == "host") return NetworkKind::host;
  if (mode.rfind("container:", 0) == 0) return NetworkKind::container;
  return NetworkKind::bridge;
}

namespace {

NetworkAttachment attachment_of(const network::NetworkConfig& n, const network::Endpoint& e) {
  NetworkAttachment a;
  a.network = n.name;
  a.network_id = n.id;
  a.aliases = e.aliases;
  a.ip_address = e.ipv4;
  auto subnet = network::parse_subnet(n.subnet);
  a.prefix_len = subnet ? subnet->prefix : 0;
  a.gateway = n.gateway;
  a.mac_address = e.mac;
  a.host_interface = e.host_interface;
  a.bridge = n.bridge;
  return a;
}

}  // namespace

Result<NetworkAttachment> connect_network(network::NetworkStore& networks, ContainerConfig& c,
                                          const std::string& name, const std::string& ip,
                                          const std::vector<std::string>& aliases) {
  const NetworkKind kind = network_kind(c.network_mode);
  if (kind != NetworkKind::bridge)
    return Error("container " + c.name + " uses --network " + c.network_mode +
                 ", which has no networks to add: create it with --network bridge or a network's name");
  auto n = name == "bridge" ? networks.ensure_default() : networks.find(name);
  if (!n) return std::move(n.error());
  for (const auto& a : c.networks)
    if (a.network_id == n->id) return Error("container " + c.name + " is already connected to network " + n->name);
  // Docker's rules: fixed addresses and aliases need a user-defined network (the default
  // bridge has no DNS to publish an alias in, and its addresses are the engine's to give).
  if (n->is_default() && !ip.empty())
    return Error("--ip: a fixed address is supported on user-defined networks only (`minirun network create`)");
  if (n->is_default() && !aliases.empty())
    return Error("--network-alias: aliases are supported on user-defined networks only (`minirun network create`)");
  network::EndpointRequest request{c.id, c.name, aliases, ip};
  auto endpoint = networks.connect(*n, request);
  if (!endpoint) return std::move(endpoint.error());
  NetworkAttachment a = attachment_of(*n, *endpoint);
  c.networks.push_back(a);
  return a;
}

Result<void> connect_at_create(network::NetworkStore& networks, ContainerConfig& c, const std::string& ip,
                               const std::vector<std::string>& aliases) {
  const NetworkKind kind = network_kind(c.network_mode);
  if (kind != NetworkKind::bridge) {
    if (!ip.empty()) return Error("--ip: a fixed address needs --network NAME of a user-defined network");
    if (!aliases.empty()) return Error("--network-alias needs --network NAME of a user-defined network");
    return sys::ok();
  }
  auto a = connect_network(networks, c, c.network_mode, ip, aliases);
  if (!a) return std::move(a.error());
  // The name it was asked by ("bridge" or a network's name) is what NetworkMode keeps.
  return sys::ok();
}

Result<void> disconnect_network(network::NetworkStore& networks, const ContainerConfig& c,
                                const NetworkAttachment& attachment) {
  auto n = networks.find(attachment.network_id);
  if (!n) return sys::ok();  // the network is gone, and its leases with it
  return networks.disconnect(*n, c.id);
}

Result<std::vector<std::string>> publish_ports(const network::NetworkStore& networks, const ContainerConfig& c) {
  std::vector<network::PortMapping> wanted = c.port_bindings;
  if (c.publish_all) {
    // -P: every EXPOSEd port that no -p covers, on a random host port.
    for (const auto& exposed : c.exposed_ports) {
      const auto slash = exposed.find('/');
      network::PortMapping m;
      try {
        m.container_port = static_cast<uint16_t>(std::stoi(exposed.substr(0, slash)));
      } catch (const std::exception&) {
        continue;  // an image's odd EXPOSE; Docker skips it too
      }
      m.protocol = slash == std::string::npos ? "tcp" : exposed.substr(slash + 1);
      const bool covered = std::any_of(wanted.begin(), wanted.end(), [&](const network::PortMapping& w) {
        return w.container_port == m.container_port && w.protocol == m.protocol;
      });
      if (!covered) wanted.push_back(m);
    }
  }
  if (wanted.empty() || c.networks.empty()) return std::vector<std::string>{};
  std::set<uint16_t> taken;
  std::vector<std::string> args;
  for (auto m : wanted) {
    m.container_ip = c.networks.front().ip_address;
    if (m.host_port == 0) {
      auto port = network::pick_free_host_port(m.protocol, taken);
      if (!port) return std::move(port.error()).context("-p " + std::to_string(m.container_port));
      m.host_port = *port;
    } else {
      MINIRUN_TRY(network::check_host_port_free(m.host_ip, m.host_port, m.protocol), "-p");
    }
    taken.insert(m.host_port);
    args.push_back(network::format_mapping_arg(m));
  }
  std::vector<std::string> command = {"publish"};
  command.insert(command.end(), args.begin(), args.end());
  MINIRUN_TRY(networks.plugin().run(command), "-p");
  return args;
}

Result<void> unpublish_ports(const network::NetPlugin& plugin, const std::vector<std::string>& mappings) {
  if (mappings.empty()) return sys::ok();
  std::vector<std::string> command = {"unpublish"};
  command.insert(command.end(), mappings.begin(), mappings.end());
  return plugin.run(command);
}

Result<network::EndpointConfig> endpoint_config(const NetworkAttachment& a, const std::string& container_ifname,
                                                bool default_route) {
  auto address = network::parse_ipv4(a.ip_address);
  auto gateway = network::parse_ipv4(a.gateway);
  if (!address || !gateway) return Error("network " + a.network + ": bad address in the container's config");
  network::EndpointConfig e;
  e.host_ifname = a.host_interface;
  e.bridge = a.bridge;
  e.container_ifname = container_ifname;
  e.address = *address;
  e.prefix = a.prefix_len;
  e.gateway = *gateway;
  e.mac = a.mac_address;
  e.default_route = default_route;
  return e;
}

network::Endpoint endpoint_of(const ContainerConfig& c, const NetworkAttachment& a) {
  return {c.id, c.name, a.aliases, a.ip_address, a.mac_address, a.host_interface};
}

Result<void> attach_networks(const ContainerConfig& c, int netns_fd) {
  for (size_t i = 0; i < c.networks.size(); ++i) {
    const NetworkAttachment& a = c.networks[i];
    auto config = endpoint_config(a, "eth" + std::to_string(i), i == 0);
    if (!config) return std::move(config.error());
    const network::EndpointConfig& e = *config;
    // The pair of the previous run (a restart) may still be on its way out with its
    // namespace, or a crash left one: it goes now, or the name would be taken.
    if (network::link_exists(e.host_ifname)) (void)network::detach_endpoint(e.host_ifname);
    if (auto r = network::attach_endpoint(netns_fd, e); !r) {
      for (size_t j = 0; j < i; ++j) (void)network::detach_endpoint(c.networks[j].host_interface);
      return std::move(r.error()).context("network " + a.network);
    }
  }
  return sys::ok();
}

void publish_container_names(const network::NetworkStore& networks, const ContainerConfig& c) {
  // A name that cannot be published makes the container unreachable by name, not broken:
  // the start goes on.
  for (const auto& a : c.networks) (void)networks.publish_names(a.network_id, endpoint_of(c, a));
}

void withdraw_container_names(const network::NetworkStore& networks, const ContainerConfig& c) {
  for (const auto& a : c.networks) networks.withdraw_names(a.network_id, c.id);
}

void detach_networks(const ContainerConfig& c) {
  for (const auto& a : c.networks) (void)network::detach_endpoint(a.host_interface);
}

std::string hosts_file(const ContainerConfig& c, const std::string& hostname) {
  std::string text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  // Docker: the container's own address with its name; without one, the Debian habit
  // of 127.0.1.1 so that `hostname -i` and programs that resolve their own name work.
  if (!c.networks.empty()) text += c.networks.front().ip_address + "\t" + hostname + "\n";
  else if (network_kind(c.network_mode) != NetworkKind::host) text += "127.0.1.1\t" + hostname + "\n";
  for (const auto& entry : c.extra_hosts) {
    const auto sep = entry.find_first_of(":=");
    text += entry.substr(sep + 1) + "\t" + entry.substr(0, sep) + "\n";
  }
  return text;
}

namespace {

bool on_user_network(const ContainerConfig& c) {
  return std::any_of(c.networks.begin(), c.networks.end(),
                     [](const NetworkAttachment& a) { return a.network != "bridge"; });
}

/// The host's resolv.conf minus loopback nameservers (a container's 127.0.0.53 is not
/// the host's), with --dns replacing the nameservers when given.
std::string host_servers(const ContainerConfig& c, const std::string& host) {
  std::istringstream lines(host);
  std::string line, out, dropped;
  bool any = false;
  for (const auto& server : c.dns) {
    out += "nameserver " + server + "\n";
    any = true;
  }
  while (std::getline(lines, line)) {
    if (line.rfind("nameserver", 0) == 0) {
      if (!c.dns.empty()) continue;
      const std::string address = line.substr(line.find_first_not_of(" \t", 10));
      if (address.rfind("127.", 0) == 0 || address == "::1") {
        dropped += address + " ";
        continue;
      }
      any = true;
    }
    out += line + "\n";
  }
  if (!any)
    out = "# minirun: the host's resolv.conf names only local resolvers (" + dropped +
          "), which the container cannot reach; pass --dns IP\n" + out;
  return out;
}

}  // namespace

std::string resolv_conf(const ContainerConfig& c, const std::string& host) {
  switch (network_kind(c.network_mode)) {
    case NetworkKind::none:
      return "# minirun: this container has no network but loopback (--network none), so no DNS server\n";
    case NetworkKind::host:
      return c.dns.empty() ? host : host_servers(c, host);
    case NetworkKind::container:
    case NetworkKind::bridge:
      break;
  }
  if (on_user_network(c)) {
    // The embedded DNS server, listening inside the container's own namespace (the
    // monitor runs it): container names and aliases of its networks; other names go to
    // the upstream servers (embedded_dns.hpp), or are refused when there are none.
    return "# minirun: the embedded DNS server answers the names of the containers on this\n"
           "# container's networks, and asks the host's resolvers (or --dns) for the rest\n"
           "nameserver 127.0.0.11\noptions ndots:0\n";
  }
  return host_servers(c, host);
}

namespace {

std::vector<network::PortMapping> published(const ContainerState& s) {
  std::vector<network::PortMapping> out;
  for (const auto& arg : s.published_ports)
    if (auto m = network::parse_mapping_arg(arg); m) out.push_back(*m);
  return out;
}

std::string host_ip_text(const network::PortMapping& m) { return m.host_ip.empty() ? "0.0.0.0" : m.host_ip; }

}  // namespace

std::string ports_column(const ContainerConfig& c, const ContainerState& s) {
  std::string text;
  std::set<std::string> shown;
  for (const auto& m : published(s)) {
    const std::string port = std::to_string(m.container_port) + "/" + m.protocol;
    text += (text.empty() ? "" : ", ") + host_ip_text(m) + ":" + std::to_string(m.host_port) + "->" + port;
    shown.insert(port);
  }
  for (const auto& p : c.exposed_ports)
    if (!shown.count(p)) text += (text.empty() ? "" : ", ") + p;
  return text;
}

nlohmann::json ports_json(const ContainerConfig& c, const ContainerState& s) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& p : c.exposed_ports) ports[p] = nullptr;
  for (const auto& m : published(s)) {
    const std::string port = std::to_string(m.container_port) + "/" + m.protocol;
    if (!ports[port].is_array()) ports[port] = nlohmann::json::array();
    ports[port].push_back({{"HostIp", host_ip_text(m)}, {"HostPort", std::to_string(m.host_port)}});
  }
  return ports;
}

Result<void> check_dns_flags(const std::vector<std::string>& dns, const std::vector<std::string>& extra_hosts) {
  for (const auto& server : dns) {
    if (!network::parse_ipv4(server))
      return Error("--dns " + server + ": not an IPv4 address (the kit's networks are IPv4 only)");
  }
  for (const auto& entry : extra_hosts) {
    const auto sep = entry.find_first_of(":=");
    if (sep == std::string::npos || sep == 0)
      return Error("--add-host " + entry + ": expected NAME:IP, as in --add-host db:10.0.0.5");
    const std::string address = entry.substr(sep + 1);
    if (address == "host-gateway")
      return Error("--add-host " + entry + ": host-gateway is not supported; give the gateway's address");
    if (!network::parse_ipv4(address)) return Error("--add-host " + entry + ": " + address + " is not an IPv4 address");
  }
  return sys::ok();
}

}  // namespace minirun::engine
