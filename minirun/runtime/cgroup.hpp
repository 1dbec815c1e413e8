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
 * cgroup-v1/. Lab: labs/04-cgroups.
 */
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

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

  /// Tests only; empty on a real system. A fake cgroupfs made of plain files in a
  /// temporary directory cannot do the kernel's part: fill a new cgroup directory with
  /// its knob files, and let rmdir(2) remove a directory that still shows them. When
  /// set, these run after each mkdir and before each rmdir the kit does in a hierarchy.
  std::function<void(const std::string& dir)> after_mkdir;
  std::function<void(const std::string& dir)> before_rmdir;

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

/// A cgroup file opened for writing, into which a new process writes "0" to move
/// *itself* in (cgroup v1's `tasks`; see Cgroup::open_self_join_files()).
struct SelfJoinFile {
  sys::UniqueFd fd;
  std::string path;  ///< for the error message
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
  /// Decides, from the limits, which directories create() will make, so that paths()
  /// is final before anything exists (v1 joins cpu and cpuset only when asked; v2 has
  /// one directory anyway). Checks every limit has its controller; writes nothing.
  /// create() does this itself when it was not called; `resources` must be the same.
  virtual Result<void> plan(const Resources& resources) = 0;
  /// Moves a process in (writes its pid to each `cgroup.procs`).
  virtual Result<void> add_process(pid_t pid) = 0;
  /// v1 only: each hierarchy's `tasks` file, opened (close-on-exec) for a new process
  /// to inherit and move itself in with join_cgroup_self(). Why not add_process(): a
  /// move by pid write-locks the kernel's global cgroup_threadgroup_rwsem, which waits
  /// for an RCU grace period whenever no other move happened just before (5-15 ms on
  /// the lab VM); a thread that writes "0" moves only itself and skips that lock (30 us).
  /// Empty on v2, where clone3's CLONE_INTO_CGROUP starts the process inside instead.
  virtual Result<std::vector<SelfJoinFile>> open_self_join_files() const = 0;
  /// The pids in the cgroup (host pid namespace).
  virtual Result<std::vector<pid_t>> processes() const = 0;
  /// Freezes / thaws every process (v1 freezer.state, v2 cgroup.freeze), waiting until
  /// the kernel reports the new state.
  virtual Result<void> freeze() = 0;
  virtual Result<void> thaw() = 0;
  virtual Result<bool> frozen() const = 0;
  /// Usage and the OOM-kill count.
  virtual Result<CgroupStats> stats() const = 0;
  /// stats().oom_kills alone, from the one file that has it: how a monitor learns, after
  /// the exit, whether the OOM killer struck (v1 memory.oom_control, v2 memory.events).
  virtual Result<uint64_t> oom_kills() const = 0;
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

/// The name of the kit's shared parent in the default placement, `<own cgroup>/minirun`
/// (removed with the last container that used it; see CgroupPlace::shared_parent).
inline constexpr const char* kSharedCgroupParentName = "minirun";

/// Resolves where the container's cgroup goes (see the file comment) and returns a
/// Cgroup object for it; nothing is created yet. `cgroups_path` is `linux.cgroupsPath`.
Result<std::unique_ptr<Cgroup>> make_cgroup(const CgroupLayout& layout, const std::string& cgroups_path,
                                            const std::string& container_id);

/// Moves the calling thread into the cgroup of each of `files` (writes "0" to each) and
/// closes them. Called first thing by a new single-threaded process (the container's
/// init, an `exec`), so that the whole process moves; the files were opened by the
/// runtime, whose credentials the kernel checks (not the caller's, which may already be
/// an unmapped user in a new user namespace).
Result<void> join_cgroup_self(std::vector<SelfJoinFile>& files);

/// Re-opens an existing container's cgroup from the paths saved in its state file.
Result<std::unique_ptr<Cgroup>> open_cgroup(const CgroupLayout& layout, const std::vector<std::string>& paths);

// ---------------------------------------------------------------------------------------
// Building blocks of cgroup.cpp, cgroup_v1.cpp and cgroup_v2.cpp. The runtime uses the
// two functions above; these are here so the three files can share them and unit tests
// can check the pure parts (which knob gets which value, in which order).

/// One hierarchy's share of a container's cgroup, as make_cgroup / open_cgroup resolved it.
struct CgroupPlace {
  std::string mount;  ///< mount point of the hierarchy: nothing at or above it is made or removed
  std::string dir;    ///< absolute directory of the container's cgroup, below `mount`
  /// `<own cgroup>/minirun` when `dir` is directly inside it: the kit's shared parent,
  /// removed at destroy() once no container uses it. Empty otherwise.
  std::string shared_parent;
  std::vector<std::string> controllers;  ///< v1: the controllers mounted there; v2: empty
};

/// One write of a container's limits to a knob file. Order in a plan matters (v1 wants
/// `memory.limit_in_bytes` before `memory.memsw.limit_in_bytes`, the period before the
/// quota, `a` denied before the device rules are allowed).
struct KnobWrite {
  std::string controller;  ///< controller that owns the knob ("memory"); "" for core files
  std::string knob;        ///< file name, e.g. "memory.limit_in_bytes"
  std::string value;       ///< written in one write(2), as is
  std::string field;       ///< spec field it comes from, e.g. "linux.resources.memory.limit"
  bool skip_if_missing = false;  ///< a missing file means "nothing to change" (swap == limit)
  std::string missing_means;     ///< when the file is missing: why (e.g. swap accounting off)
};

/// The writes that apply `resources` on cgroup v1, in order; pure. Errors name the field.
Result<std::vector<KnobWrite>> plan_v1_writes(const Resources& resources);
/// The writes that apply `resources` on cgroup v2 (v1 values converted as runc does); pure.
Result<std::vector<KnobWrite>> plan_v2_writes(const Resources& resources);

/// The two implementations, for make_cgroup / open_cgroup. `existing`: the directories
/// already exist (open_cgroup); the object then never removes them on its own.
std::unique_ptr<Cgroup> new_cgroup_v1(const CgroupLayout& layout, std::vector<CgroupPlace> places, bool existing);
std::unique_ptr<Cgroup> new_cgroup_v2(const CgroupLayout& layout, CgroupPlace place, bool existing);

/// File operations on a cgroupfs, shared by both versions (cgroup.cpp).
namespace cgroupfs {
/// The directories strictly below `mount` down to `dir`, top first.
std::vector<std::string> dirs_below(const std::string& mount, const std::string& dir);
/// mkdir(2) of one cgroup: true if made, false if it already existed; runs after_mkdir.
Result<bool> make_dir(const CgroupLayout& layout, const std::string& dir);
/// rmdir(2) of one cgroup, retrying for a while on EBUSY (a killed process may still be
/// exiting). A missing directory is fine.
Result<void> remove_dir(const CgroupLayout& layout, const std::string& dir);
/// rmdir(2) if nothing uses the cgroup any more (the shared `minirun` parent); no errors.
void remove_dir_if_unused(const CgroupLayout& layout, const std::string& dir);
/// Writes one knob (no O_CREAT: a missing knob is an error, never a new plain file).
Result<void> write_knob(const std::string& dir, std::string_view knob, std::string_view value);
/// Applies one planned write in `dir`; errors start with the spec field.
Result<void> apply_write(const std::string& dir, const KnobWrite& write);
/// Reads one knob, without the trailing newline.
Result<std::string> read_knob(const std::string& dir, std::string_view knob);
/// A limit as the kernel prints it: "max" (v2) or a value >= 2^62 (v1's "unlimited",
/// 0x7FFFFFFFFFFFF000 on x86-64) becomes 0, the kit's "unlimited".
uint64_t parse_limit(std::string_view text);
/// The number after `key` in a "key value" per line file (memory.events, cpu.stat).
uint64_t keyed_value(std::string_view text, std::string_view key);
/// The pids listed in `dir`/cgroup.procs.
Result<std::vector<pid_t>> read_procs(const std::string& dir);
/// Calls `done` until it returns true, sleeping a little longer each time, for at most
/// `limit`. Returns false on timeout; an error from `done` ends the wait.
Result<bool> wait_until(const std::function<Result<bool>()>& done, std::chrono::milliseconds limit);
}  // namespace cgroupfs

}  // namespace minirun::runtime
