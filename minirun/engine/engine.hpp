/**
 * @file engine.hpp
 * @brief The engine as a library: create, start, stop, kill, remove, list, inspect, wait.
 *
 * `minirun` (the command) is a thin layer over this class, and the swarm agent drives the
 * same class, so everything a program needs to run containers is here, and everything
 * lives on disk (container_store.hpp): an Engine object holds no state a crash could lose.
 *
 * The life of a detached container, as `minirun run -d busybox sleep 60` lives it:
 *
 *     minirun (this process)                         minirun-monitor (one per container)
 *     create: resolve the image, merge its config
 *       with the flags, claim the name, write
 *       config.json, hold the image
 *     start: mount the overlay rootfs, write the
 *       OCI bundle, spawn the monitor ------------->  (double fork, own session)
 *                                                     Runtime::create + start: the container
 *       wait for "started" or an error <------------  "started"
 *     exit                                            poll: stdout/stderr -> json log,
 *                                                     healthchecks, the init's pidfd
 *                                                     exit: reap, record exit code and OOM,
 *                                                     restart policy, unmount, (--rm: remove)
 *
 * `stop` never talks to the monitor: it marks the state "stop requested", signals the
 * container's init through the runtime, and waits for the monitor to record the exit,
 * so a stop works the same whether the monitor is healthy, busy, or gone.
 *
 * Reference: docker run/start/stop/rm/ps/inspect/wait documentation. Lab: labs/01-image-and-container.
 */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "minirun/engine/container_config.hpp"
#include "minirun/engine/container_state.hpp"
#include "minirun/engine/container_store.hpp"
#include "minirun/network/network_store.hpp"
#include "minirun/runtime/container.hpp"

namespace minirun::engine {

struct EngineOptions {
  std::string data_root = "/var/lib/minirun";
  std::string image_root = "/var/lib/minirun/images";  ///< the imagebuilder store
  std::string monitor_path;  ///< minirun-monitor; default: next to this executable
  std::string init_path;     ///< minirun-init for --init; default: next to this executable
  std::string net_plugin_path;  ///< minirun-net (nftables changes); default: next to this executable
};

/// What `run`/`create` asks for: a config whose fields the flags set, plus which ones
/// they set, since an unset flag means "take the image's".
struct CreateRequest {
  ContainerConfig config;
  bool entrypoint_set = false;  ///< --entrypoint given (even empty: "" clears the image's)
  bool stop_signal_set = false;
  bool no_healthcheck = false;
  std::vector<std::string> env_flags;  ///< -e / --env-file, applied over the image's Env
  std::map<std::string, std::string> label_flags;
  std::vector<std::string> security_opts;  ///< raw --security-opt values, kept for inspect
  std::string ip;                          ///< --ip on the --network
  std::vector<std::string> network_aliases;  ///< --network-alias on the --network
  /// `run`: the container is born claimed for a start by this process (the claim
  /// start() would otherwise write into state.json as a second step; see start_claimed).
  bool claim_start = false;
};

/// How a foreground `run`/`start -a` is attached to this process.
struct Attach {
  int stdin_fd = -1;   ///< passed to the container with -i, else -1
  int stdout_fd = 1;   ///< the monitor copies the container's stdout here (and to the log)
  int stderr_fd = 2;
};

/// The name of a container's hold on its image (`container:<short id>`, holds.hpp).
std::string image_holder(const ContainerConfig& c);

/// A container as `ps` and `inspect` see it.
struct ContainerView {
  ContainerConfig config;
  ContainerState state;  ///< observed: checked against the system (container_state.hpp)
};

/// A monitor spawned before its container exists (spawn_early_monitor): it has started
/// and waits for its orders on a socket (which container, which engine, attached or
/// not). Whoever gives up on it just lets this object go: the socket closes, and the
/// monitor exits without touching anything.
class EarlyMonitor {
 public:
  EarlyMonitor() = default;
  EarlyMonitor(EarlyMonitor&& other) noexcept
      : spawned_(std::exchange(other.spawned_, -1)),
        go_(std::move(other.go_)),
        status_(std::move(other.status_)),
        detaches_(other.detaches_) {}
  EarlyMonitor& operator=(EarlyMonitor&&) = delete;
  ~EarlyMonitor();

 private:
  friend class Engine;
  friend Result<EarlyMonitor> spawn_early_monitor(const std::string& monitor_path, const std::string& data_root);
  pid_t spawned_ = -1;      ///< the posix_spawn'ed process: the monitor, or (detaches_) its parent
  sys::UniqueFd go_;        ///< our end of the socket pair: its MonitorOrders go here
  sys::UniqueFd status_;    ///< read end of the monitor's status channel
  bool detaches_ = false;   ///< spawned with --detach: spawned_ forks the monitor and exits
};

/// `minirun run`'s first step, before it even parses its flags: starting a process costs
/// ~0.7 ms here (exec, the C library's set-up), which then overlaps with the parsing and
/// create()'s work instead of following them. The monitor (`monitor_path`, or the one
/// next to this executable) gets our stdin, stdout and stderr, and lets go of those it
/// is not to keep once it has its orders (Engine::start). It stays this process's child
/// (no second fork): for a short-lived caller such as the CLI, which exits long before
/// it; a long-lived caller uses Engine::start(id). `data_root`, when given, goes on its
/// command line (`--data-root`) for whoever looks at processes; its orders repeat it.
Result<EarlyMonitor> spawn_early_monitor(const std::string& monitor_path = {}, const std::string& data_root = {});

class Engine {
 public:
  explicit Engine(EngineOptions options);

  const EngineOptions& options() const { return options_; }
  const ContainerStore& store() const { return store_; }
  network::NetworkStore& networks() { return networks_; }

  /// `create`: resolves the image, merges, validates, writes the container. Returns its config.
  Result<ContainerConfig> create(CreateRequest request);
  /// `start`: mounts the rootfs, writes the bundle, starts the monitor, waits until the
  /// container runs (or failed to). With `attach`, the monitor copies output to the
  /// given fds and start returns once it runs; wait_attached() then gives the exit code.
  Result<void> start(const std::string& id_or_name, const Attach* attach = nullptr);
  /// `run`'s faster start: spawn the monitor first (spawn_early_monitor() below), then
  /// create(), then start() with it.
  /// start() of the container create() has just returned, with a monitor from
  /// spawn_early_monitor(); `early` is used up either way. The config is the one
  /// create() returned: nothing is looked up or read back. The monitor learns the
  /// container, this engine's paths and `attach` (which of our fds it keeps) now.
  Result<void> start(const ContainerConfig& created, const Attach* attach, EarlyMonitor early);
  /// After start(..., attach): the exit code once the container has exited (the monitor
  /// writes it on the attach channel). Forwards SIGINT/SIGTERM/... to the container.
  Result<int> wait_attached();
  /// `stop`: the stop signal, `timeout` seconds (default: the container's), then SIGKILL.
  Result<void> stop(const std::string& id_or_name, std::optional<int> timeout = std::nullopt);
  /// `kill`: a signal to the container's init. The exit it causes is not restarted.
  Result<void> kill(const std::string& id_or_name, int signal);
  /// `rm`: refuses a running container unless `force` (which kills it first).
  /// `volumes` also removes its anonymous volumes.
  Result<void> remove(const std::string& id_or_name, bool force, bool volumes);
  /// remove() of a container whose config the caller holds (and knows to be current),
  /// except that its files are only moved to the trash (ContainerStore::retire): their
  /// directory is returned for the caller to delete. The --rm monitor's way.
  Result<std::string> remove_and_keep_files(const ContainerConfig& config, bool force, bool volumes);
  /// `restart`: stop (if running) + start.
  Result<void> restart(const std::string& id_or_name, std::optional<int> timeout = std::nullopt);
  /// `pause` / `unpause`: the cgroup freezer.
  Result<void> pause(const std::string& id_or_name);
  Result<void> unpause(const std::string& id_or_name);
  /// `wait`: blocks until the container is not running; returns its exit code.
  Result<int> wait(const std::string& id_or_name);

  /// `network connect`: leases an address on one more network; a running container
  /// gets its veth at once.
  Result<NetworkAttachment> connect(const std::string& network, const std::string& id_or_name, const std::string& ip,
                                    const std::vector<std::string>& aliases);
  /// `network disconnect`: the reverse (a running container loses the interface at once).
  Result<void> disconnect(const std::string& network, const std::string& id_or_name);

  Result<ContainerView> inspect(const std::string& id_or_name) const;
  /// Every container (with `all`) or the running ones, newest first.
  std::vector<ContainerView> list(bool all) const;

  /// The runtime over this engine's runtime state root.
  runtime::Runtime runtime() const;

 private:
  Result<void> remove_container(const std::string& id_or_name, bool force, bool volumes, std::string* retired);
  Result<void> remove_loaded(const ContainerConfig& config, bool force, bool volumes, std::string* retired);
  Result<void> start_claimed(const ContainerConfig& config, const Attach* attach, EarlyMonitor* early);
  Result<void> start_locked(const ContainerConfig& config, const Attach* attach, EarlyMonitor* early);
  /// posix_spawn of minirun-monitor with the spawn protocol's fds (monitor.hpp).
  Result<EarlyMonitor> spawn_monitor(const std::string& id, const Attach* attach);
  /// Waits until the monitor has recorded that the container is no longer running.
  Result<ContainerState> wait_not_running(const std::string& id, int timeout_ms) const;
  /// Cleans up a container whose monitor is gone: runtime state, cgroup, rootfs mount.
  Result<void> clean_up_unsupervised(const ContainerConfig& config);

  /// start: the bridges up, the ports published (recorded in state.json).
  Result<void> prepare_network(const ContainerConfig& config);
  /// Takes down what a container published, if its state still lists anything.
  Result<void> unpublish_recorded(const std::string& id);

  EngineOptions options_;
  ContainerStore store_;
  network::NetworkStore networks_;
  int attach_fd_ = -1;  ///< read end of the channel from the attached monitor
  std::string attach_id_;
  /// The container create() has just written claimed for this process's start
  /// (CreateRequest::claim_start): start() then has nothing to read or write first.
  std::string born_claimed_;
};

/// The directory of the running executable (for the monitor and init binaries).
std::string executable_dir();

}  // namespace minirun::engine
