/**
 * @file nat_rules.hpp
 * @brief Published ports, masquerade and network isolation as nftables text: the rules
 * are generated here, applied elsewhere (nftables.hpp, by the `minirun-net` program).
 *
 * A container on a bridge network has a private address (172.18.0.2) that nothing
 * outside the host can reach. Three pieces of NAT and filtering make it useful, the same
 * three Docker installs (docs.docker.com/network/packet-filtering-firewalls):
 * - *published ports* (`-p 8080:80`): a packet for port 8080 of any host address gets
 *   its destination rewritten to 172.18.0.2:80 (DNAT), both when it comes from another
 *   machine (hook prerouting) and when the host itself connects (hook output,
 *   127.0.0.1 included);
 * - *masquerade*: a container's packet leaving through the host's uplink gets the
 *   host's address as its source (SNAT), so that the answer finds its way back;
 * - *isolation*: two different networks cannot talk to each other through the host.
 *
 * The ruleset is ONE nftables table (family ip, named "minirun"), small enough to read
 * with `nft list table ip minirun`, and it never changes after it is made: every rule
 * looks things up in a set or a map, and adding a network or publishing a port only adds
 * *elements* (nft(8), "SETS" and "MAPS"). That is the design decision this file is built
 * around, for three reasons:
 * - removal cannot leave a rule behind (there are no per-container rules to forget);
 * - the table is made in one transaction that starts with `create table`, so two
 *   processes racing to make it cannot add the rules twice: the loser gets EEXIST;
 * - `create element` fails when the key exists, so the kernel itself refuses a host port
 *   that another container already publishes.
 *
 *     set bridges      { type ifname }                  every minirun bridge
 *     set same_bridge  { type ifname . ifname }         ("br-a" . "br-a") for each bridge
 *     set subnets      { type ipv4_addr; flags interval } their subnets
 *     map published    { inet_proto . inet_service : ipv4_addr . inet_service }      -p 8080:80
 *     map published_on { ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service }
 *                                                                          -p 127.0.0.1:8080:80
 *     chain publish      dnat via published_on, then via published
 *     chain prerouting   (nat, dstnat)  fib daddr type local jump publish
 *     chain output       (nat, -100)    fib daddr type local jump publish
 *     chain postrouting  (nat, srcnat)  three masquerade rules (see nat_rules.cpp)
 *     chain forward      (filter)       bridge -> another bridge: drop, unless to a
 *                                       published port (DNAT), which is open to all
 *
 * Isolation needs "input bridge differs from output bridge", and nftables cannot compare
 * two fields of a packet with each other. The usual answer is a set of every *pair* of
 * distinct bridges, but then adding a network means reading the other bridges first, and
 * two networks added at the same moment each miss the other: a hole. Here the rule is
 * `iifname @bridges oifname @bridges iifname . oifname != @same_bridge drop`: a network
 * adds only itself ("br-a", and "br-a" . "br-a"), which two racing processes cannot get
 * wrong, and the set grows with the number of networks, not its square.
 *
 * The other half of this file reads Docker's `-p` syntax, and the one-line form in which
 * the engine hands a resolved mapping to `minirun-net`
 * ("0.0.0.0:8080:172.18.0.2:80/tcp").
 *
 * Who applies it: `minirun-net` (minirun/cmd/minirun_net.cpp), a small program the
 * engine execs with a command, the way a CNI runtime execs a network plugin; the engine
 * itself sets net.ipv4.conf.BRIDGE.route_localnet=1, without which the kernel will not
 * route a packet from 127.0.0.1 out of a bridge at all.
 *
 * Everything here is pure text (no libnftables, no root), so it is unit-tested with
 * golden strings. Deliberately left out: IPv6 (`ip6` family, `[::1]:8080:80`), SCTP,
 * Docker's "any free port of a host range" form (`-p 8000-8010:80`), the userland
 * proxy (docker-proxy), and Docker's DOCKER-USER chain.
 *
 * Man pages: nft(8), libnftables(3). Docker docs: "Published ports", "Packet filtering
 * and firewalls" (docs.docker.com/network/packet-filtering-firewalls). CNI: the
 * containernetworking/cni SPEC.md. Lab: labs/08-networks
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace minirun::network {

/// One published port: host_ip:host_port/protocol -> container_ip:container_port.
struct PortMapping {
  std::string host_ip;  ///< "" = every host address (Docker's 0.0.0.0)
  uint16_t host_port = 0;  ///< 0 = pick a random free one (`-p 80`, `-p 127.0.0.1::80`)
  std::string protocol = "tcp";  ///< "tcp" or "udp"
  std::string container_ip;  ///< "" until the container has an address
  uint16_t container_port = 0;
  bool operator==(const PortMapping&) const = default;
};

/// Docker's -p syntax: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], with ranges
/// ("8080-8081:80-81", "80-81"). container_ip is left empty (unknown at parse time);
/// host_port 0 means "pick one". Errors name the value and what is wrong:
/// "invalid -p value '8080:80/sctp': protocol must be tcp or udp".
sys::Result<std::vector<PortMapping>> parse_publish_flag(std::string_view value);

/// "HOST_IP:HOST_PORT:CONTAINER_IP:CONTAINER_PORT/PROTO" (HOST_IP 0.0.0.0 = every host
/// address): what `minirun-net publish` takes and prints back.
std::string format_mapping_arg(const PortMapping& mapping);

/// The inverse of format_mapping_arg. HOST_PORT may be 0 ("pick one"); everything else
/// must be there and valid.
sys::Result<PortMapping> parse_mapping_arg(std::string_view arg);

/// "8080/tcp", or "127.0.0.1:8080/tcp" for a mapping bound to one address: how errors
/// name a host port.
std::string describe_host_port(const PortMapping& mapping);

/// True when the two mappings claim the same host port: same protocol and port, and the
/// same address or either one on every address (what bind(2) would also refuse).
bool host_ports_collide(const PortMapping& a, const PortMapping& b);

/// Checks a table name (letters, digits, `_`; it is pasted into nft commands).
sys::Result<void> check_table_name(std::string_view table);

/// Checks a bridge name (1-15 of letters, digits, `-`, `_`, `.`: IFNAMSIZ and what
/// ip-link(8) accepts, minus anything that could break out of nft's quotes).
sys::Result<void> check_bridge_name(std::string_view bridge);

/// A complete, resolved mapping: both addresses valid, both ports non-zero, tcp/udp.
sys::Result<void> check_mapping(const PortMapping& mapping);

/// The whole table in one transaction that begins with `create table`.
std::string nft_create_base(std::string_view table);

/// Elements for one network: its bridge, its (bridge . bridge) pair, its subnet.
/// `add element` of an existing element is not an error, so this is idempotent.
/// `subnet_cidr` must be normalized ("172.18.0.0/16"); see subnet.hpp.
std::string nft_add_network(std::string_view table, std::string_view bridge, std::string_view subnet_cidr);

/// `delete element ip T SET { e1, e2 }`, or "" when `elements` is empty. The elements
/// are written as the element_* functions below write them.
std::string nft_delete_elements(std::string_view table, std::string_view set,
                                const std::vector<std::string>& elements);

/// One `create element` per map, one transaction: all of `mappings` or none.
std::string nft_publish(std::string_view table, const std::vector<PortMapping>& mappings);

/// `delete element` of the keys of `mappings` (which the caller has seen exist).
std::string nft_unpublish(std::string_view table, const std::vector<PortMapping>& mappings);

/// How elements are spelled, both in the commands above and when a listing is read back.
std::string element_bridge(std::string_view bridge);       ///< "br-a" (quoted)
std::string element_same_bridge(std::string_view bridge);  ///< "br-a" . "br-a"
std::string element_published_key(const PortMapping& m);   ///< tcp . 8080  /  127.0.0.1 . tcp . 8080

/// "published" for a mapping on every address, "published_on" for one bound to host_ip.
std::string_view published_map_name(const PortMapping& mapping);

/// The elements of `nft -j list set ...` (libnftables' JSON, schema 1), spelled as the
/// element_* functions spell them; a subnet as "192.0.2.0/24". The error names `what`.
sys::Result<std::vector<std::string>> read_set_elements(const nlohmann::json& listing, std::string_view what);

/// The mappings in `nft -j list map ... published` or `published_on`.
sys::Result<std::vector<PortMapping>> read_published_elements(const nlohmann::json& listing, std::string_view what);

}  // namespace minirun::network
