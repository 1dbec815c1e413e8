/**
 * @file cmd_lab.cpp
 * @brief `miniswarm lab`: a multi-node cluster on one VM, for a class to watch.
 *
 *     miniswarm lab up [--nodes 3] [--root DIR] [--subnet 10.231.0.0/24] [--heartbeat-period 1s]
 *     miniswarm lab ls [--format json]
 *     miniswarm lab kill NODE        power cut: the node's agent and containers die at once
 *     miniswarm lab start NODE       boot a killed node again (same state, same address)
 *     miniswarm lab partition NODE   pull its cable (host end of its veth down)
 *     miniswarm lab heal NODE        plug it back in
 *     miniswarm lab down             remove everything `up` made
 *
 * Each node is a network namespace on the bridge `mswlab0` (lab_network.hpp) and an init
 * process in its own PID, mount and UTS namespaces (lab_node.hpp, node_init.hpp) that
 * runs the node's daemon: node-1 `miniswarm init`, the others `miniswarm join`. The CLI
 * on the host reaches the manager through node-1's local socket, a file under the lab
 * root, so `export MINISWARM_STATE_DIR=ROOT/node-1` is all the learner needs for
 * `miniswarm node ls` and `miniswarm service create`. This file is the wiring and the
 * part that talks to the manager (waiting for READY, the join token); the steps are in
 * lab_cluster.hpp. `lab node-init` is internal: the node's pid 1.
 *
 * Docs: docs/design/swarm.md ("A cluster on one VM: miniswarm lab"); ip-netns(8),
 * pid_namespaces(7).
 */
#include <CLI/CLI.hpp>

#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "miniswarm/cli/cli_context.hpp"
#include "miniswarm/cli/local_node.hpp"
#include "miniswarm/cli/node_commands.hpp"
#include "miniswarm/cli/table.hpp"
#include "miniswarm/cmd/swarm_commands.hpp"
#include "miniswarm/lab/lab_cluster.hpp"
#include "miniswarm/lab/lab_network.hpp"
#include "miniswarm/lab/lab_node.hpp"
#include "miniswarm/lab/node_init.hpp"

namespace miniswarm::cmd {

using cli::CliError;
using minirun::network::format_ipv4;
namespace lab = miniswarm::lab;

namespace {

using Clock = std::chrono::steady_clock;

void say(const std::string& line) { std::cout << "  " << line << "\n" << std::flush; }

std::string log_tail(const std::string& path, int lines = 8) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "    " + l + "\n";
  return out.empty() ? "    (empty)\n" : out;
}

/// Both logs of a node: its init's (with the boot command's output) and its daemon's.
std::string node_logs(const lab::NodePlan& node) {
  return "  " + node.state_dir + "/node.log:\n" + log_tail(node.state_dir + "/node.log") + "  " + node.state_dir +
         "/daemon.log:\n" + log_tail(node.state_dir + "/daemon.log");
}

lab::LabState load_or_fail(const std::string& root) {
  auto state = lab::load_lab_state(root);
  if (!state) throw CliError{state.error().what()};
  if (!state->has_value()) {
    throw CliError{"no lab in `" + root + "` (no lab.json): start one with `miniswarm lab up --root " + root + "`"};
  }
  return std::move(**state);
}

const lab::NodePlan& find_or_fail(const lab::LabState& state, const std::string& name) {
  auto node = state.plan.find(name);
  if (!node) throw CliError{node.error().what()};
  return **node;
}

bool init_alive(const lab::LabState& state, const lab::NodePlan& node) {
  auto it = state.inits.find(node.name);
  return it != state.inits.end() && lab::is_alive(it->second);
}

/// The manager's nodes (GET /v1/nodes through node-1's socket); empty when unreachable.
nlohmann::json manager_nodes(const lab::LabState& state) {
  cli::ManagerClient client(state.plan.nodes.front().state_dir);
  auto nodes = client.try_get("/v1/nodes");
  return nodes && nodes->is_array() ? *nodes : nlohmann::json::array();
}

int ready_count(const nlohmann::json& nodes, const std::string& hostname = "") {
  int ready = 0;
  for (const auto& n : nodes) {
    if (n.value("status", "") == "ready" && (hostname.empty() || n.value("hostname", "") == hostname)) ++ready;
  }
  return ready;
}

/// Waits for `done()` up to `timeout`; fails early when one of `watched` nodes' init dies.
/// Returns an empty string on success, else why it failed.
std::string wait_for(const lab::LabState& state, const std::vector<const lab::NodePlan*>& watched,
                     std::chrono::seconds timeout, const std::function<bool()>& done) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return "";
    for (const auto* node : watched) {
      if (!init_alive(state, *node)) return node->name + " powered off while booting; its logs end with:\n" + node_logs(*node);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string logs;
  for (const auto* node : watched) logs += node_logs(*node);
  return "not within " + std::to_string(timeout.count()) + " s; the logs end with:\n" + logs;
}

/// `lab up` after create_lab(): boot node-1, fetch the token, boot the others, wait.
/// Returns an empty string on success, else the failed step and why.
std::string boot_cluster(lab::LabState& state) {
  const lab::NodePlan& manager = state.plan.nodes.front();
  if (auto booted = lab::boot_node(state, manager, lab::first_boot_argv(state.plan, manager, ""),
                                   manager.state_dir + "/node.log");
      !booted) {
    return "step `boot node-1`: " + booted.error().what();
  }
  cli::ManagerClient client(manager.state_dir);
  std::string why = wait_for(state, {&manager}, std::chrono::seconds(30), [&] { return client.try_get("/v1/swarm").ok(); });
  if (!why.empty()) return "step `node-1 manager`: the manager did not answer on " + client.socket_path() + ": " + why;
  say("node-1: manager at " + state.plan.manager_endpoint());
  auto token = client.try_get("/v1/swarm/join-token/worker");
  if (!token) return "step `join token`: " + token.error().what();
  const std::string worker_token = token->value("token", "");

  std::vector<const lab::NodePlan*> all = {&manager};
  for (size_t i = 1; i < state.plan.nodes.size(); ++i) {
    const lab::NodePlan& node = state.plan.nodes[i];
    if (auto booted = lab::boot_node(state, node, lab::first_boot_argv(state.plan, node, worker_token),
                                     node.state_dir + "/node.log");
        !booted) {
      return "step `boot " + node.name + "`: " + booted.error().what();
    }
    say(node.name + ": joining");
    all.push_back(&node);
  }
  const int wanted = static_cast<int>(state.plan.nodes.size());
  int shown = -1;
  why = wait_for(state, all, std::chrono::seconds(60), [&] {
    int ready = ready_count(manager_nodes(state));
    if (ready != shown) say(std::to_string(ready) + "/" + std::to_string(wanted) + " nodes READY");
    shown = ready;
    return ready == wanted;
  });
  if (!why.empty()) return "step `nodes READY`: " + why;
  return "";
}

void lab_up(const lab::LabOptions& options) {
  std::cout << "Creating a lab of " << options.nodes << " node" << (options.nodes == 1 ? "" : "s") << " in "
            << options.root << "\n";
  auto created = lab::create_lab(options, say);
  if (!created) {
    throw CliError{"lab up: " + created.error().what() + "\nNothing was left behind."};
  }
  lab::LabState state = std::move(*created);
  std::string failed = boot_cluster(state);
  if (!failed.empty()) {
    // The logs are gone with the directories: keep what they said in the message.
    (void)lab::tear_down_lab(state, [](const std::string&) {}, 1000);
    if (failed.back() != '\n') failed += "\n";
    throw CliError{"lab up failed at " + failed +
                   "Everything it made has been removed. Check the lines above, then run `miniswarm lab up` again."};
  }
  const std::string node1 = state.plan.nodes.front().state_dir;
  std::cout << "\n";
  auto self = cli::local_node_id(node1);
  (void)cli::node_ls(cli::ManagerClient(node1), self ? *self : "", cli::ListOptions{}, std::cout);
  std::cout << "\nThe lab is up. The manager is node-1; talk to it through its local socket:\n\n"
            << "    export MINISWARM_STATE_DIR=" << node1 << "\n"
            << "    miniswarm node ls\n"
            << "    miniswarm service create --name web --replicas " << state.plan.nodes.size()
            << " busybox sleep 3600\n\n"
            << "Step into a node with `ip netns exec " << state.plan.nodes.back().netns << " sh`; break one with "
            << "`miniswarm lab kill|partition NODE`, mend it with `lab start|heal NODE`; `miniswarm lab down` "
            << "removes it all.\n";
}

void lab_ls(const std::string& root, const std::string& format) {
  lab::LabState state = load_or_fail(root);
  if (format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& node : state.plan.nodes) {
      auto it = state.inits.find(node.name);
      out.push_back({{"node", node.name},
                     {"address", format_ipv4(node.address)},
                     {"netns", node.netns},
                     {"host_veth", node.host_veth},
                     {"pid", it == state.inits.end() ? 0 : it->second.pid},
                     {"state", lab::node_status(state, node)},
                     {"role", node.is_manager() ? "manager" : "worker"}});
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"NODE", "ADDRESS", "NETNS", "PID", "STATE", "ROLE"}};
  for (const auto& node : state.plan.nodes) {
    auto it = state.inits.find(node.name);
    rows.push_back({node.name, format_ipv4(node.address), node.netns,
                    it == state.inits.end() ? "-" : std::to_string(it->second.pid), lab::node_status(state, node),
                    node.is_manager() ? "manager" : "worker"});
  }
  std::cout << cli::render_table(rows);
}

void lab_kill(const std::string& root, const std::string& name) {
  lab::LabState state = load_or_fail(root);
  const lab::NodePlan& node = find_or_fail(state, name);
  if (!init_alive(state, node)) throw CliError{node.name + " is not running: `miniswarm lab start " + node.name + "` boots it"};
  const int pid = state.inits.at(node.name).pid;
  auto removed = lab::power_off_node(state, node);
  if (!removed) throw CliError{removed.error().what()};
  std::cout << node.name << " powered off: SIGKILL to its init (pid " << pid
            << ") killed everything in its PID namespace, agent and containers included; " << *removed
            << " cgroup director" << (*removed == 1 ? "y" : "ies") << " removed.\n"
            << "The manager marks it DOWN after 3 missed heartbeats. `miniswarm lab start " << node.name
            << "` boots it again.\n";
}

void lab_start(const std::string& root, const std::string& name) {
  lab::LabState state = load_or_fail(root);
  const lab::NodePlan& node = find_or_fail(state, name);
  if (auto booted = lab::boot_node(state, node, lab::restart_argv(state.plan, node), node.state_dir + "/daemon.log");
      !booted) {
    throw CliError{"lab start: " + booted.error().what()};
  }
  const lab::NodePlan& manager = state.plan.nodes.front();
  std::vector<const lab::NodePlan*> watched = {&node};
  std::string why;
  if (!init_alive(state, manager)) {
    why = "";  // no manager to ask: the node is booted, nothing more to wait for
  } else {
    why = wait_for(state, watched, std::chrono::seconds(30),
                   [&] { return ready_count(manager_nodes(state), node.name) == 1; });
  }
  if (!why.empty()) throw CliError{"lab start: " + node.name + " did not become READY: " + why};
  std::cout << node.name << " is up again (init pid " << state.inits.at(node.name).pid
            << "); its agent reconciles with the manager, which shuts down the tasks it replaced.\n";
}

void lab_link(const std::string& root, const std::string& name, bool up) {
  lab::LabState state = load_or_fail(root);
  const lab::NodePlan& node = find_or_fail(state, name);
  if (!lab::link_is_up(node.host_veth).has_value()) {
    throw CliError{node.name + "'s cable `" + node.host_veth + "` is missing: `lab down` and `lab up` again"};
  }
  if (auto set = lab::set_link_up(node.host_veth, up); !set) throw CliError{set.error().what()};
  if (up) {
    std::cout << node.name << " healed: " << node.host_veth << " is up again; its agent reconnects "
              << "and the node turns READY.\n";
  } else {
    std::cout << node.name << " partitioned: " << node.host_veth << " (the host end of its cable) is down; "
              << "the manager marks it DOWN after 3 missed heartbeats. `miniswarm lab heal " << node.name
              << "` plugs it back in.\n";
  }
}

void lab_down(const std::string& root) {
  auto loaded = lab::load_lab_state(root);
  if (!loaded) throw CliError{loaded.error().what()};
  if (!loaded->has_value()) {
    std::cout << "No lab in " << root << ": nothing to remove.\n";
    return;
  }
  std::cout << "Removing the lab in " << root << "\n";
  if (auto down = lab::tear_down_lab(**loaded, say); !down) throw CliError{down.error().what()};
}

}  // namespace

void add_lab_commands(CLI::App& app, cli::CliContext& ctx) {
  auto* labcmd = app.add_subcommand("lab", "A multi-node cluster on this VM: nodes in network namespaces");
  labcmd->require_subcommand(1);
  auto root = std::make_shared<std::string>(lab::kDefaultRoot);
  auto add_root = [root](CLI::App* cmd) {
    cmd->add_option("--root", *root, "Where the lab keeps its nodes' state")->capture_default_str();
  };
  {
    auto* cmd = labcmd->add_subcommand("up", "Create the lab: a bridge, N nodes, a swarm of them");
    auto options = std::make_shared<lab::LabOptions>();
    auto period = std::make_shared<std::string>("1s");
    cmd->add_option("--nodes", options->nodes, "How many nodes (1 to 16)")->capture_default_str();
    cmd->add_option("--subnet", options->subnet, "The lab network (must not overlap the host's)")
        ->capture_default_str();
    cmd->add_option("--heartbeat-period", *period, "How often agents report")->capture_default_str();
    add_root(cmd);
    cmd->callback([options, period, root] {
      options->root = *root;
      options->heartbeat_period_ms = cli::parse_duration_ms(*period, "--heartbeat-period");
      lab_up(*options);
    });
  }
  {
    auto* cmd = labcmd->add_subcommand("ls", "List the lab's nodes: address, namespace, pid, state");
    auto format = std::make_shared<std::string>("table");
    cmd->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
    add_root(cmd);
    cmd->callback([root, format] { lab_ls(*root, *format); });
  }
  {
    auto* cmd = labcmd->add_subcommand("down", "Remove the lab: nodes, namespaces, veths, bridge, directories");
    add_root(cmd);
    cmd->callback([root] { lab_down(*root); });
  }
  struct NodeCommand {
    const char* name;
    const char* help;
  };
  for (const NodeCommand& c : {NodeCommand{"kill", "Power a node off: its agent and containers die at once"},
                               NodeCommand{"start", "Boot a killed node again"},
                               NodeCommand{"partition", "Cut a node's cable (its veth's host end goes down)"},
                               NodeCommand{"heal", "Plug a partitioned node back in"}}) {
    auto* cmd = labcmd->add_subcommand(c.name, c.help);
    auto node = std::make_shared<std::string>();
    cmd->add_option("NODE", *node, "node-N (or N)")->required();
    add_root(cmd);
    const std::string which = c.name;
    cmd->callback([root, node, which] {
      if (which == "kill") lab_kill(*root, *node);
      if (which == "start") lab_start(*root, *node);
      if (which == "partition") lab_link(*root, *node, false);
      if (which == "heal") lab_link(*root, *node, true);
    });
  }
  {
    // Internal: pid 1 of a node (lab_node.cpp starts it); hidden from --help.
    auto* cmd = labcmd->add_subcommand("node-init", "The node's init process (internal)");
    cmd->group("");
    auto options = std::make_shared<lab::NodeInitOptions>();
    cmd->add_option("--hostname", options->hostname)->required();
    cmd->add_option("--boot-file", options->boot_file)->required();
    cmd->callback([&ctx, options] {
      options->state_dir = ctx.state_dir;
      throw CliError{"", lab::run_node_init(*options)};
    });
  }
}

}  // namespace miniswarm::cmd
