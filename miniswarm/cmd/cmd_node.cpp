/**
 * @file cmd_node.cpp
 * @brief `miniswarm node ls | inspect | update | promote | demote | rm | ps`: the
 *        CLI11 wiring of cli/node_commands.hpp.
 *
 * Each callback builds a client for the local manager's socket, calls one function of
 * cli/node_commands.hpp with std::cout, and turns its Error into a CliError for main.
 * All decisions and all output live in cli/ (and its tests); this file only says which
 * flags each command has, with Docker's names.
 *
 * Docs: `docker node --help`.
 */
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "miniswarm/cli/cli_context.hpp"
#include "miniswarm/cli/local_node.hpp"
#include "miniswarm/cli/node_commands.hpp"

namespace miniswarm::cli {

namespace {

void or_fail(const minirun::sys::Result<void>& done) {
  if (!done.ok()) throw CliError{done.error().what()};
}

/// This node's id, or "" when it cannot be read (then no row gets the ` *`).
std::string self_id(const CliContext& ctx) {
  auto id = local_node_id(ctx.state_dir);
  return id.ok() ? *id : "";
}

void add_node_ls(CLI::App& node, CliContext& ctx) {
  auto* cmd = node.add_subcommand("ls", "List the swarm's nodes (* marks this node)");
  cmd->alias("list");
  auto options = std::make_shared<ListOptions>();
  cmd->add_flag("-q,--quiet", options->quiet, "Only display IDs");
  cmd->add_option("--format", options->format, "table (default), or json: one object per line");
  cmd->callback([&ctx, options] {
    or_fail(node_ls(ManagerClient(ctx.state_dir), self_id(ctx), *options, std::cout));
  });
}

void add_node_inspect(CLI::App& node, CliContext& ctx) {
  auto* cmd = node.add_subcommand("inspect", "Show nodes in detail (JSON, or --pretty)");
  auto names = std::make_shared<std::vector<std::string>>();
  auto pretty = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>();
  cmd->add_option("NODE", *names, "Node id, hostname or id prefix (self: this node)")->required();
  cmd->add_flag("--pretty", *pretty, "A human-readable summary instead of JSON");
  cmd->add_option("--format", *format, "json (the default)");
  cmd->callback([&ctx, names, pretty, format] {
    if (!format->empty() && *format != "json")
      throw CliError{"--format: only json is supported for inspect"};
    std::string self = self_id(ctx);
    std::vector<std::string> wanted = *names;
    for (auto& n : wanted) {
      if (n == "self" && !self.empty()) n = self;
    }
    or_fail(node_inspect(ManagerClient(ctx.state_dir), wanted, *pretty, self, std::cout));
  });
}

void add_node_update(CLI::App& node, CliContext& ctx) {
  auto* cmd = node.add_subcommand("update", "Change a node's availability or labels");
  auto flags = std::make_shared<NodeUpdateFlags>();
  auto name = std::make_shared<std::string>();
  cmd->add_option_function<std::string>(
         "--availability", [flags](const std::string& v) { flags->availability = v; },
         "active (takes tasks), pause (keeps its tasks, takes no new ones), drain (its tasks move "
         "away)")
      ->type_name("AVAILABILITY");
  cmd->add_option("--label-add", flags->label_add, "Add or change a label KEY=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY=VALUE");
  cmd->add_option("--label-rm", flags->label_rm, "Remove a label by key (repeatable)")
      ->allow_extra_args(false)
      ->type_name("KEY");
  cmd->add_option("NODE", *name, "Node id, hostname or id prefix")->required();
  cmd->callback([&ctx, flags, name] {
    or_fail(node_update(ManagerClient(ctx.state_dir), *name, *flags, std::cout));
  });
}

void add_node_role(CLI::App& node, CliContext& ctx, const std::string& verb, NodeRole role) {
  auto* cmd = node.add_subcommand(verb, role == NodeRole::kManager
                                            ? "Make workers managers (the role is recorded; "
                                              "a second manager process comes later)"
                                            : "Make managers workers");
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("NODE", *names, "Node id, hostname or id prefix")->required();
  cmd->callback([&ctx, names, role] {
    or_fail(node_set_role(ManagerClient(ctx.state_dir), *names, role, std::cout));
  });
}

void add_node_rm(CLI::App& node, CliContext& ctx) {
  auto* cmd = node.add_subcommand("rm", "Remove nodes from the swarm");
  cmd->alias("remove");
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  cmd->add_flag("-f,--force", *force,
                "Remove a node that is still Ready (its agent keeps running)");
  cmd->add_option("NODE", *names, "Node id, hostname or id prefix")->required();
  cmd->callback([&ctx, names, force] {
    or_fail(node_rm(ManagerClient(ctx.state_dir), *names, *force, std::cout));
  });
}

void add_node_ps(CLI::App& node, CliContext& ctx) {
  auto* cmd = node.add_subcommand("ps", "List the tasks on nodes (default: this node)");
  auto names = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<PsOptions>();
  cmd->add_option("NODE", *names, "Node id, hostname or id prefix (default: this node)");
  cmd->add_flag("--no-trunc", options->no_trunc, "Do not cut ids and errors");
  cmd->add_flag("-q,--quiet", options->quiet, "Only display task IDs");
  cmd->add_option("--format", options->format, "table (default), or json: one object per line");
  cmd->callback([&ctx, names, options] {
    auto self = local_node_id(ctx.state_dir);
    std::vector<std::string> wanted = *names;
    for (auto& n : wanted) {
      if (n == "self" && self.ok()) n = *self;
    }
    or_fail(node_ps(ManagerClient(ctx.state_dir), wanted, self.ok() ? *self : "", *options,
                    std::cout, self.ok() ? "" : self.error().what()));
  });
}

}  // namespace

void add_node_commands(CLI::App& app, CliContext& ctx) {
  auto* node = app.add_subcommand("node", "Manage the swarm's nodes (on a manager)");
  node->require_subcommand(1);
  add_node_ls(*node, ctx);
  add_node_inspect(*node, ctx);
  add_node_update(*node, ctx);
  add_node_role(*node, ctx, "promote", NodeRole::kManager);
  add_node_role(*node, ctx, "demote", NodeRole::kWorker);
  add_node_rm(*node, ctx);
  add_node_ps(*node, ctx);
}

}  // namespace miniswarm::cli
