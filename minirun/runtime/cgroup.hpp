/**
 * @file cgroup.hpp
 * @brief Control groups: one interface over cgroup v1 and cgroup v2.
 *
 * A namespace limits what a process can *see*; a cgroup limits what it can *use*:
 * memory, CPU time, the number of tasks, which CPUs, which devices. The kernel
 * exposes cgroups as a filesystem: a directory is a group, writing a pid into its
 * `cgroup.procs` moves a process in, and files such as `memory.max` or
 * `pids.max` are the limits.
 *
 * There are two versions. cgroup v1 (this lab VM, a "hybrid" setup) has one tree per
 * controller (`/sys/fs/cgroup/memory/...`, `/sys/fs/cgroup/pids/...`), so a container
 * has one directory per controller. cgroup v2 (most current distros) has one unified
 * tree where each directory enables controllers for its children through
 * `cgroup.subtree_control`. The knobs differ too (`memory.limit_in_bytes` vs
 * `memory.max`, `cpu.shares` vs `cpu.weight`). The rest of the runtime sees only
 * the Cgroup interface below; cgroup_v1.cpp and cgroup_v2.cpp hold the differences.
 *
 * Where a container's cgroup goes: with no `linux.cgroupsPath` the runtime puts it
 * below the cgroup of the process that runs it (read from /proc/self/cgroup), at
 * `<own cgroup>/minirun/<id>`, so containers stay inside whatever contains the kit (a
 * systemd slice, a CI job). An absolute `cgroupsPath` is taken from the root of each
 * hierarchy, as the OCI spec says; a relative one is put below the own cgroup.
 * The runtime never writes to a cgroup it did not create.
 *
 * Man pages: cgroups(7). Kernel docs: Documentation/admin-guide/cgroup-v2.rst,
 * cgroup-v1/*.rst. Lab: labs/04-cgroups.
 */
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::runtime {

/// Where the cgroup filesystems are mounted, found from /proc/self/mountinfo (or given,
/// so unit tests can point it at a fake tree in a temporary directory).
struct CgroupLayout {
  /// Mount point of the unified (v2) hierarchy, if any ("/sys/fs/cgroup" on pure v2,
  /// "/sys/fs/cgroup/unified" on a hybrid host).
  std::string unified_mount;
  /// v1 controller name ("memory", "cpu", "pids", ...) -> its mount point. Empty on pure v2.
  std::map<std::string, std::string> v1_mounts;
  /// The calling process's own cgroup in each hierarchy, from /proc/self/cgroup:
  /// key is the v1 controller name, or "" for the unified hierarchy.
  std::map<std::string, std::string> own_paths;

  /// True when the host uses v1 for resource controllers (hybrid or legacy).
  bool uses_v1() const { return !v1_mounts.empty(); }

  /// Reads the layout of the running system.
  static Result<CgroupLayout> detect();
  /// Builds a layout from the texts of a mountinfo and a /proc/self/cgroup file
  /// (pure: used by detect() and by unit tests).
  static Result<CgroupLayout> parse(const std::string& mountinfo, const std::string& self_cgroup);
};

/// Usage figures read from the cgroup (for `minirun stats` and the state output).
struct CgroupStats {
  uint64_t memory_bytes = 0;
  uint64_t memory_limit_bytes = 0;  ///< 0: unlimited
  uint64_t cpu_usage_ns = 0;
  uint64_t pids_current = 0;
  uint64_t pids_limit = 0;  ///< 0: unlimited
  uint64_t oom_kills = 0;
};

/// One container's cgroup (a set of directories on v1, one on v2).
///
/// Lifetime: create() makes the directories and writes the limits; until release()
/// is called, the destructor removes what create() made (so a failed `create` leaves
/// no cgroup behind). destroy() removes them explicitly at `delete`.
class Cgroup {
 public:
  virtual ~Cgroup() = default;

  /// Makes the directories (failing if one already exists: never adopt a cgroup we
  /// did not create) and writes the limits. Errors name the knob file and the spec
  /// field ("linux.resources.memory.limit: write `memory.limit_in_bytes` ...").
  virtual Result<void> create(const Resources& resources) = 0;
  /// Moves a process in (writes its pid to each `cgroup.procs`).
  virtual Result<void> add_process(pid_t pid) = 0;
  /// The pids in the cgroup (host pid namespace).
  virtual Result<std::vector<pid_t>> processes() const = 0;
  /// Freezes / thaws every process (v1 freezer.state, v2 cgroup.freeze), waiting until
  /// the kernel reports the new state.
  virtual Result<void> freeze() = 0;
  virtual Result<void> thaw() = 0;
  virtual Result<bool> frozen() const = 0;
  /// Usage and the OOM-kill count.
  virtual Result<CgroupStats> stats() const = 0;
  /// Removes the directories (rmdir; the caller has killed and reaped the processes).
  /// Removing an already removed cgroup is not an error.
  virtual Result<void> destroy() = 0;
  /// After this, the destructor leaves the directories alone (the container exists).
  virtual void release() = 0;
  /// Absolute directory paths, for the state file and for `--explain`.
  virtual std::vector<std::string> paths() const = 0;
  /// v2 only: an O_PATH|O_DIRECTORY fd of the cgroup, for clone3's CLONE_INTO_CGROUP
  /// (the child starts inside its cgroup, no window outside it). -1 on v1.
  virtual int clone_into_fd() const = 0;
};

/// Resolves where the container's cgroup goes (see the file comment) and returns a
/// Cgroup object for it; nothing is created yet. `cgroups_path` is `linux.cgroupsPath`.
Result<std::unique_ptr<Cgroup>> make_cgroup(const CgroupLayout& layout, const std::string& cgroups_path,
                                            const std::string& container_id);

/// Re-opens an existing container's cgroup from the paths saved in its state file.
Result<std::unique_ptr<Cgroup>> open_cgroup(const CgroupLayout& layout, const std::vector<std::string>& paths);

}  // namespace minirun::runtime
