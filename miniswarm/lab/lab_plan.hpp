/**
 * @file lab_plan.hpp
 * @brief What a lab cluster will look like before anything is made: names, addresses,
 *        directories, and the commands each node boots with.
 *
 * `miniswarm lab up --nodes N` builds N swarm nodes on one VM. Each node is a set of
 * namespaces (lab_node.hpp) joined to its own network namespace, cabled to one host
 * bridge by a veth pair (lab_network.hpp). Everything about that cluster that can be
 * decided without touching the kernel is decided here, by pure functions, so that unit
 * tests can check it without root and `up`, `down`, `kill` and `start` all derive the
 * same names from the same few inputs (the root, the subnet, the node count):
 *
 *     bridge   mswlab0            the subnet's first address (10.231.0.1/24)
 *     node-I   netns mswlab-node-I (/run/netns, so `ip netns exec` reaches it)
 *              host veth end mswlab-nodeI, node end eth0 = the subnet's (I+1)-th address
 *              hostname node-I, state dir ROOT/node-I, image store ROOT/node-I/images
 *     node-1   the manager: `miniswarm init --lab`, listening on its address:2377
 *     node-2.. workers: `miniswarm join --token T <node-1>:2377`
 *
 * A subnet is refused when it overlaps a route or an address the host already has
 * (the error names which one): the lab's bridge route would otherwise shadow a network
 * the VM needs, the same reason Docker refuses "Pool overlaps with other one on this
 * address space".
 *
 * Left out: several labs at once (the bridge and namespace names are fixed: one lab per
 * VM), IPv6, more than one manager.
 *
 * Docs: docs/design/swarm.md ("A cluster on one VM: miniswarm lab"); ip-netns(8).
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "minirun/network/subnet.hpp"
#include "minirun/sys/error.hpp"

namespace miniswarm::lab {

inline constexpr const char* kBridgeName = "mswlab0";
inline constexpr const char* kDefaultRoot = "/var/lib/miniswarm-lab";
inline constexpr const char* kDefaultSubnet = "10.231.0.0/24";
inline constexpr int kMaxNodes = 16;
inline constexpr int kManagerPort = 2377;

/// What the learner typed (`lab up` flags).
struct LabOptions {
  int nodes = 3;
  std::string root = kDefaultRoot;
  std::string subnet = kDefaultSubnet;
  int64_t heartbeat_period_ms = 1000;
};

/// One node of the lab.
struct NodePlan {
  int index = 0;                      ///< 1-based; node-1 is the manager
  std::string name;                   ///< "node-2", also its hostname
  std::string netns;                  ///< "mswlab-node-2" under /run/netns
  std::string host_veth;              ///< "mswlab-node2", the host end of its cable
  minirun::network::Ipv4 address = 0; ///< its eth0 address
  std::string state_dir;              ///< ROOT/node-2
  std::string image_root;             ///< ROOT/node-2/images
  bool is_manager() const { return index == 1; }
};

/// The whole lab.
struct LabPlan {
  std::string root;
  std::string bridge = kBridgeName;
  minirun::network::Subnet subnet;
  minirun::network::Ipv4 gateway = 0;  ///< the bridge's address
  int64_t heartbeat_period_ms = 1000;
  std::vector<NodePlan> nodes;

  /// The node called `name` ("node-2" or just "2"), or an error listing the names.
  minirun::sys::Result<const NodePlan*> find(const std::string& name) const;
  /// "10.231.0.2:2377": where the workers join.
  std::string manager_endpoint() const;
};

/// Checks the options (1..16 nodes, an absolute root, a CIDR subnet with room for the
/// bridge and every node, a period of at least 100 ms) and derives the plan.
minirun::sys::Result<LabPlan> make_lab_plan(const LabOptions& options);

/// A route of the host's main table, and the interface it goes through.
struct HostRoute {
  minirun::network::Subnet destination;
  std::string device;
};

/// An IPv4 address the host holds.
struct HostAddress {
  minirun::network::Ipv4 address = 0;
  int prefix = 32;
  std::string device;
};

/// Refuses a subnet in 127.0.0.0/8, or one that overlaps a host route or contains a host
/// address; the error names the route or address and says to pass another --subnet.
minirun::sys::Result<void> check_subnet_is_free(const minirun::network::Subnet& subnet,
                                                const std::vector<HostRoute>& routes,
                                                const std::vector<HostAddress>& addresses);

/// The command a node runs the first time it boots: `init` on node-1, `join` on the
/// others (`worker_token` is only used there). argv[0] is "miniswarm".
std::vector<std::string> first_boot_argv(const LabPlan& plan, const NodePlan& node,
                                         const std::string& worker_token);

/// The command a powered-off node runs when it is started again: its daemon in the
/// foreground (`manager` or `agent`), with the credentials and store it already has.
std::vector<std::string> restart_argv(const LabPlan& plan, const NodePlan& node);

}  // namespace miniswarm::lab
