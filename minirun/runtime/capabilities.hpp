/**
 * @file capabilities.hpp
 * @brief Linux capabilities: splitting root's power into pieces and keeping only some.
 *
 * Root inside a container is still uid 0 to the kernel. What stops it from loading a
 * kernel module or rebooting the host is that it lacks the *capability* to do so.
 * A process has five capability sets (capabilities(7)):
 *  - bounding: the ceiling; a capability dropped here can never come back (even via
 *    a setuid binary);
 *  - permitted: what the process may put in its effective set;
 *  - effective: what the kernel checks right now;
 *  - inheritable: what may pass through execve(2) to a program with file capabilities;
 *  - ambient: what passes through execve(2) to any program (Linux 4.3+).
 * The OCI config lists each set; the runtime applies them exactly, with libcap.
 * Docker's default keeps 14 capabilities (CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD,
 * NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL,
 * AUDIT_WRITE) and drops the rest, among them SYS_ADMIN, the "new root".
 *
 * Order matters and is the caller's job (see setup_steps.cpp): drop the bounding set
 * while we still have CAP_SETPCAP, keep capabilities across setuid with
 * PR_SET_KEEPCAPS, change user, then set the other four sets.
 *
 * Man pages: capabilities(7), cap_set_proc(3), prctl(2) (PR_CAPBSET_DROP,
 * PR_CAP_AMBIENT). Lab: labs/05-capabilities-seccomp.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::runtime {

/// "CAP_SYS_ADMIN" -> its number, or an error naming the unknown capability.
Result<int> capability_from_name(std::string_view name);
/// Number -> "CAP_SYS_ADMIN".
std::string capability_name(int cap);
/// The highest capability number this kernel knows (from /proc/sys/kernel/cap_last_cap).
int last_capability();

/// Drops every capability not in `keep` from the bounding set (PR_CAPBSET_DROP).
Result<void> drop_bounding_set(const std::vector<int>& keep);
/// Sets effective, permitted and inheritable (cap_set_proc) and then raises the
/// ambient ones (PR_CAP_AMBIENT_RAISE), clearing any other ambient capability first.
Result<void> apply_capability_sets(const Capabilities& caps);

}  // namespace minirun::runtime
