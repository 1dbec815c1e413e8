/**
 * @file namespaces.hpp
 * @brief Namespaces: what the container can see, chosen from the config.
 *
 * A namespace wraps one global resource so that the processes inside get their own
 * copy: their own pid numbers (CLONE_NEWPID: the container's first process is pid 1),
 * their own mount table (CLONE_NEWNS), hostname (CLONE_NEWUTS), System V IPC and
 * POSIX message queues (CLONE_NEWIPC), network stack (CLONE_NEWNET: only a loopback
 * device until someone adds an interface), cgroup root (CLONE_NEWCGROUP), and user
 * and group ids (CLONE_NEWUSER: root inside can be an ordinary user outside).
 *
 * A config entry without a path asks for a new namespace: its flag goes to clone3(2).
 * One with a path joins an existing namespace (`/proc/PID/ns/net`, or a bind-mounted
 * namespace file) with setns(2). A pid namespace is special: setns(CLONE_NEWPID) only
 * changes where the caller's *children* go, so the runtime joins it in the parent just
 * before clone and the container's first process is born inside.
 *
 * For a new user namespace the parent writes the child's `uid_map` and `gid_map`
 * while the child waits: until then the child has no valid ids inside.
 *
 * A new network namespace has one interface, the loopback `lo`, and it is down: even
 * 127.0.0.1 is unreachable ("Network is unreachable"). The child sets it up
 * (set_loopback_up), as runc does for a private network namespace; everything beyond
 * loopback is the engine's business (veth pairs, bridges: minirun/network).
 *
 * Man pages: namespaces(7), clone(2), setns(2), user_namespaces(7),
 * pid_namespaces(7). Lab: labs/03-namespaces.
 */
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

/// The CLONE_NEW* flags for the namespaces the config asks to create.
unsigned long long new_namespace_flags(const Linux& linux);

/// An opened namespace to join, with its type.
struct NamespaceToJoin {
  NamespaceType type;
  sys::UniqueFd fd;
  std::string path;
};

/// Opens every namespace path of the config (in the parent, before clone, so that a
/// bad path fails before any process exists). The pid namespace is excluded: see
/// join_pid_namespace_for_children().
Result<std::vector<NamespaceToJoin>> open_namespaces_to_join(const Linux& linux);

/// In the child: setns(2) into each opened namespace, the user namespace first (it
/// grants the capabilities needed for the others).
Result<int> join_namespaces(const std::vector<NamespaceToJoin>& namespaces);

/// Parent: makes the next child born in the pid namespace at `path`; returns an fd of
/// the parent's own pid namespace to restore with restore_pid_namespace().
Result<sys::UniqueFd> join_pid_namespace_for_children(const std::string& path);
Result<void> restore_pid_namespace(int own_pid_ns_fd);

/// Parent: writes /proc/PID/uid_map and gid_map for a child in a new user namespace.
Result<void> write_id_mappings(pid_t pid, const std::vector<IdMapping>& uid_mappings,
                               const std::vector<IdMapping>& gid_mappings);

/// Formats mappings as the kernel expects: one "inside outside count" line per range.
std::string format_id_mappings(const std::vector<IdMapping>& mappings);

/// Sets the loopback interface `lo` up in the caller's network namespace: SIOCGIFFLAGS,
/// then SIOCSIFFLAGS with IFF_UP, through a datagram socket (netdevice(7); the same
/// change `ip link set lo up` makes through netlink). Needs CAP_NET_ADMIN over it.
Result<void> set_loopback_up();

}  // namespace minirun::runtime
