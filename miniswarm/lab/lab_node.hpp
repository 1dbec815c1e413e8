/**
 * @file lab_node.hpp
 * @brief A lab node's body: its init process in fresh PID, mount and UTS namespaces,
 *        joined to the node's network namespace; powering it off; what is left after.
 *
 * What makes a process tree a "machine" that can lose power at once is a PID namespace
 * (pid_namespaces(7)). Its first process is its init (pid 1 inside). When that init
 * dies, for whatever reason, the kernel sends SIGKILL to every other process in the
 * namespace, and that includes every process of the namespaces nested in it: a node's
 * containers have PID namespaces of their own, but they are nested in the node's, so
 * they die too. One SIGKILL to one process on the host is then a power cut for the
 * node's agent, its container monitors and its containers, with nothing left running.
 * (A plain SIGKILL of the agent, as in the swarm e2e tests, leaves its containers
 * running: each has its own monitor. That is a crashed agent, not a lost machine.)
 *
 * spawn_node_init() makes that process:
 *  1. fork; the child starts a new session (no terminal), enters the node's network
 *     namespace with setns(2) on /run/netns/NAME, and unshare(2)s CLONE_NEWNS,
 *     CLONE_NEWUTS and CLONE_NEWPID. unshare(CLONE_NEWPID) does not move the caller: it
 *     makes the caller's *next child* the first process of the new namespace;
 *  2. so it forks again: that grandchild is pid 1 of the node, and execs
 *     `miniswarm lab node-init` (node_init.hpp), which mounts a fresh /proc (so that
 *     pids in the node's /proc are the node's own), sets the hostname and boots the
 *     node's daemon;
 *  3. the middle process reports the init's host pid and start time and exits, so the
 *     init is nobody's child on the host (like a daemon) and outlives `lab up`.
 *
 * The node shares the host's filesystem (its state dir and image store are
 * directories of it) and the host's cgroup namespace: the node's containers get their
 * cgroups where any minirun container would, and the engine records their paths in its
 * state files (ROOT/node-I/engine/runtime/ID/state.json). Those directories are what a
 * power cut leaves behind outside the node: the kernel removes the node's mounts with
 * its mount namespace and its processes with its PID namespace, but an empty cgroup
 * directory stays until someone rmdir(2)s it. remove_node_cgroups() does, for the
 * recorded paths only, and only when they are empty (rmdir refuses otherwise); and for
 * the runtime's shared `minirun` parent above them, which the runtime itself removes
 * with its last container but a killed node's runtime never gets to.
 *
 * Left out: a user namespace (the nodes run as root, as the daemons on a real node do),
 * a private /sys (remounting sysfs would hide /sys/fs/cgroup, which the node's runtime
 * needs), per-node resource limits (a cgroup per node would be the way).
 *
 * Man pages: pid_namespaces(7), mount_namespaces(7), uts_namespaces(7), setns(2),
 * unshare(2), proc(5) (/proc/PID/stat), cgroups(7).
 */
#pragma once

#include <string>
#include <vector>

#include "miniswarm/lab/lab_state.hpp"
#include "minirun/sys/error.hpp"

namespace miniswarm::lab {

/// Starts `argv` (argv[0] is replaced by this program's path) as pid 1 of new PID,
/// mount and UTS namespaces, inside the network namespace at `netns_file`, with stdout
/// and stderr appended to `log_path`. Returns the host pid and its start time.
minirun::sys::Result<ProcessId> spawn_node_init(const std::string& netns_file, const std::vector<std::string>& argv,
                                                const std::string& log_path);

/// True when `id` names a live process: the pid exists, is not a zombie, and has the
/// recorded start time (a recycled pid has another).
bool is_alive(const ProcessId& id);

/// Power cut: SIGKILL to the node's init (after checking it still is that process),
/// then waits until it is dead, which the kernel makes mean "the whole node is dead".
/// Success when it was dead already.
minirun::sys::Result<void> kill_node_init(const ProcessId& id);

/// Shutdown: SIGTERM (node-init stops the daemon normally), then SIGKILL after
/// `grace_ms`. Success when it was dead already.
minirun::sys::Result<void> stop_node_init(const ProcessId& id, int grace_ms);

/// Removes the cgroup directories the node's containers left (read from the engine's
/// state files under `state_dir`/engine/runtime), and a `minirun` parent above one of
/// them: only those that exist and are empty. Returns how many it removed.
minirun::sys::Result<int> remove_node_cgroups(const std::string& state_dir);

}  // namespace miniswarm::lab
