/**
 * @file monitor.hpp
 * @brief The per-container monitor: the process that keeps a detached container alive.
 *
 * Who waits for a detached container? Its parent must reap it (wait(2)) to learn the
 * exit code, someone must read its stdout and stderr or it blocks once the pipe is full,
 * someone must run its healthcheck every 30 s and restart it when the policy says so.
 * Docker's daemon delegates this to containerd-shim; podman to conmon. The kit has no
 * daemon, so each container gets its own small monitor (`minirun-monitor`, a static
 * binary, a few hundred KiB resident): `minirun start` spawns it in its own session
 * (setsid(2)) so it outlives the command and the terminal, and the monitor:
 *
 *  1. creates and starts the container through the runtime library: the container's
 *     init is the monitor's child, so the monitor can reap it;
 *  2. copies the container's stdout and stderr (pipes, or a pty master with -t) into the
 *     json-file log (json_log.hpp), and to an attached `minirun run` when there is one;
 *  3. runs the healthcheck on its schedule (an `exec` in the container, killed at the
 *     timeout) and records the result in the state;
 *  4. on exit: reaps the init, reads the cgroup's OOM-kill count, deletes the runtime
 *     container (cgroup and all), records ExitCode / OOMKilled / FinishedAt;
 *  5. applies the restart policy (restart_policy.hpp) with Docker's back-off, or
 *     unmounts the rootfs and exits; with --rm it first removes the container itself,
 *     with the engine's own `rm` code (Engine::remove, container_removal.cpp), so
 *     removal is written once and costs no second program start. The container's files
 *     go to the data root's trash/ in that step and are deleted after the attached
 *     `run` has been let go (ContainerStore::retire).
 *
 * A `run` spawns its monitor first thing, before it parses its flags or writes the
 * container (spawn_early_monitor, `--id-on-fd`): the program's start overlaps with that
 * work, and its orders (MonitorOrders: the id, the engine's paths, attached or not)
 * follow on fd 6.
 *
 * The monitor writes state.json but never needs to be asked anything: `stop` signals
 * the container and watches the state (engine.hpp). If the monitor is killed, the
 * container runs on unsupervised and readers see "monitor lost" (container_state.hpp).
 *
 * Man pages: setsid(2), pidfd_open(2), poll(2), timerfd_create(2), pty(7).
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

/// How `minirun start` launches a monitor. The fds are the monitor's fd numbers.
struct MonitorArgs {
  std::string data_root;
  std::string id;
  std::string image_root;    ///< the image store, whose hold --rm releases
  std::string init_path;     ///< minirun-init, bind-mounted for --init
  std::string net_plugin_path;  ///< minirun-net, to take published ports down at the end
  bool attached = false;     ///< copy output to fds 4/5 and report the exit code on fd 3
  /// Fork once at start and let the parent exit, so the monitor is nobody's child (the
  /// engine spawns it with posix_spawn and waits only for that parent).
  bool detach = false;
  /// `--id-on-fd`: spawned before its container was written (spawn_early_monitor); the
  /// rest arrives as MonitorOrders on fd kMonitorIdFd, and EOF instead means "not needed".
  bool id_on_fd = false;
};

/// Fd numbers of the spawn protocol.
inline constexpr int kMonitorStatusFd = 3;  ///< "started PID\n" | "error TEXT\n", then "exit CODE\n" if attached
inline constexpr int kMonitorStdoutFd = 4;  ///< attached: where the container's stdout goes
inline constexpr int kMonitorStderrFd = 5;
inline constexpr int kMonitorIdFd = 6;      ///< with --id-on-fd: MonitorOrders once the container exists

/// What an early monitor (`--id-on-fd`) is told once its container exists: one JSON
/// line on kMonitorIdFd (Engine::start). It was spawned before `minirun run` had parsed
/// its flags, so everything its command line would say comes here.
struct MonitorOrders {
  std::string id;
  std::string data_root;
  std::string image_root;
  std::string init_path;
  std::string net_plugin_path;
  bool attached = false;   ///< keep fds 4/5 (our client's stdout/stderr), as --attached
  bool keep_stdin = false;  ///< keep fd 0 (`run -i`); otherwise it becomes /dev/null

  std::string to_line() const;  ///< the JSON line, "\n"-terminated
  static sys::Result<MonitorOrders> parse(const std::string& line);
};

/// With --id-on-fd: waits for the orders on kMonitorIdFd, fills `args` from them and
/// points the fds it is not to keep at /dev/null. An error when the engine closed the
/// socket without orders (its create failed, or `run` was only asked for --help): the
/// monitor then exits at once, having touched nothing.
sys::Result<void> receive_monitor_orders(MonitorArgs& args);

/// The monitor's main loop; returns the process exit status (0: the container was
/// supervised to its end).
int run_monitor(const MonitorArgs& args);

/// Parses the monitor's command line (`--data-root D --id ID [--image-root R] [--init P] [--net P] [--attached]`).
sys::Result<MonitorArgs> parse_monitor_args(int argc, char** argv);

}  // namespace minirun::engine
