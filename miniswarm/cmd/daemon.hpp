/**
 * @file daemon.hpp
 * @brief The node's background process: started by `init`/`join`, ended by `leave`.
 *
 * Docker has dockerd running already when `docker swarm init` is typed; miniswarm has no
 * daemon until a node enters a swarm. So `init` and `join` do their work (make the
 * swarm, or join one) in the foreground, where errors can be shown, and then start
 * `miniswarm manager` or `miniswarm agent` in the background, detached the classic way
 * (fork, setsid, fork again: no controlling terminal, not a child of the shell), with
 * its output in `<state-dir>/daemon.log` and its pid in `<state-dir>/daemon.pid`.
 * The foreground command waits until the daemon is ready (or shows the end of its log
 * when it died) before it returns.
 *
 * `leave` ends the daemon by the pid in the file, after checking that the pid is still
 * a miniswarm daemon for this state dir (a stale pid file must never make us signal
 * someone else's process).
 *
 * Man pages: daemon(7), setsid(2), kill(2). Docs: docs/design/swarm.md.
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"

namespace miniswarm::cmd {

std::string daemon_log_path(const std::string& state_dir);
std::string daemon_pid_path(const std::string& state_dir);

/// Starts `argv` (argv[0] = this program) detached, output to the log. Returns its pid.
minirun::sys::Result<int> start_daemon(const std::string& state_dir, const std::vector<std::string>& argv);

/// Writes this process's pid to the pid file (the daemon calls it first thing).
minirun::sys::Result<void> write_pid_file(const std::string& state_dir);

/// The daemon's pid if it is running (and really is ours), else 0.
int running_daemon(const std::string& state_dir);

/// SIGTERM, then SIGKILL after `grace_ms`; removes the pid file.
minirun::sys::Result<void> stop_daemon(const std::string& state_dir, int grace_ms = 15000);

/// The last `lines` lines of the daemon log (for error messages).
std::string daemon_log_tail(const std::string& state_dir, int lines = 10);

/// This program's path (/proc/self/exe).
std::string self_executable();

}  // namespace miniswarm::cmd
