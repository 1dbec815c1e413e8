/**
 * @file bridge.hpp
 * @brief The Linux bridge behind a minirun network: a virtual switch on the host.
 *
 * Docker's default single-host network is a *bridge network*: one Linux bridge device
 * on the host (`docker0`, or `br-<id>` for `docker network create`) acts as an Ethernet
 * switch. Each container's veth pair plugs one end into it (veth_endpoint.hpp), so the
 * containers of one network share a layer-2 segment and reach each other directly. The
 * bridge also carries an IPv4 address, the network's *gateway* (e.g. 172.18.0.1/16):
 * that makes the host a router for the subnet, and the containers' default route points
 * at it. Traffic leaving for the outside is then forwarded and masqueraded by the host
 * (nftables rules, another file's job).
 *
 * ensure_bridge() brings one bridge to that state and is idempotent, so the engine can
 * call it both when a network is created and before each container starts (after a
 * reboot the bridge is gone but the network is still in the store). It also sets two
 * sysctls, as Docker does:
 *  - `net.ipv4.ip_forward=1`: without it the host drops every packet it would have to
 *    route between the bridge and another interface. It is **host-wide** (for the whole
 *    network namespace): once on, the host routes between *all* its interfaces, not just
 *    for containers. Docker accepts that and so do we; Docker's docs on packet filtering
 *    explain why it then sets the iptables FORWARD policy to DROP.
 *  - `net.ipv4.conf.<bridge>.route_localnet=1`: lets packets to 127.0.0.0/8 be routed out
 *    of this bridge. A port published on the host's 127.0.0.1 is DNAT'd to a container
 *    address; without this knob the kernel treats the rewritten loopback-sourced packet
 *    as martian and drops it.
 *
 * host_ipv4_routes() lists the host's routes so the address allocator can refuse a
 * subnet that collides with one the host already uses (Docker's "Pool overlaps with
 * other one on this address space").
 *
 * What the same steps are with iproute2, for the learner (the kit never runs these; it
 * sends the same rtnetlink(7) messages through libnl-route-3):
 *
 *     ip link add name br-x type bridge
 *     ip addr add 172.18.0.1/16 dev br-x
 *     ip link set br-x up
 *     sysctl -w net.ipv4.ip_forward=1 net.ipv4.conf.br-x.route_localnet=1
 *     ip -4 route show table main          # host_ipv4_routes
 *     ip link delete br-x
 *
 * Man pages: ip-link(8), ip-address(8), ip-route(8), rtnetlink(7), netdevice(7)
 * (IFNAMSIZ); Docker docs: "Bridge network driver" and "Packet filtering and firewalls".
 * Left out: IPv6 on the bridge, the bridge's MTU and STP settings, VLAN filtering,
 * `com.docker.network.bridge.*` options, and firewall rules (nftables is its own file).
 *
 * Lab: labs/08-networks
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minirun/network/netns.hpp"
#include "minirun/network/subnet.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::network {

/// The longest interface name the kernel accepts: IFNAMSIZ (16) minus the NUL.
inline constexpr std::size_t kMaxInterfaceName = 15;

/// Checks that `name` can be a Linux interface name: 1..15 bytes, no `/`, no
/// whitespace or `:`, not `.` or `..` (the rules of the kernel's dev_valid_name()).
/// `role` says which name it is in the error ("bridge name", "host interface name").
sys::Result<void> check_interface_name(const std::string& name, std::string_view role);

/// True when an interface called `name` exists in the calling thread's network namespace.
bool link_exists(const std::string& name);

/// Makes sure bridge `name` exists, has `gateway`/`prefix` as its IPv4 address, and is up;
/// sets route_localnet=1 on it and the host-wide ip_forward=1. Idempotent. An existing
/// interface of that name that is not a bridge, or a bridge with another IPv4 address,
/// is an error (never changed). If it creates the bridge and a later step fails, it
/// deletes the bridge again.
sys::Result<void> ensure_bridge(const std::string& name, uint32_t gateway, int prefix);

/// Deletes bridge `name`; success when it does not exist. Refuses to delete an interface
/// of that name that is not a bridge.
sys::Result<void> delete_bridge(const std::string& name);

/// The destinations of the host's IPv4 routes in the main table as (network, prefix),
/// e.g. (0xC0000200, 24) for 192.0.2.0/24, skipping the default route and the routes
/// through interfaces whose names start with `skip_prefix` (minirun's own bridges; an
/// empty prefix skips none), for subnet-collision checks.
sys::Result<std::vector<std::pair<uint32_t, int>>> host_ipv4_routes(const std::string& skip_prefix);

/// RTM_NEWADDR on `socket`'s namespace: `address`/`prefix` (with its broadcast address,
/// as `ip addr add ... brd +` would) on interface `ifindex`. Shared with veth_endpoint.cpp.
sys::Result<void> add_ipv4_address(const RouteSocket& socket, int ifindex, uint32_t address, int prefix);

}  // namespace minirun::network
