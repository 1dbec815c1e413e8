/**
 * @file setup_steps.hpp
 * @brief The container's first process: every setup step, in order, with reasons.
 *
 * This is the one place where the order of container setup is written down. The
 * order is not a matter of taste; each step needs what the previous ones did and would
 * be blocked by what the later ones do:
 *  - mounts happen before pivot_root, because the host paths (bind sources) are only
 *    reachable before it;
 *  - the first mounts are made while the parent makes the cgroup (cgroup v1), and the
 *    cgroup namespace and `cgroup` mount only once the process is in its cgroup, since
 *    a cgroup namespace is rooted wherever its creator is at that moment;
 *  - pivot_root happens before masking /proc paths, because the masks must apply to
 *    the container's /proc, not the host's;
 *  - the bounding set is dropped while the process still has CAP_SETPCAP;
 *  - the user is switched with PR_SET_KEEPCAPS, then the capability sets are set;
 *  - no_new_privs, then the seccomp filter, last: after it, mount(2), pivot_root(2)
 *    and friends may be forbidden, so nothing after it may need them.
 * `--explain` prints this same list as it runs (explain.hpp). The written version with
 * a paragraph per step is docs/design/runtime-setup-order.md.
 *
 * Lab: labs/03-namespaces, labs/05-capabilities-seccomp.
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/runtime/explain.hpp"
#include "minirun/runtime/namespaces.hpp"
#include "minirun/runtime/rootfs.hpp"
#include "minirun/runtime/seccomp.hpp"
#include "minirun/runtime/spec.hpp"

namespace minirun::runtime {

/// Everything the container's init needs, prepared by the parent before clone.
struct InitContext {
  const Spec* spec = nullptr;
  int sync_fd = -1;                     ///< child's end of the sync socket
  int exec_fifo_fd = -1;                ///< what `start` writes to: the fifo (read-write) or a pipe
  int start_pipe_fd = -1;               ///< the pipe's write end (parent's), closed in the child
  const SeccompFilter* seccomp = nullptr;  ///< compiled filter, or nullptr
  CgroupBinds cgroups;                  ///< own cgroup dirs for the /sys/fs/cgroup mount
  CgroupControllers cgroup_controllers; ///< v1: each hierarchy's controllers, to mount it afresh
  /// cgroup v1: the `tasks` files the child writes "0" into to move itself into its
  /// cgroup (cgroup.hpp); empty on v2, where it is born inside.
  std::vector<SelfJoinFile>* cgroup_join = nullptr;
  const std::vector<NamespaceToJoin>* joins = nullptr;
  bool new_user_namespace = false;
  bool new_mount_namespace = false;
  bool new_network_namespace = false;  ///< made by this clone: the child sets `lo` up
  /// cgroup v1: the child was cloned without CLONE_NEWCGROUP and makes its cgroup
  /// namespace itself once it has moved into its cgroup (see setup_steps.cpp).
  bool unshare_cgroup_namespace = false;
  int console_socket = -1;              ///< where to send the pty master (terminal: true)
  int dmz_fd = -1;                      ///< sealed minirun-dmz, exec'd last (dmz.hpp)
  bool explain = false;
};

/// Runs in the cloned child. Never returns: it ends in execve(2) of the user's
/// program, or reports the error on the sync socket and exits 1.
[[noreturn]] void container_init(const InitContext& ctx);

/// The part shared with `exec`: switch user, set capabilities and no_new_privs, call
/// `before_exec` (the `start` handshake for init, nothing for exec), load seccomp, execve.
/// Returns only on error.
/// The final execve goes through the sealed minirun-dmz in `dmz_fd` (see dmz.hpp).
using BeforeExec = sys::Result<void> (*)(void* arg, Explainer& explain);
sys::Error finish_and_exec(const Process& process, const SeccompFilter* seccomp, Explainer& explain,
                           BeforeExec before_exec, void* arg, int dmz_fd);

/// Looks `name` up in the PATH of `env` the way execvp(3) would (a name with a slash
/// is used as is); the error says which PATH was searched.
sys::Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env);

}  // namespace minirun::runtime
