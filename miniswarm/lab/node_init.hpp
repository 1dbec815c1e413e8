/**
 * @file node_init.hpp
 * @brief `miniswarm lab node-init`: pid 1 of a lab node, the process whose death is the
 *        node's power cut.
 *
 * lab_node.cpp starts this as the first process of the node's new PID namespace (with
 * new mount and UTS namespaces, inside the node's network namespace). It is the node's
 * init, in both senses of the word:
 *  1. it makes the node look like a machine from inside: the mounts become slaves of
 *     the host's (MS_REC|MS_SLAVE: what the node mounts, its containers' root
 *     filesystems, never shows on the host, and goes away with the node's mount
 *     namespace), a fresh procfs on /proc (pid_namespaces(7): a /proc shows the PID
 *     namespace of the process that *mounted* it, so without this `ps` and the engine's
 *     pid checks would see host pids), and the hostname node-I (uts_namespaces(7));
 *  2. it boots the node: runs the command in the boot file (`miniswarm init ...` or
 *     `join ...` the first time, the daemon itself after a power cut) and, when that
 *     command fails, exits, which takes the node down with a line in its log;
 *  3. it reaps: `init` and `join` start their daemon detached (fork, setsid, fork), and
 *     an orphan in a PID namespace is adopted by that namespace's init, not the host's;
 *     a pid 1 that never called wait(2) would fill the node with zombies;
 *  4. on SIGTERM (`lab down`) it stops the daemon the normal way (SIGTERM to the pid in
 *     the daemon's pid file, which is a pid of this namespace) and waits a short while,
 *     then exits; the kernel kills whatever is left, containers included.
 *
 * Signals: the kernel delivers to a namespace's init only the signals it has a handler
 * for (pid_namespaces(7), "the init process" ... SIGKILL from an ancestor namespace
 * excepted), so SIGTERM, SIGINT and SIGCHLD get handlers, are blocked, and are taken
 * with sigtimedwait(2) in one loop: no work runs in a signal handler.
 *
 * The boot command comes in a file (ROOT/node-I/lab-boot.json, read and deleted at
 * once) rather than on the command line: a worker's join token must not sit in
 * `ps` output for the node's whole life.
 *
 * Man pages: pid_namespaces(7), mount_namespaces(7) ("shared subtrees"), proc(5),
 * sethostname(2), sigtimedwait(2), wait(2).
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"

namespace miniswarm::lab {

struct NodeInitOptions {
  std::string hostname;   ///< node-I
  std::string state_dir;  ///< ROOT/node-I (its daemon.pid names the daemon to stop)
  std::string boot_file;  ///< JSON {"argv": [...], "log": PATH}
  int stop_grace_ms = 3000;
};

/// ROOT/node-I/lab-boot.json.
std::string boot_file_path(const std::string& state_dir);

/// Writes the boot file (mode 0600): the command and the log its output goes to.
minirun::sys::Result<void> write_boot_file(const std::string& path, const std::vector<std::string>& argv,
                                           const std::string& log_path);

/// The node's init: returns the exit code (0 after a normal stop).
int run_node_init(const NodeInitOptions& options);

}  // namespace miniswarm::lab
