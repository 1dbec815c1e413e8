/**
 * @file commands.hpp
 * @brief The `imagebuilder` subcommands, grouped by what they touch.
 *
 * Each group adds its subcommands to the CLI11 app; the callbacks parse nothing
 * themselves (CLI11 did) and decide nothing (the libraries do): they open the store,
 * call one library function, and print the result Docker's way or as JSON.
 */
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "imagebuilder/store/image_store.hpp"

namespace imagebuilder::cmd {

/// Flags every subcommand shares.
struct Globals {
  std::string root;        ///< image store (--root, $IMAGEBUILDER_ROOT)
  std::string state_root;  ///< runtime state of build containers (--state-root)
  int exit_code = 0;
};

/// The store at `g.root`; prints the error and sets the exit code on failure.
std::optional<store::ImageStore> open_store(Globals& g);

/// Prints `imagebuilder: <message>` on stderr and sets the exit code to 1.
void fail(Globals& g, const std::string& message);

void add_image_commands(CLI::App& app, Globals& g);     ///< images inspect history tag rmi prune
void add_build_commands(CLI::App& app, Globals& g);     ///< build parse
void add_transfer_commands(CLI::App& app, Globals& g);  ///< save load import

}  // namespace imagebuilder::cmd
