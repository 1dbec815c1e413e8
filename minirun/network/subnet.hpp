/**
 * @file subnet.hpp
 * @brief IPv4 addresses and subnets: parsing "172.18.0.0/16", picking a free subnet
 * for a new network, and the names derived from an address (MAC, reverse DNS).
 *
 * Every bridge network has one IPv4 subnet. The bridge itself holds the first host
 * address (the gateway, 172.18.0.1) and each container gets another address from the
 * same range (see ipam.hpp). This file is the arithmetic underneath: an address is a
 * 32-bit number in host byte order, a subnet is a network address plus a prefix length,
 * and "is it inside", "do they overlap", "what is the broadcast" are a mask and a compare.
 *
 * What it follows:
 * - Docker's rules for `docker network create --subnet`: the text must be CIDR, and the
 *   host bits must be zero ("invalid subnet 172.18.0.1/16: did you mean 172.18.0.0/16?").
 *   The prefix must be 8..30: a /31 or /32 has no room for a gateway *and* a
 *   container, and a /7 or wider would swallow other people's networks.
 * - Docker's default address pools (libnetwork's `ipamutils`): 172.17.0.0/16 up to
 *   172.31.0.0/16, then 192.168.0.0/16 cut into sixteen /20s. A network created without
 *   `--subnet` gets the first pool entry that overlaps no existing network and no host
 *   route, so containers never shadow a LAN the host can already reach.
 * - Docker's MAC addresses for container interfaces: 02:42 followed by the four bytes of
 *   the IPv4 address (02 = "locally administered", so it cannot clash with a vendor
 *   MAC); the same address always gives the same MAC.
 * - RFC 1035 section 3.5: the reverse name for 172.18.0.2 is 2.0.18.172.in-addr.arpa,
 *   which the embedded DNS server answers PTR queries for.
 *
 * Deliberately left out: IPv6, custom `--ip-range` / `--aux-address`, and the
 * `default-address-pools` daemon setting (the pools here are Docker's built-in ones).
 * Parsing is strict on purpose: no leading zeros ("010" is octal to inet_aton(3) and
 * decimal to most people), no spaces, exactly four parts, as Go's net.ParseIP is.
 *
 * Man pages: inet_pton(3), ip(7). Docker docs: "docker network create", "Bridge
 * network driver". Lab: labs/08-networks.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"

namespace minirun::network {

/// An IPv4 address in host byte order (172.18.0.2 == 0xAC120002).
using Ipv4 = uint32_t;

/// Parses a strict dotted quad such as "172.18.0.2"; the error names the text.
sys::Result<Ipv4> parse_ipv4(std::string_view text);

/// "172.18.0.2".
std::string format_ipv4(Ipv4 address);

/// An IPv4 network: its first address and the number of leading network bits.
struct Subnet {
  Ipv4 network = 0;
  int prefix = 0;

  /// 255.255.0.0 for a /16, as a number.
  Ipv4 netmask() const;
  /// The last address of the subnet (all host bits set).
  Ipv4 broadcast() const;
  /// True when `address` lies inside the subnet (network and broadcast included).
  bool contains(Ipv4 address) const;
  /// True when the two subnets share at least one address.
  bool overlaps(const Subnet& other) const;
  /// network+1: Docker's default gateway, the bridge's own address.
  Ipv4 first_host() const;
  /// Number of addresses, network and broadcast included (65536 for a /16).
  uint64_t size() const;
  /// "172.18.0.0/16".
  std::string to_string() const;
  bool operator==(const Subnet&) const = default;
};

/// Parses "172.18.0.0/16". Errors: not CIDR, prefix outside 8..30 (a bridge needs room
/// for a gateway and a host), host bits set ("invalid subnet 172.18.0.1/16: did you
/// mean 172.18.0.0/16?").
sys::Result<Subnet> parse_subnet(std::string_view cidr);

/// Docker's default address pools, in the order they are tried.
std::vector<Subnet> default_address_pools();

/// The first default pool subnet that overlaps none of `taken` (existing networks AND
/// host routes); error "all default address pools are in use; pass --subnet" otherwise.
sys::Result<Subnet> pick_free_subnet(const std::vector<Subnet>& taken);

/// Docker-style MAC from the address: 02:42:ac:12:00:02 for 172.18.0.2.
std::string mac_for_address(Ipv4 address);

/// in-addr.arpa name for PTR lookups: "2.0.18.172.in-addr.arpa".
std::string reverse_dns_name(Ipv4 address);

}  // namespace minirun::network
