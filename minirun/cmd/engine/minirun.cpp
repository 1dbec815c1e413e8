/**
 * @file minirun.cpp
 * @brief `minirun`: the single-host container engine a learner types, `docker run` and friends.
 *
 * `minirun run -d --name web -m 64m busybox httpd -f` resolves the image in the
 * imagebuilder store, writes an OCI bundle with Docker's defaults, and hands the
 * container to a small monitor process; `ps`, `logs`, `stop`, `rm`, `inspect`, `exec`,
 * `stats` find it again on disk. There is no daemon: see minirun/engine/engine.hpp for the
 * life of a container, and docs/reading-order.md for the source tour.
 *
 * Lab: labs/01-image-and-container.
 */
#include <cstdio>
#include <cstdlib>

#include "minirun/cmd/engine/commands.hpp"

namespace minirun::cmd {

void fail(Globals& g, const std::string& message, int code) {
  std::fprintf(stderr, "minirun: %s\n", message.c_str());
  g.exit_code = code;
}

std::string human_duration(int64_t seconds) {
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return std::to_string(seconds) + " seconds";
  const int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return std::to_string(minutes) + " minutes";
  const int64_t hours = (seconds + 1800) / 3600;
  if (hours == 1) return "About an hour";
  if (hours < 48) return std::to_string(hours) + " hours";
  if (hours < 24 * 7 * 2) return std::to_string(hours / 24) + " days";
  return std::to_string(hours / 24 / 7) + " weeks";
}

}  // namespace minirun::cmd

int main(int argc, char** argv) {
  using namespace minirun::cmd;
  Globals g;
  const char* env_root = std::getenv("MINIRUN_ROOT");
  g.data_root = env_root != nullptr && *env_root != '\0' ? env_root : "/var/lib/minirun";
  const char* env_images = std::getenv("IMAGEBUILDER_ROOT");
  g.image_root = env_images != nullptr && *env_images != '\0' ? env_images : "/var/lib/minirun/images";

  CLI::App app{"minirun: run containers from images, Docker-style (run, ps, logs, exec, stop, rm, inspect, ...)"};
  app.require_subcommand(1);
  app.add_option("--data-root,--root", g.data_root,
                 "Engine state: containers, volumes, runtime state (env MINIRUN_ROOT; one per simulated node)")
      ->capture_default_str();
  app.add_option("--image-root", g.image_root, "The imagebuilder image store (env IMAGEBUILDER_ROOT)")
      ->capture_default_str();
  add_run_commands(app, g);
  add_lifecycle_commands(app, g);
  add_info_commands(app, g);
  add_exec_commands(app, g);
  add_volume_commands(app, g);
  add_network_commands(app, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 125;
  }
  return g.exit_code;
}
