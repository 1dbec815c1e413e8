/**
 * @file state.hpp
 * @brief What the runtime remembers about a container between commands.
 *
 * runc-style runtimes are not daemons: `create`, `start`, `kill` and `delete` are
 * separate invocations, so everything they share lives on disk, one directory per
 * container under the state root (`--root`, default /run/minirun-oci):
 *
 *     /run/minirun-oci/<id>/state.json   pid, its start time, bundle, cgroup paths, ...
 *     /run/minirun-oci/<id>/exec.fifo    present while the container is "created"
 *     /run/minirun-oci/.cache/seccomp/    compiled seccomp programs (seccomp_cache.hpp)
 *
 * Names starting with a dot are the runtime's own, so a container id may not start
 * with one. `run` starts its container itself through a pipe, without an exec fifo:
 * such a container shows as running from the moment it exists.
 *
 * The *status* is never stored: it is read off the system each time, so it cannot go
 * stale when a process dies behind the runtime's back:
 *  - created: the init is alive and the exec fifo still exists (it waits for `start`);
 *  - running: the init is alive and the fifo is gone;
 *  - paused:  running, and the cgroup freezer says frozen;
 *  - stopped: the init is gone (or a zombie, or its pid now names another process,
 *    which the saved start time reveals).
 * The OCI state JSON (`minirun-oci state ID`) is built from this.
 *
 * Reference: runtime-spec runtime.md ("State"). Lab: labs/03-namespaces.
 */
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace minirun::runtime {

using sys::Error;
using sys::Result;

/// The OCI statuses, plus paused (which runc also reports).
enum class Status { created, running, paused, stopped };
const char* status_name(Status s);

/// The saved facts about one container.
struct ContainerState {
  std::string oci_version;
  std::string id;
  std::string bundle;
  std::string rootfs;
  pid_t pid = 0;
  unsigned long long start_time = 0;  ///< of pid, from /proc/PID/stat
  std::string created;                ///< RFC 3339 time of `create`
  uid_t owner_uid = 0;                ///< uid of the creator (runc's `list` shows its name)
  std::vector<std::string> cgroup_paths;
  std::map<std::string, std::string> annotations;
  /// Whether the config has poststart / poststop hooks: only then do `start` and
  /// `delete` read the config again (it is the slow part of both).
  bool has_poststart_hooks = false;
  bool has_poststop_hooks = false;

  nlohmann::json to_json() const;
  static Result<ContainerState> from_json(const nlohmann::json& j);
};

/// The directory of container states.
/// The name prefix of a state directory that StateStore::retire() moved out of the way.
inline constexpr const char* kRetiredPrefix = ".removed-";

/// Deletes `path` (a retired state directory) in a child process that this one does not
/// wait for: it closes every fd first (so nobody reading our output waits for it), leaves
/// our session, deletes, and exits. For a single-threaded process about to exit
/// (RuntimeOptions::defer_state_removal): forked at the very end, the parent then writes
/// to few of the pages it now shares (each first write is a copy-on-write fault). If it
/// cannot fork, deletes here. Returns the child's pid (-1 when it deleted here).
pid_t remove_tree_detached(const std::string& path);

class StateStore {
 public:
  explicit StateStore(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string dir(const std::string& id) const { return root_ + "/" + id; }
  std::string fifo(const std::string& id) const { return dir(id) + "/exec.fifo"; }

  /// Creates the container's directory; fails if the id is taken (mkdir is atomic,
  /// so two concurrent `create`s of one id cannot both win).
  Result<void> reserve(const std::string& id) const;
  Result<void> save(const ContainerState& state) const;
  /// The first save, into a directory just reserved: a plain create, no temporary file
  /// and rename (a reader that meets it half-written skips it, as it skips a directory
  /// with no state yet).
  Result<void> save_new(const ContainerState& state) const;
  Result<ContainerState> load(const std::string& id) const;
  Result<void> remove(const std::string& id) const;
  /// Renames the state directory to `<root>/.removed-<id>` (a dot name: no command lists
  /// it, and the id is free again) and returns that path, for the caller to delete. If
  /// an earlier one of that name is still being deleted, the name gets a number.
  Result<std::string> retire(const std::string& id) const;
  /// Ids with a state directory, sorted.
  std::vector<std::string> ids() const;

 private:
  std::string root_;
};

/// Checks a container id: non-empty, at most 1024 characters of [A-Za-z0-9_+.-], not
/// "." or "..": it becomes a directory name, so `../x` must never be accepted.
Result<void> validate_container_id(const std::string& id);

/// Whether the saved pid still names the saved process and it has not exited.
bool init_alive(const ContainerState& state);

/// The user name of `uid` (getpwuid(3)), or the number when there is none.
std::string user_name(uid_t uid);

}  // namespace minirun::runtime
