/**
 * @file lab_network.hpp
 * @brief The lab's wiring: one bridge on the host, and per node a named network
 *        namespace with a veth cable plugged into the bridge.
 *
 * A swarm node needs its own address, and nodes must reach each other by those
 * addresses as separate machines would. A network namespace (network_namespaces(7)) is
 * exactly a separate machine's network stack; a veth pair (veth(4)) is the cable, and
 * the Linux bridge `mswlab0` is the switch they all plug into, with the subnet's first
 * address so that the host (where the learner types) can reach every node too.
 *
 * Unlike a container's namespace, a node's namespace is *named*: created once by
 * `lab up` and bind-mounted on /run/netns/mswlab-node-I, as `ip netns add` does
 * (ip-netns(8)). A bind mount of /proc/PID/ns/net keeps the namespace alive with no
 * process in it, which matters twice:
 *  - `lab kill` powers a node off: its processes die, but its network card (the veth,
 *    with its address) stays, as a real machine's does, and `lab start` boots the node
 *    again on the same cable;
 *  - the learner can step into any node with `ip netns exec mswlab-node-2 sh` and look
 *    at it (`ip addr`, `ss -tnp`, `ping 10.231.0.2`).
 *
 * `lab partition` cuts the cable: it sets the *host* end of the node's veth down
 * (IFF_UP off, `ip link set mswlab-node2 down`). The node's own eth0 stays configured
 * but loses its carrier, so every packet between it and the others is dropped, and TCP
 * connections time out as after a pulled plug. `heal` sets it up again.
 *
 * What is reused from minirun's network layer: ensure_bridge()/delete_bridge() (which
 * also set net.ipv4.ip_forward=1, host-wide, as for any minirun bridge network) and
 * attach_endpoint()/detach_endpoint() (one RTM_NEWLINK makes the pair with the node end
 * already inside the namespace; then address, lo up, default route via the bridge).
 *
 * Left out: traffic shaping (delay, loss: `tc netem` would be the next step), NAT to
 * the outside world (the lab needs none: nodes only talk to each other and the host).
 *
 * Man pages: network_namespaces(7), ip-netns(8), veth(4), ip-link(8), rtnetlink(7).
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "miniswarm/lab/lab_plan.hpp"
#include "minirun/sys/error.hpp"

namespace miniswarm::lab {

/// /run/netns/NAME.
std::string netns_path(const std::string& name);

/// Creates network namespace NAME and pins it on /run/netns/NAME (a child unshare(2)s
/// CLONE_NEWNET and bind-mounts its /proc/self/ns/net there). Fails if the name exists.
minirun::sys::Result<void> create_named_netns(const std::string& name);

/// Unmounts and removes /run/netns/NAME; the namespace goes once no process is in it.
/// Success when it does not exist.
minirun::sys::Result<void> delete_named_netns(const std::string& name);

/// True when /run/netns/NAME exists.
bool named_netns_exists(const std::string& name);

/// Plugs `node` in: a veth pair with the host end (node.host_veth) on the lab bridge
/// and `eth0` inside the node's namespace with its address and a default route via the
/// bridge, and `lo` up.
minirun::sys::Result<void> connect_node(const LabPlan& plan, const NodePlan& node);

/// Deletes the node's veth pair by its host end; success when it is gone already.
minirun::sys::Result<void> disconnect_node(const NodePlan& node);

/// Sets interface `ifname` (in the host's namespace) up or down.
minirun::sys::Result<void> set_link_up(const std::string& ifname, bool up);

/// Whether host interface `ifname` is up; nullopt when it does not exist.
std::optional<bool> link_is_up(const std::string& ifname);

/// The host's IPv4 routes (main table, default route left out) and addresses, for
/// check_subnet_is_free().
minirun::sys::Result<std::vector<HostRoute>> list_host_routes();
minirun::sys::Result<std::vector<HostAddress>> list_host_addresses();

}  // namespace miniswarm::lab
