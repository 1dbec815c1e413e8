/**
 * @file setup_steps.cpp
 * @brief The ordered setup of a container's first process (see setup_steps.hpp).
 */
#include "minirun/runtime/setup_steps.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "minirun/runtime/capabilities.hpp"
#include "minirun/runtime/console.hpp"
#include "minirun/runtime/dmz.hpp"
#include "minirun/runtime/hooks.hpp"
#include "minirun/runtime/namespaces.hpp"
#include "minirun/runtime/pivot_root.hpp"
#include "minirun/runtime/rlimits.hpp"
#include "minirun/runtime/sync_socket.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {

namespace {
constexpr long kSysCloseRange = 436;             ///< close_range(2), Linux 5.9
constexpr unsigned kCloseRangeCloexecFlag = 1U << 2;  ///< CLOSE_RANGE_CLOEXEC, Linux 5.11
}  // namespace

using sys::Error;
using sys::Result;

// The step table: the order of this list is the order of the code below and of
// `enum class Step`. Change one, change all three.
static const StepInfo kSteps[] = {
    {"load_config", "runtime-spec config.md", "read and validate config.json; refuse bad input before touching the system"},
    {"create_cgroup", "cgroups(7)", "make the cgroup and write limits before any process exists"},
    {"compile_seccomp", "seccomp_rule_add(3)", "compile the filter in the parent, so the child only loads it"},
    {"clone", "clone(2)", "the first process, born in its new namespaces"},
    {"join_cgroup", "cgroups(7)", "the child moves itself into its cgroup (v1): \"0\" into each `tasks` file"},
    {"write_id_maps", "user_namespaces(7)", "give the new user namespace its uid/gid maps"},
    {"make_mounts_private", "mount_namespaces(7)", "no mount below may propagate back to the host"},
    {"bind_rootfs", "mount(2)", "pivot_root needs the new root to be a mount point"},
    {"config_mounts", "mount(2)", "the config's mounts, in order, targets resolved inside the rootfs"},
    {"wait_for_parent", "socketpair(2)", "the child waits for the parent's go (id maps written, the hooks' state)"},
    {"join_namespaces", "setns(2)", "join the namespaces the config names by path"},
    {"cgroup_namespace", "cgroup_namespaces(7)", "a cgroup namespace rooted at the container's cgroup, now that it is in it"},
    {"cgroup_mounts", "mount(2)", "the config's cgroup mount and those after it, in the container's cgroup view"},
    {"create_devices", "mknod(2)", "only harmless device nodes in the container's /dev"},
    {"create_container_hooks", "runtime-spec config.md#posix-platform-hooks", "createContainer hooks, in the container's namespaces"},
    {"pivot_root", "pivot_root(2)", "make the rootfs `/` and detach the old root: no way back to the host"},
    {"readonly_root", "mount(2) MS_RDONLY", "root.readonly: the image cannot be changed"},
    {"sysctl", "sysctl(8)", "namespaced kernel settings, written before /proc/sys becomes read-only"},
    {"masked_paths", "proc(5)", "hide host information (/proc/kcore, /proc/keys, ...)"},
    {"readonly_paths", "proc(5)", "make /proc/sys, /proc/sysrq-trigger ... read-only"},
    {"hostname", "sethostname(2)", "a name of its own, only visible in the new uts namespace"},
    {"loopback", "netdevice(7) SIOCSIFFLAGS", "`lo` up in the network namespace made for the container, as runc does"},
    {"rlimits", "setrlimit(2)", "per-process ceilings, inherited by every process of the container"},
    {"drop_bounding_set", "capabilities(7)", "drop capabilities for good while CAP_SETPCAP is still held"},
    {"early_seccomp", "seccomp(2)", "without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it now"},
    {"switch_user", "setresuid(2)", "become process.user, keeping permitted capabilities (PR_SET_KEEPCAPS)"},
    {"capabilities", "capabilities(7)", "effective, permitted, inheritable and ambient sets exactly as configured"},
    {"no_new_privileges", "prctl(2) PR_SET_NO_NEW_PRIVS", "setuid binaries can no longer gain privileges"},
    {"report_ready", "socketpair(2)", "tell the parent setup succeeded; `create` returns"},
    {"wait_for_start", "fifo(7)", "block until `start` writes to the exec fifo (a pipe for `run`)"},
    {"start_container_hooks", "runtime-spec config.md#posix-platform-hooks", "startContainer hooks, just before the program"},
    {"seccomp", "seccomp(2)", "the syscall filter, last: after it mount(2) and friends may be denied"},
    {"execve", "execve(2)", "become the container's program"},
    {"tear_down", "rmdir(2)", "after exit: kill leftovers, remove the cgroup and the state; nothing stays behind"},
};
static_assert(sizeof kSteps / sizeof kSteps[0] == static_cast<size_t>(Step::count_), "one entry per step");

const StepInfo& step_info(Step step) { return kSteps[static_cast<int>(step)]; }

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) < 0) return Error::from_errno("exec", name);
    return name;
  }
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return Error("exec `" + name + "`: executable file not found in $PATH (" + path + ")", ENOENT);
}

static Result<void> switch_user(const User& user) {
  // Keep the permitted capabilities across the uid change; without this the kernel
  // clears them when uid 0 becomes non-zero (capabilities(7), "Effect of user ID changes").
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return Error::from_errno("prctl PR_SET_KEEPCAPS");
  if (::setgroups(user.additional_gids.size(), user.additional_gids.data()) < 0) {
    return Error::from_errno("setgroups").context("process.user.additionalGids");
  }
  if (::setresgid(user.gid, user.gid, user.gid) < 0) return Error::from_errno("setresgid").context("process.user.gid");
  if (::setresuid(user.uid, user.uid, user.uid) < 0) return Error::from_errno("setresuid").context("process.user.uid");
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return Error::from_errno("prctl PR_SET_KEEPCAPS");
  if (user.umask) ::umask(*user.umask);
  return sys::ok();
}

Error finish_and_exec(const Process& process, const SeccompFilter* seccomp, Explainer& explain,
                      BeforeExec before_exec, void* arg, int dmz_fd) {
  bool seccomp_loaded = false;

  explain.begin();
  if (process.capabilities) {
    if (auto r = drop_bounding_set(process.capabilities->bounding); !r) return std::move(r.error());
  }
  explain.end(Step::drop_bounding_set);

  if (seccomp && !process.no_new_privileges) {
    explain.begin();
    if (auto r = seccomp->load(); !r) return std::move(r.error()).context("linux.seccomp");
    seccomp_loaded = true;
    explain.end(Step::early_seccomp);
  }

  explain.begin();
  if (auto r = switch_user(process.user); !r) return std::move(r.error());
  // The working directory is entered as the user, so its permissions apply to them.
  if (::chdir(process.cwd.c_str()) < 0) return Error::from_errno("chdir", process.cwd).context("process.cwd");
  explain.end(Step::switch_user);

  explain.begin();
  if (process.capabilities) {
    if (auto r = apply_capability_sets(*process.capabilities); !r) return std::move(r.error());
  }
  explain.end(Step::capabilities);

  explain.begin();
  if (process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    return Error::from_errno("prctl PR_SET_NO_NEW_PRIVS");
  }
  explain.end(Step::no_new_privileges);

  // Resolve the program now, so "not found" is reported by `create`, not lost later.
  auto program = find_executable(process.args[0], process.env);
  if (!program) return std::move(program.error()).context("process.args[0]");

  if (before_exec) {
    if (auto r = before_exec(arg, explain); !r) return std::move(r.error());
  }

  // Every fd the runtime or its caller had open beyond stdio closes at execve: an engine
  // (the monitor) holds pipes to its client, and a leaked directory fd into the host is
  // an escape (CVE-2024-21626 was a leaked cgroup fd in runc). Fds the container needs
  // (the error pipe of exec, the exec fifo) are done with by now.
  (void)::syscall(kSysCloseRange, 3U, ~0U, kCloseRangeCloexecFlag);

  if (seccomp && !seccomp_loaded) {
    explain.begin();
    if (auto r = seccomp->load(); !r) return std::move(r.error()).context("linux.seccomp");
    explain.end(Step::seccomp, seccomp->rule_count() ? nullptr : "empty");
  }

  explain.begin();
  explain.end(Step::execve, process.args[0].c_str());
  // Through the sealed minirun-dmz, so that /proc/self/exe never names the host's
  // runtime binary while the container's program is being exec'd (CVE-2019-5736).
  exec_through_dmz(dmz_fd, *program, process.args, process.env);
  if (errno != EPERM && errno != ENOSYS) return Error::from_errno("execveat", "minirun-dmz");
  // A seccomp profile that forbids execveat(2) leaves only the direct way. Say so: the
  // protection above is then off for this container.
  std::string warning = "minirun-oci: warning: execveat is not allowed by the seccomp profile; "
                        "exec'ing without the minirun-dmz protection\n";
  (void)!::write(STDERR_FILENO, warning.data(), warning.size());
  std::vector<char*> argv, envp;
  for (const auto& a : process.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : process.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  ::execve(program->c_str(), argv.data(), envp.data());
  return Error::from_errno("execve", *program);
}

namespace {

struct StartHandshake {
  const InitContext* ctx;
  int fifo_fd;
  std::string state_json;
};

/// Tells the parent we are ready, then blocks on the exec fifo until `start`.
Result<void> wait_for_start(void* arg, Explainer& explain) {
  auto* hs = static_cast<StartHandshake*>(arg);
  explain.begin();
  MINIRUN_TRY(send_sync(hs->ctx->sync_fd, SyncMessage::ready), "report ready");
  ::close(hs->ctx->sync_fd);
  explain.end(Step::report_ready);

  explain.begin();
  char byte = 0;
  for (;;) {
    ssize_t n = ::read(hs->fifo_fd, &byte, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) _exit(0);  // the runtime went away without starting us: nothing to run
    return Error::from_errno("read", "exec fifo");
  }
  ::close(hs->fifo_fd);
  explain.end(Step::wait_for_start);

  const Spec& spec = *hs->ctx->spec;
  if (!spec.hooks.start_container.empty()) {
    explain.begin();
    MINIRUN_TRY(run_hooks(spec.hooks.start_container, hs->state_json, "startContainer"), "hooks");
    explain.end(Step::start_container_hooks);
  }
  return sys::ok();
}

/// Everything up to the privilege drop; returns the first error.
Error setup_container(const InitContext& ctx, Explainer& explain) {
  const Spec& spec = *ctx.spec;

  // Not dumpable: no process in the container may open /proc/<our pid>/exe (the host's
  // runtime binary) or our fds while we set up. Reset by the final execve.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // `run` blocks signals in the parent to forward them; the mask is inherited across
  // clone and execve, so the container must start with none blocked.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // Only the parent may start us: without this, our own copy of the pipe's write end
  // would keep read() from ever seeing end-of-file.
  if (ctx.start_pipe_fd >= 0) ::close(ctx.start_pipe_fd);

  // cgroup v1: into the container's cgroup before anything else, so that everything
  // below is counted and limited there. (On v2 clone3 started us inside it.)
  if (ctx.cgroup_join != nullptr && !ctx.cgroup_join->empty()) {
    explain.begin();
    if (auto r = join_cgroup_self(*ctx.cgroup_join); !r) return std::move(r.error()).context("linux.cgroupsPath");
    explain.end(Step::join_cgroup, (std::to_string(ctx.cgroup_join->size()) + " hierarchies").c_str());
  }

  // When the child must wait for the parent before anything else: a new user namespace
  // has no uid/gid maps until the parent writes them, and namespaces joined by path
  // change what the mounts below mean. Otherwise the child makes its mounts while the
  // parent writes the state file, and waits only before the steps that could depend on
  // the parent (the hooks' state): the two processes use both CPUs where they have two.
  bool wait_first = ctx.new_user_namespace || (ctx.joins && !ctx.joins->empty());
  std::string state_json = "{}";
  auto await_parent = [&]() -> Result<void> {
    explain.begin();
    auto go = receive_sync(ctx.sync_fd);
    if (!go) return std::move(go.error());
    // The parent sends `go` with the OCI state (only when there are in-container hooks,
    // which get it on stdin as the spec says); the child could not build it itself: it
    // does not know its own pid outside its pid namespace.
    if (!go->second.empty()) state_json = go->second;
    explain.end(Step::wait_for_parent);

    if (ctx.new_user_namespace) {
      // Inside the new user namespace, become its root (mapped by now).
      if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) {
        return Error::from_errno("setresuid(0) in the new user namespace").context("linux.uidMappings");
      }
    }
    if (ctx.joins && !ctx.joins->empty()) {
      explain.begin();
      auto n = join_namespaces(*ctx.joins);
      if (!n) return std::move(n.error()).context("linux.namespaces");
      explain.end(Step::join_namespaces);
    }
    return sys::ok();
  };
  if (wait_first) {
    if (auto r = await_parent(); !r) return std::move(r.error());
  }

  // A session of its own: the container is not part of the caller's job control.
  ::setsid();

  bool has_mount_ns = spec.linux.find_namespace(NamespaceType::mount) != nullptr;
  size_t cgroup_mount = first_cgroup_mount(spec);
  if (has_mount_ns) {
    explain.begin();
    if (auto r = make_mounts_private(spec.linux.rootfs_propagation); !r) {
      return std::move(r.error()).context("linux.rootfsPropagation");
    }
    explain.end(Step::make_mounts_private);

    explain.begin();
    if (auto r = bind_rootfs(spec.root.path); !r) return std::move(r.error()).context("root.path");
    explain.end(Step::bind_rootfs);

    explain.begin();
    auto mounted = mount_config_mounts(spec, ctx.cgroups, 0, cgroup_mount);
    if (!mounted) return std::move(mounted.error());
    explain.end(Step::config_mounts, (std::to_string(*mounted) + " mounts").c_str());
  }

  if (!wait_first) {
    if (auto r = await_parent(); !r) return std::move(r.error());
  }

  if (ctx.unshare_cgroup_namespace) {
    // On cgroup v1 the child was cloned in the parent's cgroup (no CLONE_INTO_CGROUP),
    // and a cgroup namespace is rooted at the cgroup its creator is in. Made at clone,
    // it would be rooted at the *parent's* cgroup and the container would see
    // /minirun/ID in /proc/self/cgroup. Made now, after join_cgroup, it shows `/`.
    explain.begin();
    if (::unshare(CLONE_NEWCGROUP) < 0) return Error::from_errno("unshare(CLONE_NEWCGROUP)").context("linux.namespaces");
    explain.end(Step::cgroup_namespace);
  }

  if (has_mount_ns) {
    if (cgroup_mount < spec.mounts.size()) {
      explain.begin();
      // Made just now, after the move into the cgroup, the namespace is rooted there.
      auto mounted = mount_config_mounts(spec, ctx.cgroups, cgroup_mount, spec.mounts.size(),
                                         ctx.unshare_cgroup_namespace ? &ctx.cgroup_controllers : nullptr);
      if (!mounted) return std::move(mounted.error());
      explain.end(Step::cgroup_mounts, (std::to_string(*mounted) + " mounts").c_str());
    }

    explain.begin();
    auto devices = create_devices(spec, ctx.new_user_namespace);
    if (!devices) return std::move(devices.error());
    explain.end(Step::create_devices, (std::to_string(*devices) + " nodes").c_str());
  }

  if (!spec.hooks.create_container.empty()) {
    explain.begin();
    if (auto r = run_hooks(spec.hooks.create_container, state_json, "createContainer"); !r) {
      return std::move(r.error()).context("hooks");
    }
    explain.end(Step::create_container_hooks);
  }

  if (has_mount_ns) {
    explain.begin();
    if (auto r = pivot_to(spec.root.path); !r) return std::move(r.error());
    explain.end(Step::pivot_root);
  } else if (::chroot(spec.root.path.c_str()) < 0 || ::chdir("/") < 0) {
    // Without a mount namespace pivot_root would change the host's root: the OCI spec
    // then leaves only chroot. Say so in the docs: it is not isolation.
    return Error::from_errno("chroot", spec.root.path);
  }

  if (ctx.console_socket >= 0) {
    if (auto r = setup_console(ctx.console_socket); !r) return std::move(r.error()).context("process.terminal");
  }

  if (has_mount_ns) {
    explain.begin();
    if (spec.root.readonly) {
      if (auto r = make_root_readonly(); !r) return std::move(r.error()).context("root.readonly");
    }
    explain.end(Step::readonly_root);
  }

  // Namespaced kernel settings go through /proc/sys, which the next step but one makes
  // read-only: write them first.
  if (!spec.linux.sysctl.empty()) {
    explain.begin();
    for (const auto& [key, value] : spec.linux.sysctl) {
      std::string path = "/proc/sys/" + key;
      for (size_t i = 10; i < path.size(); ++i)
        if (path[i] == '.') path[i] = '/';
      if (auto r = sys::write_file(path, value, O_WRONLY); !r) return std::move(r.error()).context("linux.sysctl." + key);
    }
    explain.end(Step::sysctl);
  }

  if (has_mount_ns) {
    explain.begin();
    auto masked = mask_paths(spec.linux.masked_paths);
    if (!masked) return std::move(masked.error());
    explain.end(Step::masked_paths, (std::to_string(*masked) + " paths").c_str());

    explain.begin();
    auto ro = make_paths_readonly(spec.linux.readonly_paths);
    if (!ro) return std::move(ro.error());
    explain.end(Step::readonly_paths, (std::to_string(*ro) + " paths").c_str());
  }

  explain.begin();
  if (!spec.hostname.empty() && ::sethostname(spec.hostname.data(), spec.hostname.size()) < 0) {
    return Error::from_errno("sethostname", spec.hostname).context("hostname");
  }
  if (!spec.domainname.empty() && ::setdomainname(spec.domainname.data(), spec.domainname.size()) < 0) {
    return Error::from_errno("setdomainname", spec.domainname).context("domainname");
  }
  explain.end(Step::hostname, spec.hostname.empty() ? nullptr : spec.hostname.c_str());

  // A new network namespace starts with `lo` down: even 127.0.0.1 is unreachable. runc
  // sets it up (its "loopback" network for a private network namespace), so do we; a
  // namespace joined by path, or the host's, is not ours to change.
  if (ctx.new_network_namespace) {
    explain.begin();
    if (auto r = set_loopback_up(); !r) return std::move(r.error()).context("linux.namespaces (network)");
    explain.end(Step::loopback);
  }


  explain.begin();
  if (auto r = apply_rlimits(spec.process.rlimits); !r) return std::move(r.error()).context("process.rlimits");
  if (spec.process.oom_score_adj) {
    if (auto r = sys::write_file("/proc/self/oom_score_adj", std::to_string(*spec.process.oom_score_adj), O_WRONLY);
        !r) {
      return std::move(r.error()).context("process.oomScoreAdj");
    }
  }
  explain.end(Step::rlimits);

  // The working directory is created if missing (as runc does), as root, before the
  // user switch; finish_and_exec enters it as the user.
  if (!sys::path_exists(spec.process.cwd)) {
    // Errors surface at chdir, with a message naming process.cwd.
    (void)sys::make_directories(spec.process.cwd);
  }

  StartHandshake hs{&ctx, ctx.exec_fifo_fd, state_json};
  return finish_and_exec(spec.process, ctx.seccomp, explain, wait_for_start, &hs, ctx.dmz_fd);
}

}  // namespace

void container_init(const InitContext& ctx) {
  Explainer explain(ctx.explain, STDERR_FILENO);
  Error error = setup_container(ctx, explain);
  // Before `ready`, the parent is listening and prints the error; after it (execve
  // failed), the parent may be gone, so the error also goes to our stderr.
  if (!send_sync(ctx.sync_fd, SyncMessage::error, error.what())) {
    std::string line = "minirun-oci: container init: " + error.what() + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }
  _exit(127);
}

}  // namespace minirun::runtime
