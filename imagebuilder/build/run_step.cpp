/**
 * @file run_step.cpp
 * @brief A RUN step through the minirun runtime; see run_step.hpp.
 */
#include "imagebuilder/build/run_step.hpp"

#include <unistd.h>

#include <random>

#include "minirun/runtime/container.hpp"
#include "minirun/runtime/default_seccomp_profile.hpp"
#include "minirun/sys/file.hpp"

namespace imagebuilder::build {

using minirun::sys::Error;
using nlohmann::json;

nlohmann::json run_step_config(const RunStep& step, const std::string& rootfs) {
  json config = minirun::runtime::default_spec(/*rootless=*/false);
  json& process = config["process"];
  process["args"] = step.argv;
  process["env"] = step.env;
  process["cwd"] = step.cwd.empty() ? "/" : step.cwd;
  process["user"] = {{"uid", step.user.uid}, {"gid", step.user.gid}};
  if (!step.user.additional_gids.empty()) process["user"]["additionalGids"] = step.user.additional_gids;
  config["root"] = {{"path", rootfs}, {"readonly", false}};
  config["hostname"] = step.hostname;
  config["linux"]["seccomp"] = minirun::runtime::docker_default_seccomp_profile();
  // A fork bomb in a Dockerfile should fail the step, not the classroom VM.
  config["linux"]["resources"]["pids"] = {{"limit", 4096}};
  if (step.host_network) {
    json namespaces = json::array();
    for (const auto& ns : config["linux"]["namespaces"]) {
      if (ns["type"] != "network") namespaces.push_back(ns);
    }
    config["linux"]["namespaces"] = std::move(namespaces);
  }
  return config;
}

Result<int> run_step(const RunStep& step, const std::string& rootfs, const std::string& scratch_dir,
                     const std::string& state_root) {
  MINIRUN_TRY(minirun::sys::make_directories(scratch_dir, 0700), "RUN");
  struct RemoveScratch {
    std::string dir;
    ~RemoveScratch() { (void)minirun::sys::remove_tree(dir); }
  } remove_scratch{scratch_dir};
  MINIRUN_TRY(minirun::sys::write_file_atomic(scratch_dir + "/config.json", run_step_config(step, rootfs).dump(2)),
              "RUN: write the step's config.json");

  // A random id: two builds may run at once, and a leftover from a crashed build must
  // not block the next one.
  std::random_device random;
  char id[32];
  snprintf(id, sizeof id, "build-%08x%08x", random(), random());

  minirun::runtime::Runtime runtime({.root = state_root});
  minirun::runtime::CreateOptions options;
  options.id = id;
  options.bundle = scratch_dir;
  auto code = runtime.run(options, /*detach=*/false);
  if (!code) return std::move(code.error()).context("RUN");
  return *code;
}

}  // namespace imagebuilder::build
