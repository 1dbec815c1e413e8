/**
 * @file default_seccomp_profile.cpp
 * @brief Docker's default seccomp allow-list, grouped by purpose (see the header for
 * what is left out and why).
 *
 * The lists follow moby/profiles/seccomp/default.json for the default capability set.
 * Names that only exist on some architectures or kernels (`_llseek`, `chown32`,
 * `futex_waitv`) are listed anyway: SeccompFilter::compile() skips the ones the local
 * libseccomp does not know, exactly as runc does with Docker's file.
 *
 * Lab: labs/05-capabilities-seccomp.
 */
#include "minirun/runtime/default_seccomp_profile.hpp"

#include <cerrno>
#include <initializer_list>

namespace minirun::runtime {
namespace {

using Names = std::initializer_list<const char*>;

// Files and directories: open, read, write, stat, link, rename, sync, and the 32-bit
// and time64 variants of each.
constexpr Names kFiles = {
    "access", "cachestat", "chdir", "chmod", "chown", "chown32", "close", "close_range",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "faccessat", "faccessat2",
    "fadvise64", "fadvise64_64", "fallocate", "fchdir", "fchmod", "fchmodat", "fchmodat2",
    "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "flock", "fstat",
    "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64",
    "futimesat", "getcwd", "getdents", "getdents64", "lchown", "lchown32", "link", "linkat",
    "_llseek", "lseek", "lstat", "lstat64", "mkdir", "mkdirat", "mknod", "mknodat",
    "newfstatat", "open", "openat", "openat2", "pipe", "pipe2", "pread64", "preadv", "preadv2", "pwrite64",
    "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "rename",
    "renameat", "renameat2", "rmdir", "sendfile", "sendfile64", "splice", "stat", "stat64",
    "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
    "syncfs", "tee", "truncate", "truncate64", "umask", "unlink", "unlinkat", "utime",
    "utimensat", "utimensat_time64", "utimes", "vmsplice", "write", "writev",
    // extended attributes (also how file capabilities and ACLs are stored)
    "fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "getxattr", "lgetxattr",
    "listxattr", "llistxattr", "lremovexattr", "lsetxattr", "removexattr", "setxattr",
    // device control: each driver checks its own ioctls; /dev holds only safe nodes
    "ioctl",
};

// Waiting for events: poll/select/epoll, inotify, eventfd, signalfd, async I/O.
constexpr Names kEvents = {
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "fanotify_mark",
    "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "_newselect",
    "poll", "ppoll", "ppoll_time64", "pselect6", "pselect6_time64", "select", "signalfd",
    "signalfd4", "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
    "io_pgetevents_time64", "io_setup", "io_submit", "ioprio_get", "ioprio_set",
};

// Memory: mapping, protection keys, locking (bounded by RLIMIT_MEMLOCK).
constexpr Names kMemory = {
    "brk", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
    "mincore", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mremap", "msync",
    "munlock", "munlockall", "munmap", "pkey_alloc", "pkey_free", "pkey_mprotect",
    "remap_file_pages",
};

// Processes and threads: run, wait, schedule, limit, and restrict oneself further
// (capset can only lower capabilities, seccomp and landlock only add filters).
constexpr Names kProcesses = {
    "capget", "capset", "execve", "execveat", "exit", "exit_group", "fork", "vfork",
    "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake",
    "get_robust_list", "set_robust_list", "get_thread_area", "set_thread_area",
    "set_tid_address", "getcpu", "getpid", "getppid", "gettid", "getpgid", "getpgrp",
    "getsid", "setpgid", "setsid", "getpriority", "setpriority", "getrlimit", "setrlimit",
    "prlimit64", "ugetrlimit", "getrusage", "prctl", "rseq", "restart_syscall",
    "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield", "wait4", "waitid", "waitpid", "pidfd_open",
    "pidfd_send_signal", "process_mrelease", "seccomp", "landlock_add_rule",
    "landlock_create_ruleset", "landlock_restrict_self", "uname", "sysinfo", "times",
};

// User and group ids: the container's root may switch to any id inside the container
// (CAP_SETUID/CAP_SETGID are in the default set); the user namespace or the absence
// of one decides what those ids mean on the host.
constexpr Names kIdentity = {
    "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
    "getgroups32", "getresgid", "getresgid32", "getresuid", "getresuid32", "getuid",
    "getuid32", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32",
    "setgroups", "setgroups32", "setregid", "setregid32", "setresgid", "setresgid32",
    "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32",
};

// Signals and timers. kill(2) reaches only processes in the container's pid namespace.
constexpr Names kSignalsAndTime = {
    "alarm", "kill", "tkill", "tgkill", "pause", "rt_sigaction", "rt_sigpending",
    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sigaltstack", "sigprocmask", "sigreturn",
    "getitimer", "setitimer",
    // reading clocks and sleeping; setting them needs CAP_SYS_TIME, which is not granted
    "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
    "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
    "gettimeofday", "nanosleep", "time", "timer_create", "timer_delete", "timer_getoverrun",
    "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
    "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64",
    "getrandom",
};

// Networking (socket itself is a separate rule below) and System V / POSIX IPC, both
// confined by the container's network and IPC namespaces. socketcall and ipc are the
// i386 multiplexers for the same calls.
constexpr Names kNetworkAndIpc = {
    "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt",
    "listen", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send",
    "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socketpair", "socketcall",
    "ipc", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl",
    "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop",
    "semtimedop_time64", "shmat", "shmctl", "shmdt", "shmget",
};

// Allowed because a default capability allows them (CAP_SYS_CHROOT), or because the
// x86 C library needs them to set up thread-local storage (arch_prctl, modify_ldt).
constexpr Names kCapabilityAndArch = {"chroot", "arch_prctl", "modify_ldt"};

SeccompSyscall allow(Names names, std::vector<SeccompArg> args = {}) {
  SeccompSyscall rule;
  rule.names.assign(names.begin(), names.end());
  rule.action = "SCMP_ACT_ALLOW";
  rule.args = std::move(args);
  return rule;
}

SeccompArg arg0(const char* op, uint64_t value, uint64_t value_two = 0) {
  return SeccompArg{0, value, value_two, op};
}

}  // namespace

Seccomp docker_default_seccomp() {
  Seccomp profile;
  profile.default_action = "SCMP_ACT_ERRNO";
  profile.default_errno_ret = EPERM;
  profile.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};

  for (Names group : {kFiles, kEvents, kMemory, kProcesses, kIdentity, kSignalsAndTime,
                      kNetworkAndIpc, kCapabilityAndArch})
    profile.syscalls.push_back(allow(group));

  // Any socket family but AF_VSOCK (40), the channel to the hypervisor.
  profile.syscalls.push_back(allow({"socket"}, {arg0("SCMP_CMP_NE", 40)}));

  // personality(2) only with harmless values: PER_LINUX (0), UNAME26 (0x8),
  // ADDR_NO_RANDOMIZE (0x20000, what `setarch -R` uses), both, and 0xffffffff (query).
  // One argument listed several times: compile() makes one rule per value, ORed.
  profile.syscalls.push_back(allow({"personality"}, {arg0("SCMP_CMP_EQ", 0x0), arg0("SCMP_CMP_EQ", 0x8),
                                                     arg0("SCMP_CMP_EQ", 0x20000), arg0("SCMP_CMP_EQ", 0x20008),
                                                     arg0("SCMP_CMP_EQ", 0xffffffff)}));

  // clone(2) for threads and fork, but no new namespaces: (flags & 0x7E020000) == 0,
  // the mask of CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET.
  profile.syscalls.push_back(allow({"clone"}, {arg0("SCMP_CMP_MASKED_EQ", 0x7E020000, 0)}));

  // clone3(2) keeps its flags in a struct the filter cannot read, so it cannot get
  // the rule above. ENOSYS (38) rather than EPERM: glibc then retries with clone(2).
  SeccompSyscall clone3;
  clone3.names = {"clone3"};
  clone3.action = "SCMP_ACT_ERRNO";
  clone3.errno_ret = ENOSYS;
  profile.syscalls.push_back(std::move(clone3));
  return profile;
}

nlohmann::json docker_default_seccomp_profile() {
  Seccomp profile = docker_default_seccomp();
  nlohmann::json rules = nlohmann::json::array();
  for (const SeccompSyscall& rule : profile.syscalls) {
    nlohmann::json r = {{"names", rule.names}, {"action", rule.action}};
    if (rule.errno_ret) r["errnoRet"] = *rule.errno_ret;
    if (!rule.args.empty()) {
      r["args"] = nlohmann::json::array();
      for (const SeccompArg& a : rule.args)
        r["args"].push_back({{"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two}, {"op", a.op}});
    }
    rules.push_back(std::move(r));
  }
  return {{"defaultAction", profile.default_action},
          {"defaultErrnoRet", *profile.default_errno_ret},
          {"architectures", profile.architectures},
          {"syscalls", std::move(rules)}};
}

}  // namespace minirun::runtime
