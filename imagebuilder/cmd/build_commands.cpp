/**
 * @file build_commands.cpp
 * @brief `parse` (the Dockerfile as BuildKit's parser sees it) and `build`.
 */
#include <cstdio>

#include "imagebuilder/cmd/commands.hpp"
#include "imagebuilder/spec/parser.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::cmd {

void add_build_commands(CLI::App& app, Globals& g) {
  auto* parse = app.add_subcommand("parse", "Print a Dockerfile's parse tree (BuildKit's dump format)");
  auto file = std::make_shared<std::string>();
  parse->add_option("FILE", *file, "The Dockerfile")->required();
  parse->callback([&g, file] {
    auto text = minirun::sys::read_file(*file);
    if (!text) return fail(g, text.error().what());
    auto parsed = spec::parse_dockerfile(*text, *file);
    if (!parsed) return fail(g, parsed.error().what());
    std::fputs(spec::format_tree(*parsed).c_str(), stdout);
  });
}

}  // namespace imagebuilder::cmd
