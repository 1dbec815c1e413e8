/**
 * @file service_cli_flags.cpp
 * @brief CLI11 declarations of the service flags (service_cli_flags.hpp).
 */
#include "miniswarm/cli/service_cli_flags.hpp"

#include <CLI/CLI.hpp>

namespace miniswarm::cli {

namespace {

/// A value flag stored as typed, or left empty (nullopt) when not given.
CLI::Option* add_text(CLI::App& cmd, const std::string& name, std::optional<std::string>& into,
                      const std::string& help, const std::string& type) {
  return cmd
      .add_option_function<std::string>(
          name, [&into](const std::string& v) { into = v; }, help)
      ->type_name(type);
}

/// A repeatable flag: one value per use.
CLI::Option* add_list(CLI::App& cmd, const std::string& name, std::vector<std::string>& into,
                      const std::string& help, const std::string& type) {
  return cmd.add_option(name, into, help)->allow_extra_args(false)->type_name(type);
}

void add_restart_flags(CLI::App& cmd, RestartFlags& r) {
  add_text(cmd, "--restart-condition", r.condition,
           "Restart when a task ends: none, on-failure, any (default any)", "CONDITION");
  add_text(cmd, "--restart-delay", r.delay, "Delay before a restart (e.g. 5s; default 5s)",
           "DURATION");
  add_text(cmd, "--restart-max-attempts", r.max_attempts,
           "Give up after N restarts (default 0: never)", "N");
  add_text(cmd, "--restart-window", r.window, "Count restarts only within this window (e.g. 1m)",
           "DURATION");
  add_text(cmd, "--restart-max-delay", r.max_delay,
           "With --restart-backoff: the longest delay (default 1m)", "DURATION");
  cmd.add_flag_function(
      "--restart-backoff", [&r](int64_t) { r.backoff = true; },
      "Double the delay after each restart in the window (the kit's addition)");
  cmd.add_flag_function(
      "--no-restart-backoff", [&r](int64_t) { r.backoff = false; },
      "A fixed delay between restarts (the default)");
}

void add_placement_flags(CLI::App& cmd, PlacementFlags& p) {
  add_text(cmd, "--placement-strategy", p.strategy,
           "spread (Swarm's), binpack, round-robin or random (the kit's, to compare)", "STRATEGY");
  add_text(cmd, "--replicas-max-per-node", p.max_per_node,
           "At most N tasks of the service per node (0: no limit)", "N");
}

}  // namespace

void add_wait_flags(CLI::App& cmd, WaitFlags& wait) {
  cmd.add_flag("-d,--detach", wait.detach,
               "Return at once instead of waiting for the service to converge");
  cmd.add_flag("-q,--quiet", wait.quiet, "No progress output");
  cmd.add_option("--timeout", wait.timeout,
                 "Stop waiting for convergence after this long (the kit's)")
      ->capture_default_str();
}

void add_service_create_flags(CLI::App& cmd, ServiceCreateFlags& f, WaitFlags& wait) {
  cmd.prefix_command();  // IMAGE [COMMAND] [ARG...]: everything after IMAGE is the command's
  cmd.add_option("--name", f.name, "Service name (default: a generated one)");
  add_text(cmd, "--replicas", f.replicas, "Number of tasks (default 1)", "N");
  add_text(cmd, "--mode", f.mode, "replicated or global (one task per node)", "MODE");
  add_list(cmd, "--constraint", f.constraints,
           "Placement constraint, e.g. node.labels.zone==a (repeatable)", "EXPR");
  add_text(cmd, "--reserve-cpu", f.reserve_cpu, "CPUs the scheduler sets aside per task (e.g. 0.5)",
           "CPUS");
  add_text(cmd, "--reserve-memory", f.reserve_memory, "Memory set aside per task (e.g. 64m)",
           "SIZE");
  add_text(cmd, "--limit-cpu", f.limit_cpu, "CPU limit of each task's container (e.g. 1.5)",
           "CPUS");
  add_text(cmd, "--limit-memory", f.limit_memory,
           "Memory limit of each task's container (e.g. 128m)", "SIZE");
  add_list(cmd, "-e,--env", f.env,
           "Environment variable KEY=value, or KEY to copy ours (repeatable)", "KEY=VALUE");
  add_list(cmd, "--label", f.labels, "Service label KEY=VALUE (repeatable)", "KEY=VALUE");
  add_list(cmd, "--container-label", f.container_labels, "Container label KEY=VALUE (repeatable)",
           "KEY=VALUE");
  add_restart_flags(cmd, f.restart);
  add_placement_flags(cmd, f.placement);
  add_wait_flags(cmd, wait);
}

void add_service_update_flags(CLI::App& cmd, ServiceUpdateFlags& f, WaitFlags& wait) {
  add_text(cmd, "--replicas", f.replicas, "Number of tasks", "N");
  add_list(cmd, "--constraint-add", f.constraint_add, "Add a placement constraint (repeatable)",
           "EXPR");
  add_list(cmd, "--constraint-rm", f.constraint_rm, "Remove a placement constraint (repeatable)",
           "EXPR");
  add_list(cmd, "--label-add", f.label_add, "Add or change a service label KEY=VALUE (repeatable)",
           "KEY=VALUE");
  add_list(cmd, "--label-rm", f.label_rm, "Remove a service label by key (repeatable)", "KEY");
  add_restart_flags(cmd, f.restart);
  add_placement_flags(cmd, f.placement);
  add_wait_flags(cmd, wait);
}

}  // namespace miniswarm::cli
