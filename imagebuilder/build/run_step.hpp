/**
 * @file run_step.hpp
 * @brief `RUN`: one build step executed in an isolated container.
 *
 * A `RUN` line is a command run in a container whose root filesystem is the image
 * built so far. The builder mounts that root (an overlay of the parent image's layers
 * plus an empty upper dir, see minirun/sys/overlay.hpp), writes an OCI bundle whose
 * `config.json` gives the step Docker's default security (14 capabilities, the default
 * seccomp profile, masked /proc paths, no_new_privs), and asks the minirun runtime to run
 * it in the foreground: the step's output streams to the build's output, its exit code
 * decides whether the build goes on. What the command changed is left in the upper dir,
 * which becomes the step's layer.
 *
 * The network is off (a network namespace with only `lo`) unless the Dockerfile asks
 * with `RUN --network=host` or the build with `--network host`: a build that downloads
 * nothing is reproducible, and a classroom VM may have no Internet anyway.
 *
 * Lab: labs/06-layers-overlayfs ("a RUN step is a container"); see also minirun/runtime/container.hpp.
 */
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/runtime/user_lookup.hpp"
#include "minirun/sys/error.hpp"

namespace imagebuilder::build {

using minirun::sys::Result;

/// What a RUN step executes, already resolved to what the kernel needs.
struct RunStep {
  std::vector<std::string> argv;  ///< shell form is already `["/bin/sh", "-c", text]`
  std::vector<std::string> env;   ///< `NAME=value`
  std::string cwd = "/";
  minirun::runtime::ResolvedUser user;
  bool host_network = false;
  std::string hostname = "imagebuilder";
};

/// The OCI config.json for `step` with root `rootfs` (an absolute path). Pure.
nlohmann::json run_step_config(const RunStep& step, const std::string& rootfs);

/// Runs `step` in a container with root `rootfs` (a mounted, writable directory),
/// using `scratch_dir` (empty or missing; removed afterwards) for the bundle and
/// `state_root` for the runtime's state. Returns the command's exit code (128+N for
/// signal N).
Result<int> run_step(const RunStep& step, const std::string& rootfs, const std::string& scratch_dir,
                     const std::string& state_root);

}  // namespace imagebuilder::build
