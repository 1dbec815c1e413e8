/**
 * @file lab_cluster.hpp
 * @brief The lab's life cycle in steps: build the wiring, boot a node, power one off,
 *        take everything down again.
 *
 * `lab up` is a sequence of steps that each make something on the host (a directory, a
 * state file, a bridge, namespaces, veths, processes). Any step can fail: the subnet is
 * taken, a name exists from an earlier lab, a node does not come up. A failed `up`
 * must leave the VM as it found it, so every step is recorded in ROOT/lab.json *before*
 * it makes anything, and the undo is one function, tear_down_lab(), that removes
 * whatever the file names and tolerates what is missing. The same function is
 * `lab down`, so `down` works after a complete `up`, a partial one, or a `kill`, and a
 * second `down` finds nothing to do.
 *
 * The order of tear_down_lab, with its reasons:
 *  1. stop every node's init (SIGTERM, a short grace for the daemon to stop normally,
 *     then SIGKILL): its whole PID namespace goes with it, containers included;
 *  2. remove the cgroup directories the nodes' containers left (lab_node.hpp): only
 *     now are they empty;
 *  3. delete each node's veth and unmount its network namespace: no process holds the
 *     namespace any more, so the kernel frees it;
 *  4. delete the bridge;
 *  5. remove the node directories, then lab.json (last: until then a failed `down` can
 *     be run again), and the root if `up` created it.
 *
 * Talking to the manager (waiting for READY nodes, fetching the join token) is not
 * here: it is the CLI's job (cmd_lab.cpp), through the manager's local socket.
 */
#pragma once

#include <functional>
#include <string>

#include "miniswarm/lab/lab_plan.hpp"
#include "miniswarm/lab/lab_state.hpp"
#include "minirun/sys/error.hpp"

namespace miniswarm::lab {

/// One line of progress for the learner ("node-2: network namespace mswlab-node-2").
using Progress = std::function<void(const std::string&)>;

/// Checks (no lab in the root yet, the names unused, the subnet free), then makes the
/// root, lab.json, the bridge, and every node's directory, namespace and cable. On
/// failure it removes what it made and says which step failed.
minirun::sys::Result<LabState> create_lab(const LabOptions& options, const Progress& progress);

/// Starts `node`'s init with `argv` as its boot command (output to `boot_log`) and
/// records its pid in lab.json. Fails when the node is running already.
minirun::sys::Result<void> boot_node(LabState& state, const NodePlan& node, const std::vector<std::string>& argv,
                                     const std::string& boot_log);

/// `lab kill`: SIGKILL of the node's init, then its containers' cgroups removed.
/// Returns how many cgroup directories were removed.
minirun::sys::Result<int> power_off_node(const LabState& state, const NodePlan& node);

/// running, killed (its init is dead, or never started), partitioned (running with its
/// cable down), or not wired (its veth is missing).
std::string node_status(const LabState& state, const NodePlan& node);

/// Everything `up` made, in the order above; missing pieces are fine. Every step is
/// tried even after a failure; the error lists the failures.
minirun::sys::Result<void> tear_down_lab(const LabState& state, const Progress& progress, int grace_ms = 3000);

}  // namespace miniswarm::lab
