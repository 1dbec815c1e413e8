/**
 * @file commands.hpp
 * @brief The `minirun` subcommands, grouped by what they do.
 *
 * Each group adds its subcommands to the CLI11 app. The callbacks parse nothing
 * themselves (CLI11 and flag_values.hpp did) and decide nothing (the engine library
 * does): they call one Engine method and print the result Docker's way or as JSON.
 */
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "minirun/engine/engine.hpp"

namespace minirun::cmd {

using sys::Result;

/// Flags every subcommand shares.
struct Globals {
  std::string data_root;   ///< --data-root ($MINIRUN_ROOT), default /var/lib/minirun
  std::string image_root;  ///< --image-root ($IMAGEBUILDER_ROOT), default /var/lib/minirun/images
  int exit_code = 0;
  /// `run`: the monitor, spawned before the flags were parsed (engine::spawn_early_monitor).
  std::optional<engine::EarlyMonitor> early_monitor;

  engine::Engine engine() const {
    engine::EngineOptions options;
    options.data_root = data_root;
    options.image_root = image_root;
    return engine::Engine(options);
  }
};

/// Prints `minirun: <message>` on stderr and sets the exit code (Docker uses 125 for
/// errors of the engine itself, as opposed to the container's own exit code).
void fail(Globals& g, const std::string& message, int code = 1);

/// `run` and `create`, apart: each has ~70 options, and building them is most of what
/// parsing a command line costs (minirun.cpp builds only the group asked for).
void add_run_command(CLI::App& app, Globals& g);
void add_create_command(CLI::App& app, Globals& g);
void add_lifecycle_commands(CLI::App& app, Globals& g);  ///< start stop restart kill rm pause unpause wait
void add_info_commands(CLI::App& app, Globals& g);       ///< ps inspect logs stats top
void add_exec_commands(CLI::App& app, Globals& g);       ///< exec cp
void add_volume_commands(CLI::App& app, Globals& g);     ///< volume ..., system prune
void add_network_commands(CLI::App& app, Globals& g);    ///< network ...

/// "3 seconds ago", "About a minute ago", "2 hours ago" (Docker's HumanDuration).
std::string human_duration(int64_t seconds);

}  // namespace minirun::cmd
