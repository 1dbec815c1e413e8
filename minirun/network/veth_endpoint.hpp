/**
 * @file veth_endpoint.hpp
 * @brief A container's cable to the bridge: a veth pair, its address, its default route.
 *
 * A veth device (veth(4)) is always made as a *pair*: two Ethernet interfaces joined
 * back to back, so a frame sent into one comes out of the other. Put one end in the
 * container's network namespace (named `eth0` there) and plug the other into the bridge
 * on the host (the engine names it `mrv` + 8 hex of the container id + 4 of the network
 * id; Docker's are `veth` + 7 hex), and the container
 * is on the bridge network's Ethernet segment. Deleting either end deletes both; the
 * kernel also deletes the pair when the container's namespace dies with its last process,
 * which is why a crashed container leaves no veth behind.
 *
 * attach_endpoint() does, in order (each step with its reason):
 *  1. Create the pair in ONE RTM_NEWLINK request: the host end already enslaved to the
 *     bridge (IFLA_MASTER) and up; the container end created directly *inside* the
 *     namespace (IFLA_NET_NS_FD in the peer's part of the request), under its final name,
 *     with its MAC address. Creating it on the host and moving and renaming it later is
 *     more requests, and for a moment a stray `eth0` would exist on the host. (The
 *     container end cannot be created up: the kernel opens the peer before it has joined
 *     the two ends, and a veth without its other end refuses to open, ENOTCONN.)
 *  2. Open a netlink socket inside the namespace (netns.hpp): from now on every request
 *     acts there, while the thread itself is back on the host.
 *  3. Add the container's address, set the container end up (its subnet's route
 *     appears), set `lo` up (a new namespace's loopback is down), and add the default
 *     route via the gateway, the bridge's address, when this is the container's first
 *     network.
 * If any step fails it deletes the host end, which takes the container end with it: no
 * half-connected container, no orphaned veth.
 *
 * The iproute2 commands for the same thing, for the learner (the kit sends the
 * rtnetlink(7) messages itself through libnl-route-3; spawning `ip` costs milliseconds
 * per command, the whole attach here costs well under one):
 *
 *     ip link add mrv8cd9f216d20 master br-x up type veth \
 *         peer name eth0 netns /proc/PID/ns/net address 02:42:ac:12:00:02
 *     nsenter --net=/proc/PID/ns/net ip addr add 172.18.0.2/16 dev eth0
 *     nsenter --net=/proc/PID/ns/net ip link set eth0 up
 *     nsenter --net=/proc/PID/ns/net ip link set lo up
 *     nsenter --net=/proc/PID/ns/net ip route add default via 172.18.0.1
 *     ip link delete mrv8cd9f216d20                       # detach_endpoint
 *
 * Man pages: veth(4), ip-link(8), ip-address(8), ip-route(8), rtnetlink(7),
 * network_namespaces(7); Docker docs: "Bridge network driver" (container addressing,
 * `--mac-address`). Left out: IPv6 addresses, MTU, more than one address per endpoint,
 * per-endpoint routes other than the default, and the host end's name choice (the caller
 * derives it from the endpoint id).
 *
 * Lab: labs/08-networks
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "minirun/sys/error.hpp"

namespace minirun::network {

/// What one container's connection to one bridge network looks like.
struct EndpointConfig {
  std::string host_ifname;               ///< host end, e.g. "mrv8cd9f216d20" (<= 15 bytes)
  std::string bridge;                    ///< the bridge the host end is enslaved to
  std::string container_ifname = "eth0"; ///< the container end's name in its namespace
  uint32_t address = 0;                  ///< the container's IPv4 address (host byte order)
  int prefix = 0;                        ///< its subnet's prefix length
  uint32_t gateway = 0;                  ///< default route via this (if default_route)
  std::string mac;                       ///< "02:42:ac:12:00:02"; empty: the kernel picks one
  bool default_route = true;             ///< only the first network of a container gets one
};

/// A MAC address as the kernel takes it.
using MacAddress = std::array<uint8_t, 6>;

/// Parses "02:42:ac:12:00:02" (six two-digit hex bytes, `:`-separated). A multicast
/// address (lowest bit of the first byte set) is refused: the kernel refuses it on an
/// Ethernet interface, and the error here says why.
sys::Result<MacAddress> parse_mac(const std::string& text);

/// Checks a config before anything is created: interface names, a usable address and
/// prefix (not the subnet's network or broadcast address), a parseable MAC, and, with
/// default_route, a gateway inside the subnet that is not the address itself.
sys::Result<void> check_endpoint_config(const EndpointConfig& config);

/// Creates the veth pair with the container end created directly inside `netns_fd`
/// under its final name (IFLA_NET_NS_FD on the peer: one netlink request, no rename),
/// enslaved and up on the host side; then, through a netlink socket opened inside the
/// namespace: the address, `lo` up, and the default route via the gateway. On any failure
/// it deletes the host end (which deletes the pair) so nothing is left.
sys::Result<void> attach_endpoint(int netns_fd, const EndpointConfig& config);

/// Deletes the veth pair by its host end; success when it is gone already (it also goes
/// away by itself when the namespace dies). Refuses to delete an interface of that name
/// that is not a veth.
sys::Result<void> detach_endpoint(const std::string& host_ifname);

}  // namespace minirun::network
