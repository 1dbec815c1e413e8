/**
 * @file transfer_commands.cpp
 * @brief `save`, `load`, `import`: images in and out of the store as tarballs.
 */
#include <cstdio>

#include "imagebuilder/build/base_images.hpp"
#include "imagebuilder/cmd/commands.hpp"

namespace imagebuilder::cmd {

void add_transfer_commands(CLI::App& app, Globals& g) {
  auto* import = app.add_subcommand("import", "Make a one-layer image from a root filesystem tarball");
  struct ImportFlags {
    std::string file, name;
    std::vector<std::string> command;
  };
  auto f = std::make_shared<ImportFlags>();
  import->add_option("FILE", f->file, "Tarball of a root filesystem (plain, gzip or zstd)")->required()
      ->check(CLI::ExistingFile);
  import->add_option("NAME", f->name, "name[:tag] for the new image")->required();
  import->add_option("--cmd", f->command, "The image's default command (CMD), e.g. --cmd sh");
  import->callback([&g, f] {
    auto ref = store::Reference::parse(f->name);
    if (!ref) return fail(g, "NAME: " + ref.error().what());
    auto store = open_store(g);
    if (!store) return;
    auto image = build::import_rootfs(*store, f->file, *ref, f->command);
    if (!image) return fail(g, image.error().what());
    std::printf("%s\n", image->id.str().c_str());
  });
}

}  // namespace imagebuilder::cmd
