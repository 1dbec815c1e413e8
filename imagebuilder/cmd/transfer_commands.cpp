/**
 * @file transfer_commands.cpp
 * @brief `save`, `load`, `import`: images in and out of the store as tarballs.
 */
#include <cstdio>

#include "imagebuilder/build/base_images.hpp"
#include "imagebuilder/cmd/commands.hpp"
#include "imagebuilder/oci/load.hpp"
#include "imagebuilder/oci/save.hpp"

namespace imagebuilder::cmd {

void add_transfer_commands(CLI::App& app, Globals& g) {
  auto* save = app.add_subcommand("save", "Write images to a tarball that docker load, podman or skopeo read");
  struct SaveFlags {
    std::vector<std::string> names;
    std::string output, format = "docker";
    bool gzip = false;
  };
  auto s = std::make_shared<SaveFlags>();
  save->add_option("IMAGE", s->names, "Image names or ids")->required();
  save->add_option("-o,--output", s->output, "The tarball to write")->required();
  save->add_option("--format", s->format, "docker (docker-archive, what docker load reads) or oci (oci-archive)")
      ->check(CLI::IsMember({"docker", "oci", "docker-archive", "oci-archive"}));
  save->add_flag("--gzip", s->gzip, "Compress the whole tarball");
  save->callback([&g, s] {
    auto format = oci::parse_archive_format(s->format);
    if (!format) return fail(g, "--format: " + format.error().what());
    auto store = open_store(g);
    if (!store) return;
    if (auto r = oci::save(*store, s->names, s->output, {*format, s->gzip}); !r) fail(g, r.error().what());
  });

  auto* load = app.add_subcommand("load", "Read images from a docker save / skopeo / OCI archive tarball");
  struct LoadFlags {
    std::string input, tag;
  };
  auto l = std::make_shared<LoadFlags>();
  load->add_option("-i,--input", l->input, "The tarball (plain or gzip)")->required()->check(CLI::ExistingFile);
  load->add_option("-t,--tag", l->tag, "Tag the loaded image with name[:tag] (one image only)");
  load->callback([&g, l] {
    oci::LoadOptions options;
    if (!l->tag.empty()) {
      auto ref = store::Reference::parse(l->tag);
      if (!ref) return fail(g, "--tag: " + ref.error().what());
      options.tag = *ref;
    }
    auto store = open_store(g);
    if (!store) return;
    auto report = oci::load(*store, l->input, options);
    if (!report) return fail(g, report.error().what());
    for (const auto& image : report->images) {
      if (image.tags.empty()) std::printf("Loaded image ID: %s\n", image.id.str().c_str());
      for (const auto& tag : image.tags) std::printf("Loaded image: %s\n", tag.c_str());
    }
    for (const auto& note : report->notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  });

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
