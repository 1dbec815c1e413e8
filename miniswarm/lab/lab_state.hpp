/**
 * @file lab_state.hpp
 * @brief ROOT/lab.json: what `lab up` made, so that every later `lab` command (and a
 *        `lab down` after a crash half-way through `up`) knows what to act on.
 *
 * The file records the plan's inputs and its results (subnet, bridge, each node's
 * address, namespace, veth and directories) and, per node, the pid of its init process
 * with that process's start time. A pid alone is not an identity: after a node dies the
 * kernel may give its number to any new process, and `lab kill` must never SIGKILL a
 * stranger. The start time (field 22 of /proc/PID/stat) tells them apart, as the
 * runtime's own state.json does for containers.
 *
 * `up` writes the file before it creates anything and again after each node starts, so
 * whatever `up` made is always named in it; `down` removes what the file names and the
 * file last. On load the plan is derived again from the recorded inputs (make_lab_plan),
 * so every command uses exactly the names `up` used.
 *
 * Left out: locking between two `lab` commands run at the same moment (a lab is driven
 * by one learner at one terminal).
 */
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "miniswarm/lab/lab_plan.hpp"
#include "minirun/sys/error.hpp"

namespace miniswarm::lab {

/// A process named so that a recycled pid is never mistaken for it.
struct ProcessId {
  int pid = 0;
  unsigned long long start_time = 0;  ///< /proc/PID/stat field 22 (clock ticks since boot)
  bool operator==(const ProcessId&) const = default;
};

struct LabState {
  LabPlan plan;
  LabOptions options;                      ///< what the plan was derived from
  bool root_created = false;               ///< `down` removes the root only if `up` made it
  std::map<std::string, ProcessId> inits;  ///< node name -> its init process

  nlohmann::json to_json() const;
  static minirun::sys::Result<LabState> from_json(const nlohmann::json& j);
};

/// ROOT/lab.json.
std::string lab_state_path(const std::string& root);

/// Writes ROOT/lab.json atomically (a reader never sees half of it).
minirun::sys::Result<void> save_lab_state(const LabState& state);

/// Reads ROOT/lab.json; nullopt when there is none (no lab in that root).
minirun::sys::Result<std::optional<LabState>> load_lab_state(const std::string& root);

}  // namespace miniswarm::lab
