/**
 * @file nat_rules.cpp
 * @brief The minirun table as nft(8) text, Docker's -p syntax, and reading set and map
 * listings back from libnftables' JSON; see nat_rules.hpp.
 */
#include "minirun/network/nat_rules.hpp"

#include <cctype>
#include <charconv>
#include <optional>

#include "minirun/network/subnet.hpp"
#include "minirun/sys/text.hpp"

namespace minirun::network {

namespace {

using sys::Error;

using sys::split;

/// A port number written the plain way: digits only (no sign, no spaces), 1..65535.
/// `allow_zero` is for the "pick one" 0 of the minirun-net form.
sys::Result<uint16_t> parse_port(std::string_view text, bool allow_zero = false) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
    return Error("'" + std::string(text) + "' is not a port number");
  if (ec == std::errc::result_out_of_range || value > 65535)
    return Error("port " + std::string(text) + " is out of range (ports are 1-65535)");
  if (value == 0 && !allow_zero) return Error("port 0 is not allowed (ports are 1-65535)");
  return static_cast<uint16_t>(value);
}

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  size_t size() const { return static_cast<size_t>(last - first) + 1; }
};

/// "80" or "80-81".
sys::Result<PortRange> parse_port_range(std::string_view text) {
  auto dash = text.find('-');
  auto first = parse_port(text.substr(0, dash));
  if (!first) return std::move(first.error());
  if (dash == std::string_view::npos) return PortRange{*first, *first};
  auto last = parse_port(text.substr(dash + 1));
  if (!last) return std::move(last.error());
  if (*last < *first) return Error("port range " + std::string(text) + " ends before it starts");
  return PortRange{*first, *last};
}

/// A host address: "" and 0.0.0.0 both mean every address and are stored as "".
sys::Result<std::string> parse_host_ip(std::string_view text) {
  if (text.empty()) return std::string();
  auto ip = parse_ipv4(text);
  if (!ip) return std::move(ip.error()).context("host address");
  return *ip == 0 ? std::string() : format_ipv4(*ip);
}

bool known_protocol(std::string_view p) { return p == "tcp" || p == "udp"; }

}  // namespace

sys::Result<std::vector<PortMapping>> parse_publish_flag(std::string_view value) {
  const std::string shown(value);
  auto bad = [&](const std::string& why) { return Error("invalid -p value '" + shown + "': " + why); };
  const std::string form = "expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp]";
  if (value.empty()) return bad("it is empty; " + form);

  std::string protocol = "tcp";
  std::string_view rest = value;
  if (auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    protocol = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (!known_protocol(protocol)) return bad("protocol must be tcp or udp");
  }
  if (!rest.empty() && rest.front() == '[') return bad("IPv6 host addresses are not supported (IPv4 only)");

  auto parts = split(rest, ':');
  if (parts.size() > 3) return bad(form);
  std::string_view ip_text = parts.size() == 3 ? parts[0] : std::string_view();
  std::string_view host_text = parts.size() >= 2 ? parts[parts.size() - 2] : std::string_view();
  std::string_view container_text = parts.back();
  if (container_text.empty()) return bad("the container port is missing; " + form);

  auto host_ip = parse_host_ip(ip_text);
  if (!host_ip) return bad(host_ip.error().message());
  auto container = parse_port_range(container_text);
  if (!container) return bad(container.error().message());
  PortRange host{0, 0};
  if (!host_text.empty()) {
    auto parsed = parse_port_range(host_text);
    if (!parsed) return bad(parsed.error().message());
    host = *parsed;
    if (host.size() != container->size())
      return bad("host ports " + std::string(host_text) + " are " + std::to_string(host.size()) +
                 " but container ports " + std::string(container_text) + " are " +
                 std::to_string(container->size()) + "; give ranges of the same length");
  }

  std::vector<PortMapping> out;
  for (size_t i = 0; i < container->size(); ++i) {
    PortMapping m;
    m.host_ip = *host_ip;
    m.host_port = host.first == 0 ? 0 : static_cast<uint16_t>(host.first + i);
    m.protocol = protocol;
    m.container_port = static_cast<uint16_t>(container->first + i);
    out.push_back(std::move(m));
  }
  return out;
}

std::string format_mapping_arg(const PortMapping& m) {
  return (m.host_ip.empty() ? std::string("0.0.0.0") : m.host_ip) + ":" + std::to_string(m.host_port) + ":" +
         m.container_ip + ":" + std::to_string(m.container_port) + "/" + m.protocol;
}

sys::Result<PortMapping> parse_mapping_arg(std::string_view arg) {
  const std::string shown(arg);
  auto bad = [&](const std::string& why) {
    return Error("invalid mapping '" + shown + "': " + why +
                 " (expected HOST_IP:HOST_PORT:CONTAINER_IP:CONTAINER_PORT/tcp|udp, e.g. "
                 "0.0.0.0:8080:172.18.0.2:80/tcp)");
  };
  auto slash = arg.rfind('/');
  if (slash == std::string_view::npos) return bad("the protocol is missing");
  PortMapping m;
  m.protocol = std::string(arg.substr(slash + 1));
  if (!known_protocol(m.protocol)) return bad("protocol must be tcp or udp");
  auto parts = split(arg.substr(0, slash), ':');
  if (parts.size() != 4) return bad("it has " + std::to_string(parts.size()) + " parts separated by ':', not 4");
  if (parts[0].empty()) return bad("the host address is empty (0.0.0.0 means every address)");
  auto host_ip = parse_host_ip(parts[0]);
  if (!host_ip) return bad(host_ip.error().message());
  m.host_ip = *host_ip;
  auto host_port = parse_port(parts[1], /*allow_zero=*/true);
  if (!host_port) return bad("host port: " + host_port.error().message());
  m.host_port = *host_port;
  auto container_ip = parse_ipv4(parts[2]);
  if (!container_ip) return bad(std::move(container_ip.error()).context("container address").message());
  m.container_ip = format_ipv4(*container_ip);
  auto container_port = parse_port(parts[3]);
  if (!container_port) return bad("container port: " + container_port.error().message());
  m.container_port = *container_port;
  if (*container_ip == 0) return bad("container address 0.0.0.0 is not the address of a container");
  return m;
}

std::string describe_host_port(const PortMapping& m) {
  return (m.host_ip.empty() ? "" : m.host_ip + ":") + std::to_string(m.host_port) + "/" + m.protocol;
}

bool host_ports_collide(const PortMapping& a, const PortMapping& b) {
  return a.protocol == b.protocol && a.host_port == b.host_port &&
         (a.host_ip.empty() || b.host_ip.empty() || a.host_ip == b.host_ip);
}

sys::Result<void> check_table_name(std::string_view table) {
  bool good = !table.empty() && table.size() <= 64 && std::isalpha(static_cast<unsigned char>(table[0]));
  for (char c : table) good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!good)
    return Error("table name '" + std::string(table) +
                 "' is not valid: use up to 64 letters, digits and '_', starting with a letter");
  return sys::ok();
}

sys::Result<void> check_bridge_name(std::string_view bridge) {
  bool good = !bridge.empty() && bridge.size() <= 15 && bridge != "." && bridge != "..";
  for (char c : bridge) good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (!good)
    return Error("bridge name '" + std::string(bridge) +
                 "' is not valid: use 1-15 letters, digits, '-', '_' or '.' (IFNAMSIZ is 16 with the NUL)");
  return sys::ok();
}

sys::Result<void> check_mapping(const PortMapping& m) {
  const std::string shown = format_mapping_arg(m);
  auto bad = [&](const std::string& why) { return Error("mapping " + shown + ": " + why); };
  if (!known_protocol(m.protocol)) return bad("protocol must be tcp or udp");
  if (m.host_port == 0) return bad("the host port is 0: pick a free one first");
  if (m.container_port == 0) return bad("the container port is 0");
  // Addresses are pasted into nft commands: they must be exactly a normalized dotted quad.
  if (!m.host_ip.empty()) {
    auto ip = parse_ipv4(m.host_ip);
    if (!ip || *ip == 0 || format_ipv4(*ip) != m.host_ip) return bad("host address is not a plain IPv4 address");
  }
  auto ip = parse_ipv4(m.container_ip);
  if (!ip || *ip == 0 || format_ipv4(*ip) != m.container_ip)
    return bad("container address '" + m.container_ip + "' is not a plain IPv4 address");
  return sys::ok();
}

// The base ruleset. Comments are part of it (nft keeps them and prints them with
// `nft list table`); each is short because the kernel keeps at most 128 bytes.
std::string nft_create_base(std::string_view table_name) {
  const std::string t = "ip " + std::string(table_name);
  std::string s;
  auto line = [&](const std::string& text) { s += text + "\n"; };
  line("create table " + t + " { comment \"minirun networks: published ports, masquerade, isolation\"; }");
  line("add set " + t + " bridges { type ifname; comment \"the bridge of every minirun network\"; }");
  line("add set " + t + " same_bridge { type ifname . ifname; comment \"bridge . bridge, for each: traffic that stays "
       "on its network\"; }");
  line("add set " + t + " subnets { type ipv4_addr; flags interval; comment \"the subnet of every minirun network\"; }");
  line("add map " + t + " published { type inet_proto . inet_service : ipv4_addr . inet_service; "
       "comment \"-p HOST_PORT:PORT, on every host address\"; }");
  line("add map " + t + " published_on { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; "
       "comment \"-p HOST_IP:HOST_PORT:PORT\"; }");
  // One address wins over every address, as a bind(2) to one address would.
  line("add chain " + t + " publish { comment \"published ports: DNAT to the container\"; }");
  line("add rule " + t + " publish dnat ip to ip daddr . meta l4proto . th dport map @published_on "
       "comment \"published on this address\"");
  line("add rule " + t + " publish dnat ip to meta l4proto . th dport map @published "
       "comment \"published on every address\"");
  // `fib daddr type local`: only packets for an address of this host are published
  // ports; a container talking to the same port number elsewhere is left alone.
  line("add chain " + t + " prerouting { type nat hook prerouting priority dstnat; policy accept; "
       "comment \"packets from other hosts and from containers\"; }");
  line("add rule " + t + " prerouting fib daddr type local jump publish comment \"to an address of this host\"");
  line("add chain " + t + " output { type nat hook output priority -100; policy accept; "
       "comment \"packets from the host itself, 127.0.0.1 included\"; }");
  line("add rule " + t + " output fib daddr type local jump publish comment \"to an address of this host\"");
  line("add chain " + t + " postrouting { type nat hook postrouting priority srcnat; policy accept; "
       "comment \"source NAT\"; }");
  // A reply to 127.0.0.1 could never leave the container: the source becomes the
  // bridge's address (the kernel routes 127/8 out of a bridge only with route_localnet=1).
  line("add rule " + t + " postrouting ip saddr 127.0.0.0/8 oifname @bridges masquerade "
       "comment \"host 127.0.0.1 -> published port -> container\"");
  // Hairpin: without it the target answers its neighbour directly, from an address the
  // neighbour never sent to, and the connection fails.
  line("add rule " + t + " postrouting ct status dnat ip saddr @subnets oifname @bridges masquerade "
       "comment \"hairpin: container -> published port -> container\"");
  line("add rule " + t + " postrouting ip saddr @subnets oifname != @bridges masquerade "
       "comment \"containers -> outside: the host's address\"");
  line("add chain " + t + " forward { type filter hook forward priority filter; policy accept; "
       "comment \"network isolation\"; }");
  // A published port is open to whoever reaches the host, containers of other networks
  // included (Docker's userland proxy gives the same result); the conntrack entry says
  // "dnat" for the replies too.
  line("add rule " + t + " forward iifname @bridges oifname @bridges ct status dnat accept "
       "comment \"to a published port: open to every network\"");
  line("add rule " + t + " forward iifname @bridges oifname @bridges iifname . oifname != @same_bridge drop "
       "comment \"from one minirun network to another\"");
  return s;
}

std::string element_bridge(std::string_view bridge) { return "\"" + std::string(bridge) + "\""; }

std::string element_same_bridge(std::string_view bridge) {
  return element_bridge(bridge) + " . " + element_bridge(bridge);
}

std::string element_published_key(const PortMapping& m) {
  std::string key = m.protocol + " . " + std::to_string(m.host_port);
  return m.host_ip.empty() ? key : m.host_ip + " . " + key;
}

std::string_view published_map_name(const PortMapping& m) { return m.host_ip.empty() ? "published" : "published_on"; }

std::string nft_add_network(std::string_view table, std::string_view bridge, std::string_view subnet_cidr) {
  const std::string t = "ip " + std::string(table);
  return "add element " + t + " bridges { " + element_bridge(bridge) + " }\n" + "add element " + t +
         " same_bridge { " + element_same_bridge(bridge) + " }\n" + "add element " + t + " subnets { " +
         std::string(subnet_cidr) + " }\n";
}

std::string nft_delete_elements(std::string_view table, std::string_view set,
                                const std::vector<std::string>& elements) {
  if (elements.empty()) return "";
  std::string s = "delete element ip " + std::string(table) + " " + std::string(set) + " { ";
  for (size_t i = 0; i < elements.size(); ++i) s += (i ? ", " : "") + elements[i];
  return s + " }\n";
}

namespace {

/// One command per map, `verb` element, with `with_values` (create) or keys only (delete).
std::string per_map(std::string_view verb, std::string_view table, const std::vector<PortMapping>& mappings,
                    bool with_values) {
  std::string s;
  for (std::string_view map : {"published", "published_on"}) {
    std::string elements;
    for (const auto& m : mappings) {
      if (published_map_name(m) != map) continue;
      if (!elements.empty()) elements += ", ";
      elements += element_published_key(m);
      if (with_values) elements += " : " + m.container_ip + " . " + std::to_string(m.container_port);
    }
    if (!elements.empty())
      s += std::string(verb) + " element ip " + std::string(table) + " " + std::string(map) + " { " + elements + " }\n";
  }
  return s;
}

}  // namespace

std::string nft_publish(std::string_view table, const std::vector<PortMapping>& mappings) {
  return per_map("create", table, mappings, true);
}

std::string nft_unpublish(std::string_view table, const std::vector<PortMapping>& mappings) {
  return per_map("delete", table, mappings, false);
}

// --- Reading listings back ------------------------------------------------------------
//
// `nft -j list set ip minirun bridges` prints {"nftables": [{"metainfo": ...},
// {"set": {"name": "bridges", "type": "ifname", "elem": ["br-a", "br-b"]}}]}; a map has
// "map" instead of "set" and each element is [key, value]; a concatenation is
// {"concat": [...]}, an interval element {"prefix": {"addr": ..., "len": ...}}; "elem" is
// absent when the set is empty (libnftables-json(5)).

namespace {

/// The "set" or "map" object of a listing.
sys::Result<const nlohmann::json*> find_set_object(const nlohmann::json& listing, std::string_view what) {
  // A listing of one set or map has just that one; a listing of the whole table has
  // them all, and `what` (the set's name) picks the one meant.
  const nlohmann::json* first = nullptr;
  if (listing.is_object() && listing.contains("nftables") && listing["nftables"].is_array()) {
    for (const auto& item : listing["nftables"]) {
      for (const char* kind : {"set", "map"}) {
        if (!item.is_object() || !item.contains(kind) || !item[kind].is_object()) continue;
        if (item[kind].value("name", "") == what) return &item[kind];
        if (first == nullptr) first = &item[kind];
      }
    }
  }
  if (first != nullptr) return first;
  return Error("listing of " + std::string(what) + ": no set or map in libnftables' JSON output");
}

/// An element as it appears in "elem", without the {"elem": {"val": ...}} wrapper that
/// elements with a timeout or comment get.
const nlohmann::json& element_value(const nlohmann::json& e) {
  if (e.is_object() && e.contains("elem") && e["elem"].is_object() && e["elem"].contains("val"))
    return e["elem"]["val"];
  return e;
}

/// The parts of a {"concat": [...]} of `count` parts, or nullptr.
const nlohmann::json* concat_parts(const nlohmann::json& e, size_t count) {
  if (!e.is_object() || !e.contains("concat") || !e["concat"].is_array() || e["concat"].size() != count) return nullptr;
  return &e["concat"];
}

std::optional<uint16_t> json_port(const nlohmann::json& j) {
  if (j.is_number_unsigned() && j.get<unsigned>() >= 1 && j.get<unsigned>() <= 65535) return j.get<uint16_t>();
  if (j.is_string()) {
    auto port = parse_port(j.get<std::string>());
    if (port) return *port;
  }
  return std::nullopt;
}

std::optional<std::string> json_protocol(const nlohmann::json& j) {
  if (j.is_string() && known_protocol(j.get<std::string>())) return j.get<std::string>();
  if (j.is_number_unsigned() && j.get<unsigned>() == 6) return "tcp";  // numeric output (nft -n)
  if (j.is_number_unsigned() && j.get<unsigned>() == 17) return "udp";
  return std::nullopt;
}

std::optional<std::string> json_ipv4(const nlohmann::json& j) {
  if (!j.is_string()) return std::nullopt;
  auto ip = parse_ipv4(j.get<std::string>());
  if (!ip) return std::nullopt;
  return format_ipv4(*ip);
}

}  // namespace

sys::Result<std::vector<std::string>> read_set_elements(const nlohmann::json& listing, std::string_view what) {
  auto set = find_set_object(listing, what);
  if (!set) return std::move(set.error());
  const nlohmann::json& s = **set;
  std::vector<std::string> out;
  if (!s.contains("elem")) return out;
  const nlohmann::json& type = s.contains("type") ? s["type"] : nlohmann::json();
  auto bad = [&](const nlohmann::json& e) {
    return Error("listing of " + std::string(what) + ": unexpected element " + e.dump());
  };
  for (const auto& raw : s["elem"]) {
    const nlohmann::json& e = element_value(raw);
    if (type == "ifname" && e.is_string()) {
      out.push_back(element_bridge(e.get<std::string>()));
    } else if (type == "ipv4_addr" && e.is_string()) {
      out.push_back(e.get<std::string>() + "/32");
    } else if (type == "ipv4_addr" && e.is_object() && e.contains("prefix")) {
      const auto& p = e["prefix"];
      if (!p.contains("addr") || !p["addr"].is_string() || !p.contains("len") || !p["len"].is_number_unsigned())
        return bad(e);
      out.push_back(p["addr"].get<std::string>() + "/" + std::to_string(p["len"].get<unsigned>()));
    } else if (const auto* parts = concat_parts(e, 2);
               parts && type == nlohmann::json::array({"ifname", "ifname"}) && (*parts)[0].is_string() &&
               (*parts)[1].is_string()) {
      out.push_back(element_bridge((*parts)[0].get<std::string>()) + " . " +
                    element_bridge((*parts)[1].get<std::string>()));
    } else {
      return bad(e);
    }
  }
  return out;
}

sys::Result<std::vector<PortMapping>> read_published_elements(const nlohmann::json& listing, std::string_view what) {
  auto map = find_set_object(listing, what);
  if (!map) return std::move(map.error());
  const nlohmann::json& s = **map;
  std::vector<PortMapping> out;
  if (!s.contains("elem")) return out;
  for (const auto& raw : s["elem"]) {
    auto bad = [&] { return Error("listing of " + std::string(what) + ": unexpected element " + raw.dump()); };
    if (!raw.is_array() || raw.size() != 2) return bad();
    const nlohmann::json& key = element_value(raw[0]);
    const nlohmann::json* value = concat_parts(raw[1], 2);
    const nlohmann::json* k = concat_parts(key, 2);
    if (!k) k = concat_parts(key, 3);
    if (!k || !value) return bad();
    PortMapping m;
    const size_t at = k->size() - 2;  // the protocol's position: after the host address, if any
    if (at == 1) {
      auto ip = json_ipv4((*k)[0]);
      if (!ip) return bad();
      m.host_ip = *ip;
    }
    auto protocol = json_protocol((*k)[at]);
    auto host_port = json_port((*k)[at + 1]);
    auto container_ip = json_ipv4((*value)[0]);
    auto container_port = json_port((*value)[1]);
    if (!protocol || !host_port || !container_ip || !container_port) return bad();
    m.protocol = *protocol;
    m.host_port = *host_port;
    m.container_ip = *container_ip;
    m.container_port = *container_port;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace minirun::network
