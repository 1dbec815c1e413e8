/**
 * @file lab_plan.cpp
 * @brief Names, addresses and boot commands of a lab cluster (lab_plan.hpp).
 */
#include "miniswarm/lab/lab_plan.hpp"

#include <cctype>

namespace miniswarm::lab {

using minirun::network::format_ipv4;
using minirun::network::Subnet;
using minirun::sys::Error;
using minirun::sys::Result;

Result<const NodePlan*> LabPlan::find(const std::string& name) const {
  std::string wanted = name;
  bool digits = !name.empty();
  for (char c : name) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) wanted = "node-" + name;
  for (const auto& node : nodes) {
    if (node.name == wanted) return &node;
  }
  std::string names;
  for (const auto& node : nodes) names += (names.empty() ? "" : ", ") + node.name;
  return Error("no lab node `" + name + "`: this lab has " + names);
}

std::string LabPlan::manager_endpoint() const {
  return nodes.empty() ? "" : format_ipv4(nodes.front().address) + ":" + std::to_string(kManagerPort);
}

Result<LabPlan> make_lab_plan(const LabOptions& options) {
  if (options.nodes < 1 || options.nodes > kMaxNodes) {
    return Error("--nodes " + std::to_string(options.nodes) + ": a lab has 1 to " + std::to_string(kMaxNodes) +
                 " nodes (each one is a manager or agent with its containers, on a 2-core VM)");
  }
  if (options.root.empty() || options.root[0] != '/') {
    return Error("--root `" + options.root + "`: give an absolute path (the nodes' state lives below it)");
  }
  if (options.heartbeat_period_ms < 100) {
    return Error("--heartbeat-period: at least 100ms (agents could not keep up with a shorter one)");
  }
  auto subnet = minirun::network::parse_subnet(options.subnet);
  if (!subnet) return std::move(subnet.error()).context("--subnet");
  // The network and broadcast addresses are unusable, the first host is the bridge.
  const uint64_t usable = subnet->size() - 2;
  if (usable < static_cast<uint64_t>(options.nodes) + 1) {
    return Error("--subnet " + subnet->to_string() + " has room for " + std::to_string(usable - 1) + " nodes, not " +
                 std::to_string(options.nodes) + ": use a wider prefix (a /24 holds them all)");
  }
  LabPlan plan;
  plan.root = options.root;
  while (plan.root.size() > 1 && plan.root.back() == '/') plan.root.pop_back();
  plan.subnet = *subnet;
  plan.gateway = subnet->first_host();
  plan.heartbeat_period_ms = options.heartbeat_period_ms;
  for (int i = 1; i <= options.nodes; ++i) {
    NodePlan node;
    node.index = i;
    node.name = "node-" + std::to_string(i);
    node.netns = "mswlab-" + node.name;
    node.host_veth = "mswlab-node" + std::to_string(i);
    node.address = plan.gateway + static_cast<uint32_t>(i);
    node.state_dir = plan.root + "/" + node.name;
    node.image_root = node.state_dir + "/images";
    plan.nodes.push_back(node);
  }
  return plan;
}

Result<void> check_subnet_is_free(const Subnet& subnet, const std::vector<HostRoute>& routes,
                                  const std::vector<HostAddress>& addresses) {
  const std::string what = "--subnet " + subnet.to_string();
  const Subnet loopback{0x7F000000u, 8};
  if (subnet.overlaps(loopback)) {
    return Error(what + " overlaps the loopback range 127.0.0.0/8: choose a private range such as 10.231.0.0/24");
  }
  for (const auto& route : routes) {
    if (subnet.overlaps(route.destination)) {
      return Error(what + " overlaps the host route " + route.destination.to_string() +
                   (route.device.empty() ? "" : " dev " + route.device) +
                   ": the lab's bridge would shadow it; pass another --subnet (e.g. 10.232.0.0/24)");
    }
  }
  for (const auto& address : addresses) {
    if (subnet.contains(address.address)) {
      return Error(what + " contains the host address " + format_ipv4(address.address) + "/" +
                   std::to_string(address.prefix) + (address.device.empty() ? "" : " on " + address.device) +
                   ": pass another --subnet (e.g. 10.232.0.0/24)");
    }
  }
  return minirun::sys::ok();
}

namespace {

std::string duration_text(int64_t ms) { return std::to_string(ms) + "ms"; }

}  // namespace

// The manager listens on every address *of its own namespace* (eth0 and lo): its own
// agent reaches it over 127.0.0.1, the others over eth0; the host's addresses are not
// in that namespace, so nothing outside the lab can reach it.
std::vector<std::string> first_boot_argv(const LabPlan& plan, const NodePlan& node, const std::string& worker_token) {
  const std::string address = format_ipv4(node.address);
  if (node.is_manager()) {
    return {"miniswarm",       "--state-dir",      node.state_dir,
            "init",            "--lab",            "--heartbeat-period",
            duration_text(plan.heartbeat_period_ms), "--advertise-addr", address,
            "--listen-addr",   std::string("0.0.0.0:") + std::to_string(kManagerPort),
            "--image-root",    node.image_root};
  }
  return {"miniswarm",      "--state-dir", node.state_dir, "join",         "--token", worker_token,
          "--advertise-addr", address,     "--image-root", node.image_root, plan.manager_endpoint()};
}

std::vector<std::string> restart_argv(const LabPlan& plan, const NodePlan& node) {
  (void)plan;
  const std::string address = format_ipv4(node.address);
  if (node.is_manager()) {
    return {"miniswarm",     "--state-dir", node.state_dir, "manager", "--image-root", node.image_root,
            "--listen-addr", std::string("0.0.0.0:") + std::to_string(kManagerPort), "--advertise-addr", address};
  }
  return {"miniswarm", "--state-dir", node.state_dir, "agent", "--image-root", node.image_root,
          "--advertise-addr", address};
}

}  // namespace miniswarm::lab
