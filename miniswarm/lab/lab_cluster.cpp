/**
 * @file lab_cluster.cpp
 * @brief Bringing a lab's wiring up and everything down (lab_cluster.hpp).
 */
#include "miniswarm/lab/lab_cluster.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minirun/network/bridge.hpp"
#include "minirun/sys/file.hpp"
#include "miniswarm/lab/lab_network.hpp"
#include "miniswarm/lab/lab_node.hpp"
#include "miniswarm/lab/node_init.hpp"

namespace miniswarm::lab {

using minirun::network::format_ipv4;
using minirun::sys::Error;
using minirun::sys::Result;

namespace {

/// The root must be absent or an empty directory: `down` deletes what is below it.
Result<bool> prepare_root(const std::string& root) {
  struct stat st {};
  if (::lstat(root.c_str(), &st) != 0) {
    MINIRUN_TRY(minirun::sys::make_directories(root, 0755), "--root");
    return true;
  }
  if (!S_ISDIR(st.st_mode)) return Error("--root `" + root + "` exists and is not a directory: choose another");
  auto dir = minirun::sys::open_file(root, O_RDONLY | O_DIRECTORY);
  if (!dir) return std::move(dir.error()).context("--root");
  auto names = minirun::sys::list_directory(dir->get(), root);
  if (!names) return std::move(names.error()).context("--root");
  if (!names->empty()) {
    return Error("--root `" + root + "` is not empty (and holds no lab.json): `lab down` deletes what is below the " +
                 "root, so give a new or empty directory");
  }
  return false;
}

/// Refuses names that another lab (or anyone) uses: they are fixed, one lab per VM.
Result<void> check_names_unused(const LabPlan& plan) {
  if (minirun::network::link_exists(plan.bridge)) {
    return Error("interface `" + plan.bridge + "` exists: another lab is up on this VM; run `miniswarm lab down " +
                 "--root <its root>` first (or `ip link delete " + plan.bridge + "` if it is a leftover)");
  }
  for (const auto& node : plan.nodes) {
    if (named_netns_exists(node.netns)) {
      return Error("network namespace `" + node.netns + "` exists: another lab is up; run `miniswarm lab down " +
                   "--root <its root>` first (or `ip netns delete " + node.netns + "`)");
    }
    if (minirun::network::link_exists(node.host_veth)) {
      return Error("interface `" + node.host_veth + "` exists: another lab is up; run `miniswarm lab down` first");
    }
  }
  return minirun::sys::ok();
}

Result<void> check_subnet(const LabPlan& plan) {
  auto routes = list_host_routes();
  if (!routes) return std::move(routes.error());
  auto addresses = list_host_addresses();
  if (!addresses) return std::move(addresses.error());
  return check_subnet_is_free(plan.subnet, *routes, *addresses);
}

/// The wiring steps after lab.json exists; the caller undoes them on failure.
Result<void> wire_lab(const LabState& state, const Progress& progress) {
  const LabPlan& plan = state.plan;
  MINIRUN_TRY(minirun::network::ensure_bridge(plan.bridge, plan.gateway, plan.subnet.prefix),
              "step `bridge " + plan.bridge + "`");
  progress("bridge " + plan.bridge + " " + format_ipv4(plan.gateway) + "/" + std::to_string(plan.subnet.prefix));
  for (const auto& node : plan.nodes) {
    MINIRUN_TRY(minirun::sys::make_directories(node.image_root, 0700), "step `" + node.name + " directories`");
    MINIRUN_TRY(create_named_netns(node.netns), "step `" + node.name + " network namespace`");
    MINIRUN_TRY(connect_node(plan, node), "step `" + node.name + " veth`");
    progress(node.name + ": netns " + node.netns + ", eth0 " + format_ipv4(node.address) + ", cable " +
             node.host_veth + " on " + plan.bridge);
  }
  return minirun::sys::ok();
}

}  // namespace

Result<LabState> create_lab(const LabOptions& options, const Progress& progress) {
  auto plan = make_lab_plan(options);
  if (!plan) return std::move(plan.error());
  auto existing = load_lab_state(plan->root);
  if (!existing) return std::move(existing.error());
  if (existing->has_value()) {
    return Error("a lab is already up in `" + plan->root + "`: run `miniswarm lab down --root " + plan->root +
                 "` first (or `lab ls` to see it)");
  }
  MINIRUN_TRY(check_names_unused(*plan), "step `names`");
  MINIRUN_TRY(check_subnet(*plan), "step `subnet`");
  auto created = prepare_root(plan->root);
  if (!created) return std::move(created.error()).context("step `root`");

  LabState state;
  state.plan = std::move(*plan);
  state.options = options;
  state.options.root = state.plan.root;
  state.root_created = *created;
  if (auto saved = save_lab_state(state); !saved) {
    if (state.root_created) ::rmdir(state.plan.root.c_str());
    return std::move(saved.error()).context("step `lab.json`");
  }
  if (auto wired = wire_lab(state, progress); !wired) {
    (void)tear_down_lab(state, [](const std::string&) {});
    return std::move(wired.error());
  }
  return state;
}

Result<void> boot_node(LabState& state, const NodePlan& node, const std::vector<std::string>& argv,
                       const std::string& boot_log) {
  if (auto it = state.inits.find(node.name); it != state.inits.end() && is_alive(it->second)) {
    return Error(node.name + " is running (pid " + std::to_string(it->second.pid) + "): `lab kill " + node.name +
                 "` powers it off first");
  }
  if (!named_netns_exists(node.netns)) {
    return Error(node.name + "'s network namespace `" + node.netns + "` is gone: `lab down` and `lab up` again");
  }
  const std::string boot_file = boot_file_path(node.state_dir);
  MINIRUN_TRY(write_boot_file(boot_file, argv, boot_log), node.name);
  const std::vector<std::string> init_argv = {"miniswarm", "--state-dir", node.state_dir, "lab", "node-init",
                                              "--hostname", node.name, "--boot-file", boot_file};
  auto id = spawn_node_init(netns_path(node.netns), init_argv, node.state_dir + "/node.log");
  if (!id) {
    ::unlink(boot_file.c_str());
    return std::move(id.error()).context(node.name);
  }
  state.inits[node.name] = *id;
  MINIRUN_TRY(save_lab_state(state), node.name);
  return minirun::sys::ok();
}

Result<int> power_off_node(const LabState& state, const NodePlan& node) {
  auto it = state.inits.find(node.name);
  if (it != state.inits.end()) MINIRUN_TRY(kill_node_init(it->second), "power off " + node.name);
  auto removed = remove_node_cgroups(node.state_dir);
  if (!removed) return std::move(removed.error()).context(node.name);
  return *removed;
}

std::string node_status(const LabState& state, const NodePlan& node) {
  auto link = link_is_up(node.host_veth);
  if (!link.has_value()) return "not wired";
  auto it = state.inits.find(node.name);
  if (it == state.inits.end() || !is_alive(it->second)) return "killed";
  return *link ? "running" : "partitioned";
}

Result<void> tear_down_lab(const LabState& state, const Progress& progress, int grace_ms) {
  const LabPlan& plan = state.plan;
  std::string failures;
  auto note = [&](const Result<void>& r, const std::string& what) {
    if (!r) failures += "\n  " + what + ": " + r.error().what();
  };
  // SIGTERM to every node first, so their daemons stop side by side, not one after another.
  for (const auto& [name, id] : state.inits) {
    if (is_alive(id)) ::kill(id.pid, SIGTERM);
  }
  for (const auto& node : plan.nodes) {
    if (auto it = state.inits.find(node.name); it != state.inits.end()) {
      bool was_running = is_alive(it->second);
      note(stop_node_init(it->second, grace_ms), node.name + " init");
      if (was_running) progress(node.name + ": stopped");
    }
  }
  for (const auto& node : plan.nodes) {
    auto removed = remove_node_cgroups(node.state_dir);
    if (!removed) failures += "\n  " + node.name + " cgroups: " + removed.error().what();
    if (removed && *removed > 0) progress(node.name + ": removed " + std::to_string(*removed) + " cgroup directories");
    note(disconnect_node(node), node.name + " veth");
    note(delete_named_netns(node.netns), node.name + " netns");
  }
  note(minirun::network::delete_bridge(plan.bridge), "bridge " + plan.bridge);
  for (const auto& node : plan.nodes) {
    if (minirun::sys::path_exists(node.state_dir)) note(minirun::sys::remove_tree(node.state_dir), node.state_dir);
  }
  if (failures.empty()) {
    ::unlink(lab_state_path(plan.root).c_str());
    if (state.root_created) ::rmdir(plan.root.c_str());
    progress("network, namespaces and " + plan.root + " removed");
    return minirun::sys::ok();
  }
  return Error("lab down left some things behind (lab.json kept; run `miniswarm lab down --root " + plan.root +
               "` again):" + failures);
}

}  // namespace miniswarm::lab
