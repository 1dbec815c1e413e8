/**
 * @file explain.hpp
 * @brief `--explain`: the runtime narrates its own setup, step by step, with timings.
 *
 * A learner who types `minirun-oci --explain run ...` sees every step the runtime takes
 * to turn a bundle into an isolated process, in order, each with the man page to read,
 * one line on why it is there, and how many microseconds it took:
 *
 *     [explain] 16 pivot_root   pivot_root(2)   18 us  (at 3120 us)  make the rootfs `/` and detach ...
 *
 * "at" is the time since the runtime began, so the gaps between steps show too.
 *
 * The step table (names, man pages, reasons) is written once, in setup_steps.cpp, next
 * to the code that runs the steps; this class only times and prints. When --explain is
 * off it costs one branch per step.
 */
#pragma once

#include <time.h>

#include <cstdint>

namespace minirun::runtime {

/// Every setup step of a container, in the order they are described
/// (docs/design/runtime-setup-order.md). The number printed is this order; the lines come
/// in the order the steps run, and the parent and child run side by side for a while:
/// after clone (4) the child moves itself into its cgroup (5, cgroup v1) and makes its
/// mounts (7-9) while the parent writes the state file; with a new user namespace the
/// child waits for the parent (10) before its mounts.
enum class Step : int {
  load_config,
  create_cgroup,
  compile_seccomp,
  clone,
  join_cgroup,
  write_id_maps,
  make_mounts_private,
  bind_rootfs,
  config_mounts,
  wait_for_parent,
  join_namespaces,
  cgroup_namespace,
  cgroup_mounts,
  create_devices,
  create_container_hooks,
  pivot_root,
  readonly_root,
  sysctl,
  masked_paths,
  readonly_paths,
  hostname,
  loopback,
  rlimits,
  drop_bounding_set,
  early_seccomp,
  switch_user,
  capabilities,
  no_new_privileges,
  report_ready,
  wait_for_start,
  start_container_hooks,
  seccomp,
  execve,
  tear_down,
  count_
};

/// What a step is, for the narration.
struct StepInfo {
  const char* name;
  const char* man_page;
  const char* why;
};

/// The table entry of a step (defined in setup_steps.cpp).
const StepInfo& step_info(Step step);

/// Times steps and prints them to a file descriptor when enabled.
class Explainer {
 public:
  Explainer(bool enabled, int fd) : enabled_(enabled), fd_(fd) {
    if (enabled_) (void)origin();
  }
  bool enabled() const { return enabled_; }

  /// The moment the runtime started explaining (the "at" column counts from it).
  static const struct timespec& origin();

  /// Marks the start of a step.
  void begin() {
    if (enabled_) clock_gettime(CLOCK_MONOTONIC, &start_);
  }
  /// Prints the step with the time since begin(); `detail` adds a short note
  /// (e.g. "12 mounts", "pid 4242").
  void end(Step step, const char* detail = nullptr) const;

 private:
  bool enabled_ = false;
  int fd_ = 2;
  struct timespec start_ {};
};

}  // namespace minirun::runtime
