/**
 * @file cli_context.hpp
 * @brief What the `miniswarm` subcommands share, and the seam between `main` and the
 *        command groups.
 *
 * The program is one CLI11 app. `main` (cmd/miniswarm.cpp) owns a CliContext, binds
 * the global `--state-dir` into it, and hands it to each group of subcommands:
 * the swarm group (cmd/cmd_swarm.cpp: init, join, leave, join-token, the daemons), the
 * node group (cmd/cmd_node.cpp) and the service group (cmd/cmd_service.cpp). The
 * groups read the context only when their callback runs, after parsing, so the global
 * flag may come anywhere on the line.
 *
 * A callback ends early by throwing CliError (cli_error.hpp); `main` prints it as
 * `miniswarm: <message>` on stderr and exits with its code. Everything else a command
 * needs, and all its logic, lives in cli/ (testable without a manager or a binary):
 * the client (manager_client.hpp), flag values (flag_parsing.hpp), the tables, and the
 * node/service command functions. This header includes the first two for the swarm
 * group's convenience.
 */
#pragma once

#include <cstdint>
#include <string>

#include "miniswarm/cli/cli_error.hpp"
#include "miniswarm/cli/flag_parsing.hpp"
#include "miniswarm/cli/manager_client.hpp"

namespace CLI {
class App;
}

namespace miniswarm::cli {

/// State every subcommand may read (set by `main`'s global flags before callbacks run).
struct CliContext {
  std::string state_dir = "/var/lib/miniswarm";  ///< --state-dir (global flag)
  std::string format;                            ///< unused globally: `--format` is per command
};

/// node ls | inspect | update | promote | demote | rm | ps (cmd/cmd_node.cpp).
void add_node_commands(CLI::App& app, CliContext& ctx);

/// service create | ls | ps | inspect | scale | update | rm | logs (cmd/cmd_service.cpp).
void add_service_commands(CLI::App& app, CliContext& ctx);

/// parse_duration() for a command callback: the milliseconds, or CliError naming `flag`.
int64_t parse_duration_ms(const std::string& text, const std::string& flag);

}  // namespace miniswarm::cli
