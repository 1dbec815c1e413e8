/**
 * @file spec.hpp
 * @brief The OCI runtime spec's `config.json`, as C++ types.
 *
 * An OCI bundle is a directory with a root filesystem and a `config.json` that says
 * everything about the container: the process to run, the namespaces to create or
 * join, the mounts, the cgroup limits, the capabilities, the seccomp filter, the hooks.
 * runc, crun and minirun-oci all read the same file; that is what lets Docker,
 * containerd or podman swap one runtime for another.
 *
 * These structs are the validated form of that file. spec_parse.cpp turns JSON into a
 * Spec and refuses, with the name of the field, anything malformed or contradictory
 * (wrong type, unknown namespace, relative path that climbs out of the bundle, bad id
 * mapping); after parsing, the rest of the runtime can trust a Spec and needs no more
 * checks. Fields the kit does not act on (apparmor, selinux, intelRdt, ...) are
 * accepted and ignored, as the spec allows for features a platform lacks; the parser
 * says which ones with `--debug`.
 *
 * Reference: https://github.com/opencontainers/runtime-spec (config.md,
 * config-linux.md). Lab: labs/03-namespaces.
 */
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace minirun::runtime {

using sys::Error;
using sys::Result;

/// The root filesystem: `root.path` made absolute against the bundle.
struct Root {
  std::string path;       ///< absolute path of the rootfs on the host
  bool readonly = false;  ///< remount `/` read-only as the last mount step
};

/// One entry of `mounts`, in the order given (order matters: later ones stack on top).
struct Mount {
  std::string destination;  ///< absolute path inside the container
  std::string type;         ///< "proc", "tmpfs", "bind", "sysfs", ...; empty for a bind
  std::string source;       ///< device, or host path for binds (absolute after parsing)
  std::vector<std::string> options;  ///< as given ("nosuid", "ro", "rbind", "mode=755", ...)
  unsigned long flags = 0;           ///< MS_* flags decoded from `options`
  unsigned long propagation = 0;     ///< MS_PRIVATE/MS_SLAVE/MS_SHARED (+MS_REC) from options
  bool bind = false;                 ///< a bind mount ("bind"/"rbind" option or type "bind")
  bool recursive_bind = false;       ///< "rbind"
  std::string data;                  ///< options the kernel takes as data ("mode=755,size=65536k")
};

/// One `linux.uidMappings` / `gidMappings` entry: a range of ids inside -> outside.
struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

/// `process.rlimits[]`, with the type decoded (RLIMIT_NOFILE, ...).
struct Rlimit {
  int resource = 0;   ///< RLIMIT_* value
  std::string name;   ///< "RLIMIT_NOFILE", kept for messages
  uint64_t hard = 0;
  uint64_t soft = 0;
};

/// `process.capabilities`: capability numbers (CAP_*), per set. libcap names them.
struct Capabilities {
  std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

/// `process.user`.
struct User {
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<mode_t> umask;
  std::vector<gid_t> additional_gids;
};

/// `process`: what runs in the container, and with which privileges.
struct Process {
  bool terminal = false;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;  ///< absent: keep none (all sets empty)
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
};

/// The namespace types of `linux.namespaces[].type`.
enum class NamespaceType { pid, network, mount, ipc, uts, user, cgroup, time };

/// One `linux.namespaces` entry: a new namespace (no path) or one to join (path).
struct Namespace {
  NamespaceType type;
  std::string path;  ///< empty: create a new one
};

/// `linux.resources.devices[]`: the device cgroup allow/deny list.
struct DeviceRule {
  bool allow = false;
  char type = 'a';                ///< 'a' all, 'c' char, 'b' block
  std::optional<int64_t> major;   ///< absent: any (*)
  std::optional<int64_t> minor;   ///< absent: any (*)
  std::string access = "rwm";
};

/// `linux.resources`: cgroup limits. Absent fields are left as the kernel defaults.
struct Resources {
  std::optional<int64_t> memory_limit;        ///< bytes; -1 unlimited
  std::optional<int64_t> memory_reservation;  ///< bytes (soft limit)
  std::optional<int64_t> memory_swap;         ///< memory+swap bytes (v1 semantics); -1 unlimited
  std::optional<bool> disable_oom_killer;
  std::optional<uint64_t> cpu_shares;  ///< v1 cpu.shares (v2: converted to cpu.weight)
  std::optional<int64_t> cpu_quota;    ///< microseconds per period; -1 unlimited
  std::optional<uint64_t> cpu_period;  ///< microseconds
  std::string cpuset_cpus;             ///< "0-1"
  std::string cpuset_mems;             ///< "0"
  std::optional<int64_t> pids_limit;   ///< max tasks; -1 (or 0) unlimited
  std::vector<DeviceRule> devices;
  std::map<std::string, std::string> unified;  ///< raw cgroup v2 knobs
};

/// `linux.devices[]`: device nodes to create in /dev.
struct Device {
  std::string path;  ///< absolute path inside the container
  char type = 'c';   ///< 'c', 'b', 'u', 'p'
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<mode_t> file_mode;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

/// One argument comparison of a seccomp rule.
struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  ///< "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ", ...
};

/// One `linux.seccomp.syscalls[]` rule.
struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;               ///< "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", ...
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

/// `linux.seccomp`.
struct Seccomp {
  std::string default_action;                 ///< e.g. "SCMP_ACT_ERRNO"
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;     ///< "SCMP_ARCH_X86", ...
  std::vector<std::string> flags;             ///< "SECCOMP_FILTER_FLAG_LOG", ...
  std::vector<SeccompSyscall> syscalls;
  /// The `linux.seccomp` object as parsed, dumped canonically (sorted keys): the key of
  /// the compiled-filter cache (seccomp_cache.hpp). Empty for filters built in code.
  std::string canonical;
};

/// One OCI hook: a program the runtime runs at a lifecycle point, given the state on stdin.
struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  ///< seconds
};

/// `hooks`: the lifecycle points the OCI spec defines.
struct Hooks {
  std::vector<Hook> prestart;         ///< deprecated alias of createRuntime, still run
  std::vector<Hook> create_runtime;   ///< runtime namespace, after the container exists
  std::vector<Hook> create_container; ///< container namespaces, before pivot_root
  std::vector<Hook> start_container;  ///< container, just before the user process runs
  std::vector<Hook> poststart;        ///< runtime namespace, after the process started
  std::vector<Hook> poststop;         ///< runtime namespace, after delete
};

/// `linux`: everything Linux-specific.
struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::optional<Resources> resources;
  std::string cgroups_path;  ///< empty: the runtime chooses (below its own cgroup)
  std::vector<Device> devices;
  std::optional<Seccomp> seccomp;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string rootfs_propagation;  ///< "", "private", "rprivate", "slave", ...
  std::map<std::string, std::string> sysctl;

  /// The entry for `type`, or nullptr when the config does not list it.
  const Namespace* find_namespace(NamespaceType type) const {
    for (const auto& ns : namespaces)
      if (ns.type == type) return &ns;
    return nullptr;
  }
};

/// A whole validated `config.json`.
struct Spec {
  std::string oci_version;
  std::string bundle;  ///< absolute path of the bundle directory
  Root root;
  Process process;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  Linux linux;
  std::map<std::string, std::string> annotations;
  /// Fields present in the config that the kit accepts but does not act on
  /// ("linux.intelRdt", "process.apparmorProfile", "mounts[2].uidMappings"), for `--debug`.
  std::vector<std::string> ignored;
};

/// Kernel name of a namespace type as /proc/PID/ns and the spec spell it ("pid", "net", ...).
const char* proc_ns_name(NamespaceType type);
/// The CLONE_NEW* flag of a namespace type.
int clone_flag(NamespaceType type);

/// Parses and validates a config. Errors name the field: `linux.namespaces[2].type:
/// unknown namespace type "pidd"`. `bundle` must be absolute; relative paths in the
/// config (root.path, bind sources) are resolved against it. Without `with_seccomp`,
/// linux.seccomp is left unread (the caller brings it already parsed: CreateOptions).
Result<Spec> parse_spec(const nlohmann::json& config, const std::string& bundle, bool with_seccomp = true);

/// Reads `<bundle>/config.json` and parses it; errors start with the file's path.
Result<Spec> load_spec(const std::string& bundle);

/// The process part alone (for `exec --process FILE`), validated the same way.
Result<Process> parse_process(const nlohmann::json& process, const std::string& where);

/// The default config written by `minirun-oci spec` (as `runc spec`: sh in a busybox-style
/// rootfs, all namespaces but user, Docker's default mounts, masked and read-only paths,
/// a small capability set). `rootless` adds a user namespace mapping the caller's ids.
nlohmann::json default_spec(bool rootless);

}  // namespace minirun::runtime
