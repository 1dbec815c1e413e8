/**
 * @file service_cli_flags.hpp
 * @brief The flags of `service create` and `service update` declared on a CLI11
 *        subcommand, kept here (and not in cmd/) so that a unit test can parse a
 *        command line with them.
 *
 * Two details of parsing decide whether a Docker command line means the same here:
 *
 *  - everything after IMAGE belongs to the container's command:
 *    `service create busybox sleep 30 -x` must give `sleep 30 -x` to the task, not
 *    complain about `-x`. CLI11's prefix_command() stops option parsing at the first
 *    positional and leaves the rest in remaining(), which is IMAGE and its command;
 *  - a repeatable option takes one value per use: `-e A=1 busybox` is one variable and
 *    an image, not two variables. CLI11 lets a vector option swallow the following
 *    words unless allow_extra_args(false), which every option here sets.
 *
 * Value flags land in std::optional<std::string> (given or not, as typed) and are
 * parsed later by service_flags.hpp, whose errors name the flag.
 *
 * Docs: CLI11 README ("prefix_command", "allow_extra_args"); `docker service create --help`.
 */
#pragma once

#include <cstdint>
#include <string>

#include "miniswarm/cli/service_flags.hpp"

namespace CLI {
class App;
}

namespace miniswarm::cli {

/// `-d`, `-q`, `--timeout`: how create/scale/update wait for convergence.
struct WaitFlags {
  bool detach = false;
  bool quiet = false;
  std::string timeout = "60s";
};

/// Declares create's flags on `cmd` (and prefix_command()). After parsing, IMAGE and
/// its command are `cmd.remaining()`.
void add_service_create_flags(CLI::App& cmd, ServiceCreateFlags& flags, WaitFlags& wait);

/// Declares update's flags on `cmd` (the SERVICE positional is the caller's).
void add_service_update_flags(CLI::App& cmd, ServiceUpdateFlags& flags, WaitFlags& wait);

/// Declares -d, -q and --timeout.
void add_wait_flags(CLI::App& cmd, WaitFlags& wait);

}  // namespace miniswarm::cli
