/**
 * @file seccomp_profile.hpp
 * @brief `--security-opt seccomp=FILE`: Docker's seccomp profile format, turned into the
 * OCI `linux.seccomp` object for one container on this host.
 *
 * The runtime takes a seccomp filter in OCI form (runtime-spec config-linux.md
 * "Seccomp"): a default action, a list of architectures, and rules "these syscalls,
 * maybe only with these arguments, get this action". That form describes one filter
 * for one container. Docker ships a single file for every container on every machine
 * (moby profiles/seccomp/default.json), so its format adds what varies:
 *  - `archMap`: a list of {architecture, subArchitectures}. Only the entry of the
 *    host's native architecture is kept, with its companions (x86_64 also accepts i386
 *    and x32 system calls); it becomes `architectures`;
 *  - per rule, `includes` and `excludes`, each with `caps`, `arches` and `minKernel`.
 *    A rule applies only when the container holds *all* of `includes.caps`, the host
 *    architecture is among `includes.arches`, and the kernel is at least
 *    `includes.minKernel`; it is dropped when the container holds *any* of
 *    `excludes.caps`, the host is among `excludes.arches`, or the kernel is at least
 *    `excludes.minKernel`. Capabilities are compared as spelled, "CAP_SYS_ADMIN";
 *    arches use Docker's names ("amd64", "arm64", "x86", "s390x", ...), not libseccomp's;
 *  - `name` (one syscall) as an old spelling of `names`, and a free-text `comment`.
 *
 * Why conditions on capabilities? The filter is a second wall behind capabilities, and
 * a wall that stays up when the first one is opened on purpose only gets in the way:
 * `docker run --cap-add SYS_ADMIN` is asked for to mount things, so with CAP_SYS_ADMIN
 * the profile allows mount(2), umount2(2), unshare(2), setns(2) and clone(2) with
 * namespace flags; `--cap-add SYS_PTRACE` allows ptrace(2) and process_vm_readv(2);
 * CAP_SYS_TIME allows settimeofday(2), and so on. The filter follows the capability set
 * instead of being written once per set.
 *
 * The kit's own default, profiles/seccomp-default.json, is embedded in the engine. It is
 * Docker's default.json with the kit's two deliberate differences (see
 * runtime/default_seccomp_profile.hpp, whose built-in profile it must equal for the
 * default 14 capabilities; a unit test compares the two rule by rule):
 *  - no ptrace(2), process_vm_readv(2), process_vm_writev(2) without CAP_SYS_PTRACE.
 *    Docker allows them on kernels >= 4.8 (`includes.minKernel: "4.8"`), where ptrace
 *    can no longer step over a seccomp filter; the kit keeps them behind the capability
 *    so that what a container may do does not depend on the host kernel;
 *  - no io_uring_setup(2), io_uring_enter(2), io_uring_register(2): io_uring performs
 *    file and network operations that the filter never sees, and had a run of kernel
 *    CVEs (Docker dropped it from its default in 2023, moby#46762);
 *  - name_to_handle_at(2) only with CAP_SYS_ADMIN, where older Docker profiles kept it
 *    (the runtime's default blocks it; file handles are what open_by_handle_at(2), the
 *    call of the 2014 "shocker" escape, takes).
 * The file also carries Docker's rules for arm, ppc64le, s390 and riscv64; on x86_64
 * they simply do not apply.
 *
 * What happens with Docker's quirks:
 *  - a profile already in OCI form (`architectures`, no `archMap`, no conditions) passes
 *    through unchanged: it is a Docker profile without the optional parts. Giving both
 *    `architectures` and `archMap` is an error, as in Docker;
 *  - Docker treats a profile with neither `defaultAction` nor `syscalls` as "no
 *    filter". Here that is an error: say `--security-opt seccomp=unconfined` if that is
 *    what is meant. A forgotten filter should not look like a loaded one;
 *  - Docker ignores unknown keys. The kit does too, except inside `includes` and
 *    `excludes`: there a typo (`"cap"` for `"caps"`) would silently make a
 *    capability-only rule apply to every container, so it is refused.
 *
 * Every error names the profile and the field in `jq` syntax:
 *
 *     seccomp profile `/tmp/p.json`: syscalls[3].action: unknown seccomp action "SCMP_ACT_FOO" (...)
 *
 * and comes at `minirun run`, from the runtime's own `linux.seccomp` parser, not from
 * inside a half-started container.
 *
 * Reference: https://docs.docker.com/engine/security/seccomp/, moby
 * profiles/seccomp/default.json and seccomp_linux.go (the conversion this file follows).
 * Man pages: seccomp(2), capabilities(7), uname(2). Lab: labs/05-capabilities-seccomp.
 */
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Result;

/// The kit's default profile in Docker's format, as embedded from
/// minirun/engine/profiles/seccomp-default.json (for `minirun` to print or save).
const std::string& docker_seccomp_profile_text();

/// Converts a Docker-format (or OCI-form) profile into the OCI `linux.seccomp` object for
/// a container whose bounding set is `capabilities` ("CAP_CHOWN", ...) on this host
/// (architecture and kernel release from uname(2)). `source` names the profile in
/// errors: "seccomp profile `SOURCE`: syscalls[3].action: ...".
Result<nlohmann::json> seccomp_from_docker_profile(const nlohmann::json& profile,
                                                   const std::vector<std::string>& capabilities,
                                                   const std::string& source);

/// Reads the file of `--security-opt seccomp=PATH` and converts it as above. Errors name
/// the path: a missing file, JSON syntax (with line and column), or a bad field.
Result<nlohmann::json> load_seccomp_profile(const std::string& path, const std::vector<std::string>& capabilities);

/// The embedded default profile, converted for `capabilities`.
Result<nlohmann::json> default_seccomp_for(const std::vector<std::string>& capabilities);

}  // namespace minirun::engine
