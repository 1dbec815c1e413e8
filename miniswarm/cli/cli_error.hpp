/**
 * @file cli_error.hpp
 * @brief The one exception of the `miniswarm` command line: "stop here, print this,
 *        exit with that code".
 *
 * Below the command line nothing throws: libraries return minirun::sys::Result. The
 * command callbacks, though, run inside CLI11's parse(), several calls deep, and the
 * cleanest way out of a callback that has nothing more to do is to throw. `main`
 * catches CliError, prints `miniswarm: <message>` on stderr (nothing when the message
 * is empty: the daemons have printed their own) and returns `code`. So a CliError is
 * not an error *type* of the kit; it is how a command ends early, and it never crosses
 * into library code.
 */
#pragma once

#include <string>

namespace miniswarm::cli {

/// Thrown by command callbacks; `main` prints "miniswarm: <message>" and exits `code`.
struct CliError {
  std::string message;
  int code = 1;
};

}  // namespace miniswarm::cli
