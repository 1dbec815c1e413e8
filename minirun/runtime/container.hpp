/**
 * @file container.hpp
 * @brief The OCI lifecycle: create, start, state, kill, delete (and run, exec, pause).
 *
 * The OCI runtime spec splits starting a container in two. `create` builds everything
 * (namespaces, cgroup, mounts, privileges) and leaves the container's first process
 * waiting just before execve(2); `start` lets it go. Between the two an engine can wire
 * up networking or run hooks, knowing the process exists but has not run a single
 * instruction of the user's program. `run` is both at once.
 *
 *     create:  parent                               child (container init)
 *              load config, make cgroup, compile
 *              seccomp, mkfifo exec.fifo
 *              clone3(CLONE_NEW*) ------------------> waits for "go"
 *              add to cgroup, write id maps, "go" --> setup steps (setup_steps.cpp)
 *              waits for "ready"  <------------------ "ready", then blocks on exec.fifo
 *              save state.json, createRuntime hooks
 *              exit; the child lives on
 *     start:   write a byte to exec.fifo ----------> seccomp, execve(process.args)
 *
 * Any failure in `create` undoes everything it did: the child is killed, the cgroup
 * removed, the state directory deleted. `delete` does the same for a stopped
 * container (or, with --force, for a running one after SIGKILL).
 *
 * This class is the library API; minirun/cmd/minirun_oci.cpp is a thin command line
 * over it, and the `minirun` engine will call it directly.
 *
 * Reference: runtime-spec runtime.md ("Lifecycle", "Operations"). Lab: labs/03-namespaces.
 */
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/runtime/spec.hpp"
#include "minirun/runtime/state.hpp"
#include "minirun/sys/process.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

/// Global options (runc's global flags).
struct RuntimeOptions {
  std::string root = "/run/minirun-oci";  ///< state root (--root)
  bool explain = false;                   ///< print setup steps (--explain)
  bool debug = false;                     ///< log more (--debug)
  /// `delete` (and the end of `run`) only renames a container's state directory out of
  /// the way (StateStore::retire: the id is free at once) and lists it in
  /// Runtime::take_retired(), for the caller to delete once nobody waits for it: the
  /// minirun-oci command from a child it does not wait for, as it exits
  /// (remove_tree_detached); the engine's monitor after it has let its client go.
  /// Removing a directory frees its disk block, and on a disk mounted `discard` rmdir(2)
  /// waits for the device to trim it (80-370 us on the lab VM), a tenth of a whole `run`.
  bool defer_state_removal = false;
};

/// Options of `create` and `run`.
struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  int console_fd = -1;  ///< an already connected console socket (foreground `run` with a tty)
  /// `run` only: the init waits on a pipe held by this process instead of the exec
  /// fifo in the state directory, since no other command will ever start it.
  bool start_through_pipe = false;
  /// `run` only: when no hook must run between create and start, the start byte is
  /// written right after "go", so the init never stops to wait for it.
  bool start_immediately = false;
  /// The bundle's config, in memory, from a caller that made it (the engine's monitor):
  /// read from a file and parsed it would cost a fifth of `create`. Whatever is in
  /// config.json should say the same: `delete` by id reads the poststop hooks there.
  const nlohmann::json* config = nullptr;
  /// linux.seccomp already in the runtime's form, used instead of the config's (which
  /// is then not even read): the engine's built-in profile, made from a table, which
  /// saves parsing and checking its ~400 syscall names again (~0.1-0.2 ms of a start).
  /// `canonical` must be what parsing the saved config.json gives, so that `exec` finds
  /// the same compiled filter in the cache.
  const Seccomp* seccomp = nullptr;
};

class Cgroup;

/// What `create` hands back: the container's init, its cgroup and hooks, so that `run`
/// can start, wait and clean up without reading them back from disk.
struct CreatedContainer {
  sys::ChildProcess init;
  bool terminal = false;
  std::shared_ptr<Cgroup> cgroup;  ///< released: it is not removed when this goes away
  Hooks hooks;                     ///< poststart and poststop are run later
  ContainerState state;
  sys::UniqueFd start_pipe;        ///< write end, with CreateOptions::start_through_pipe
  bool started = false;            ///< the start byte was already written (start_immediately)
};

/// Options of `exec`.
struct ExecOptions {
  bool detach = false;
  std::string pid_file;
  std::string console_socket;
};

/// One row of `list`.
struct ContainerSummary {
  ContainerState state;
  Status status;
};

/// A container runtime over one state root.
class Runtime {
 public:
  explicit Runtime(RuntimeOptions options);

  /// `create`: sets the container up, leaves it waiting for `start`. The returned
  /// process is the container's init; the caller releases it (create) or waits for it (run).
  Result<CreatedContainer> create(const CreateOptions& options);
  /// `start`: lets a created container run its program.
  Result<void> start(const std::string& id);
  /// `start` for a container created by this process (no state to read back).
  Result<void> start(CreatedContainer& created);
  /// `run`: create + start; in the foreground, waits, forwards signals, deletes the
  /// container, and returns its exit code (128+N for signal N). Detached: returns 0.
  Result<int> run(const CreateOptions& options, bool detach);
  /// The current status, read off the system.
  Result<Status> status(const ContainerState& state) const;
  /// `state`: the OCI state JSON.
  Result<nlohmann::json> state_json(const std::string& id) const;
  /// `kill`: a signal to the init (or, with all, to every process in the cgroup).
  Result<void> kill(const std::string& id, int signal, bool all);
  /// `delete`: removes a stopped (or created) container; --force kills a running one first.
  /// A state directory without state.json, a second old at least, is what a `create`
  /// killed between reserving the id and its first save leaves: `delete` removes it (as
  /// runc's does) with the cgroup where the default placement put it.
  Result<void> remove(const std::string& id, bool force);
  /// `delete` of a container this process created (and whose init it has waited for,
  /// else what is left in the cgroup is killed): from what create() handed back, with no
  /// reading back of the state or the cgroup layout. The monitor's way (with
  /// RuntimeOptions::defer_state_removal: it deletes the state directory once nobody
  /// waits for it).
  Result<void> remove(CreatedContainer& created);
  /// `list`.
  std::vector<ContainerSummary> list() const;
  /// `ps`: the host pids in the container's cgroup.
  Result<std::vector<pid_t>> processes(const std::string& id) const;
  /// `pause` / `resume` (cgroup freezer).
  Result<void> pause(const std::string& id);
  Result<void> resume(const std::string& id);
  /// `exec`: a new process in a running container. Returns its exit code (0 if detached).
  /// `process.terminal` asks for a pty (to --console-socket, or relayed in the foreground).
  Result<int> exec(const std::string& id, const Process& process, const ExecOptions& options);
  /// The saved state of a container.
  Result<ContainerState> load(const std::string& id) const { return store_.load(id); }

  const StateStore& store() const { return store_; }
  /// With RuntimeOptions::defer_state_removal: the state directories retired since the
  /// last call, still to be deleted (their ids are free already).
  std::vector<std::string> take_retired() { return std::exchange(retired_, {}); }

 private:
  /// Writes the byte the init waits for on the exec fifo, then runs poststart hooks.
  Result<void> release_init(const ContainerState& state, const std::vector<Hook>& poststart);
  Result<void> run_poststart_hooks(const ContainerState& state, const std::vector<Hook>& poststart);
  /// The end of `delete`: kills what is left in the cgroup, removes it and the state,
  /// runs poststop hooks.
  Result<void> tear_down(const ContainerState& state, Cgroup* cgroup, const std::vector<Hook>& poststop);
  /// What a killed `create` left of `id` (remove() says when): its default-placed
  /// cgroup, if any and empty, and the state directory.
  Result<void> remove_aborted(const std::string& id);

  RuntimeOptions options_;
  StateStore store_;
  std::vector<std::string> retired_;  ///< take_retired()
};

/// The cgroup of an existing container, from the paths in its state (nullptr when it
/// has none).
Result<std::unique_ptr<Cgroup>> open_container_cgroup(const ContainerState& state);

/// Signal name or number ("TERM", "SIGTERM", "15") -> number; error names the input.
Result<int> parse_signal(const std::string& text);

}  // namespace minirun::runtime
