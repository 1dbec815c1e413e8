/**
 * @file swarm_commands.hpp
 * @brief The swarm-level subcommands of `miniswarm` (cmd_swarm.cpp).
 */
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "miniswarm/cli/cli_context.hpp"

namespace miniswarm::cmd {

/// init, join, leave, join-token, manager, agent.
void add_swarm_commands(CLI::App& app, cli::CliContext& ctx);

/// lab up | ls | kill | start | partition | heal | down (cmd_lab.cpp).
void add_lab_commands(CLI::App& app, cli::CliContext& ctx);

/// What `leave` removes: this node's task containers (through the engine), its
/// credentials, and a manager's store. The daemon must be stopped first.
void remove_node_state(const std::string& state_dir);

}  // namespace miniswarm::cmd
