/**
 * @file default_seccomp_profile.hpp
 * @brief Docker's default seccomp profile: the syscalls an ordinary container may make.
 *
 * Capabilities already keep a container's root away from most dangerous operations,
 * so why filter syscalls as well? Because a capability check only protects what the
 * kernel remembered to check, and every syscall is kernel code that an attacker can
 * reach. Docker's answer (moby/profiles/seccomp/default.json) is an allow-list:
 * about 350 syscalls that ordinary programs use are allowed, anything else fails with
 * EPERM. The list here is that profile for the default capability set (the 14 of
 * capabilities.hpp) on x86 (x86_64, i386, x32), written out by purpose so that a
 * reader can see what a container gives up.
 *
 * What is blocked, and why (each of these is also behind a capability the default
 * set lacks; the filter is the second wall, and it shrinks the kernel code reachable
 * if a capability check has a bug):
 *  - making and entering namespaces: `unshare`, `setns`, `clone`/`clone3` with
 *    CLONE_NEW* flags. User namespaces hand out a full capability set inside them,
 *    and with it a large, bug-rich part of the kernel (CVE-2022-0185 was reached that
 *    way). `clone` is allowed only when `flags & 0x7E020000` (all CLONE_NEW*) is 0;
 *    `clone3` passes its flags in memory that a filter cannot read, so it fails with
 *    ENOSYS, which makes glibc fall back to `clone`;
 *  - changing the filesystem tree: `mount`, `umount2`, `pivot_root`, the new mount
 *    API (`fsopen`, `fsmount`, `move_mount`, `open_tree`, ...), `name_to_handle_at`;
 *  - the kernel itself: `init_module`, `finit_module`, `delete_module`, `kexec_load`,
 *    `kexec_file_load`, `reboot`, `swapon`, `swapoff`, `acct`, `syslog`, `quotactl`,
 *    `lookup_dcookie`, `iopl`, `ioperm`, `sethostname` (namespaced, but the config
 *    sets the hostname, not the program);
 *  - the clock: `settimeofday`, `clock_settime`, `adjtimex` writes need CAP_SYS_TIME
 *    (reading with `adjtimex` is allowed, as in Docker); time is not namespaced;
 *  - inspecting other processes: `ptrace`, `process_vm_readv`, `process_vm_writev`,
 *    `kcmp`, `pidfd_getfd`. Docker allows the first three on kernels >= 4.8, where
 *    ptrace can no longer be used to skip a seccomp filter; this kit keeps them out so
 *    the profile does not depend on the kernel version (a debugger in a container
 *    needs `--cap-add SYS_PTRACE` and its own profile);
 *  - keyrings (`keyctl`, `add_key`, `request_key`): not namespaced, a container could
 *    read or fill keys of the host's users;
 *  - attack surface with a history: `bpf`, `perf_event_open`, `userfaultfd` (used to
 *    win kernel races), `open_by_handle_at` (the 2014 "shocker" escape out of Docker),
 *    `io_uring_*` (removed by Docker in 2023 after a series of kernel CVEs), `vm86`,
 *    `uselib`, `ustat`, `sysfs`, `_sysctl`, `personality` with anything other than
 *    the harmless values (0, UNAME26, ADDR_NO_RANDOMIZE, query);
 *  - `socket(AF_VSOCK, ...)`: vsock talks to the hypervisor, outside any namespace.
 *
 * Rules for other architectures (arm's `cacheflush`, s390's `s390_pci_mmio_*`) are
 * left out; on those hosts unknown names are skipped and the filter still compiles.
 *
 * Reference: https://docs.docker.com/engine/security/seccomp/ and
 * moby/profiles/seccomp/default.json. Lab: labs/05-capabilities-seccomp.
 */
#pragma once

#include <nlohmann/json.hpp>

#include "minirun/runtime/spec.hpp"

namespace minirun::runtime {

/// The profile as the runtime's type, ready for SeccompFilter::compile().
Seccomp docker_default_seccomp();

/// The same profile in OCI form: the `linux.seccomp` object of a config.json
/// (`defaultAction`, `defaultErrnoRet`, `architectures`, `syscalls`).
nlohmann::json docker_default_seccomp_profile();

}  // namespace minirun::runtime
