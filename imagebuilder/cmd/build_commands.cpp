/**
 * @file build_commands.cpp
 * @brief `parse` (the Dockerfile as BuildKit's parser sees it) and `build`.
 */
#include <cstdio>

#include "imagebuilder/build/builder.hpp"
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

  auto* build = app.add_subcommand("build", "Build an image from a Dockerfile (docker build)");
  struct BuildFlags {
    build::BuildOptions options;
    std::vector<std::string> tags, build_args;
    std::string network = "none";
  };
  auto f = std::make_shared<BuildFlags>();
  build->add_option("CONTEXT", f->options.context, "The build context directory")->required()
      ->check(CLI::ExistingDirectory);
  build->add_option("-t,--tag", f->tags, "Name the image name[:tag] (repeatable)");
  build->add_option("-f,--file", f->options.dockerfile, "The Dockerfile (default: CONTEXT/Dockerfile)");
  build->add_option("--build-arg", f->build_args, "Set an ARG: NAME=value (repeatable)");
  build->add_option("--target", f->options.target, "Build this stage (name or number), not the last");
  build->add_flag("--no-cache", f->options.no_cache, "Run every step, using no cached result");
  build->add_flag("--explain-cache", f->options.explain_cache, "Say which input changed when a step misses the cache");
  build->add_flag("-q,--quiet", f->options.quiet, "Print only the image id");
  build->add_option("--network", f->network, "Network for RUN steps: none (default) or host")
      ->check(CLI::IsMember({"none", "host"}));
  build->callback([&g, f] {
    build::BuildOptions options = f->options;
    options.state_root = g.state_root;
    options.host_network = f->network == "host";
    for (const auto& tag : f->tags) {
      auto ref = store::Reference::parse(tag);
      if (!ref) return fail(g, "--tag: " + ref.error().what());
      options.tags.push_back(*ref);
    }
    for (const auto& pair : f->build_args) {
      auto eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) {
        return fail(g, "--build-arg `" + pair + "`: expected NAME=value");
      }
      options.build_args[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    auto store = open_store(g);
    if (!store) return;
    auto result = build::build_image(*store, options, options.quiet ? nullptr : stdout);
    if (!result) return fail(g, result.error().what());
    if (options.quiet) std::printf("%s\n", result->image.id.str().c_str());
  });
}

}  // namespace imagebuilder::cmd
