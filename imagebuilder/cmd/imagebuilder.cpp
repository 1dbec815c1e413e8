/**
 * @file imagebuilder.cpp
 * @brief `imagebuilder`: `docker build`, `images`, `save`, `load`, ... over the image store.
 *
 * The image half of the kit. `build` turns a Dockerfile into an image (each RUN in a
 * minirun container, each change a layer); the store keeps images as an OCI image
 * layout that skopeo, umoci and podman can read directly; `save`/`load` move images to
 * and from Docker. This file only wires the subcommands (commands.hpp) together.
 *
 * Lab: labs/06-layers-overlayfs (labs/), and docs/reading-order.md for the source tour.
 */
#include <cstdio>
#include <cstdlib>

#include "imagebuilder/cmd/commands.hpp"

namespace imagebuilder::cmd {

std::optional<store::ImageStore> open_store(Globals& g) {
  auto store = store::ImageStore::open(g.root);
  if (!store) {
    fail(g, store.error().what() + " (is --root right? the store needs root to create)");
    return std::nullopt;
  }
  return std::move(*store);
}

void fail(Globals& g, const std::string& message) {
  std::fprintf(stderr, "imagebuilder: %s\n", message.c_str());
  g.exit_code = 1;
}

}  // namespace imagebuilder::cmd

int main(int argc, char** argv) {
  using namespace imagebuilder::cmd;
  Globals g;
  const char* env_root = std::getenv("IMAGEBUILDER_ROOT");
  g.root = env_root != nullptr && *env_root != '\0' ? env_root : "/var/lib/minirun/images";
  g.state_root = "/run/imagebuilder";

  CLI::App app{"imagebuilder: build images from Dockerfiles and keep them in an OCI image store"};
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("--root", g.root, "Image store directory (an OCI image layout; env IMAGEBUILDER_ROOT)");
  app.add_option("--state-root", g.state_root, "Runtime state directory for build containers");
  add_build_commands(app, g);
  add_image_commands(app, g);
  add_transfer_commands(app, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return g.exit_code;
}
