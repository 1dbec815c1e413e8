/**
 * @file container_exec.cpp
 * @brief `exec`: a new process inside a running container.
 *
 * There is nothing to build: the namespaces, cgroup and root filesystem exist. The new
 * process only has to *join* them. setns(2) accepts a pidfd and a set of CLONE_NEW*
 * flags (Linux 5.8+) and moves the caller into all of that process's namespaces at
 * once; joining the mount namespace also sets the caller's root and working directory
 * to the container's root, so no chroot is needed. The cgroup is joined as the init
 * joined it: clone3 starts the child inside on v2, and on v1 the child writes "0" into
 * each `tasks` file itself (cgroup.hpp). The pid namespace is the exception
 * again: it applies to children only, so the runtime sets it for its next child and
 * clones. The child then drops privileges exactly like the container's init
 * (finish_and_exec), with the container's seccomp filter, and becomes the program.
 *
 * Success is seen without a message: the sync socket is close-on-exec, so the parent
 * reads end-of-file the moment execve(2) succeeds, or an error message if it did not.
 *
 * Man pages: setns(2), pidfd_open(2). Lab: labs/03-namespaces.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/runtime/console.hpp"
#include "minirun/runtime/dmz.hpp"
#include "minirun/runtime/container.hpp"
#include "minirun/runtime/foreground.hpp"
#include "minirun/runtime/rlimits.hpp"
#include "minirun/runtime/seccomp.hpp"
#include "minirun/runtime/seccomp_cache.hpp"
#include "minirun/runtime/setup_steps.hpp"
#include "minirun/runtime/sync_socket.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {

using sys::UniqueFd;

namespace {

struct ExecChild {
  int pidfd;
  int join_flags;
  int sync_fd;
  int console_fd;
  const Process* process;
  const SeccompFilter* seccomp;
  int dmz_fd;
  bool explain;
  std::vector<SelfJoinFile>* cgroup_join;  ///< v1: the container's `tasks` files
};

[[noreturn]] void exec_child(const ExecChild& c) {
  // Not dumpable while we are still the host's runtime binary inside the container's
  // pid namespace: its processes must not open /proc/<our pid>/exe (CVE-2019-5736).
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // With --explain, exec narrates the privilege steps it shares with the init.
  Explainer explain(c.explain, STDERR_FILENO);
  sys::Error error("exec");
  if (auto joined = join_cgroup_self(*c.cgroup_join); !joined) {
    error = std::move(joined.error());
  } else if (receive_sync(c.sync_fd)) {
    // A session of its own first: only a session leader may take a controlling
    // terminal (TIOCSCTTY fails with EPERM otherwise, see ioctl_tty(2)).
    ::setsid();
    if (::setns(c.pidfd, c.join_flags) < 0) {
      error = sys::Error::from_errno("setns", "container namespaces");
    } else if (auto r = c.console_fd >= 0 ? setup_console(c.console_fd) : sys::ok(); !r) {
      error = std::move(r.error()).context("terminal");
    } else if (auto rl = apply_rlimits(c.process->rlimits); !rl) {
      error = std::move(rl.error()).context("process.rlimits");
    } else {
      error = finish_and_exec(*c.process, c.seccomp, explain, nullptr, nullptr, c.dmz_fd);
    }
  }
  (void)send_sync(c.sync_fd, SyncMessage::error, error.what());
  _exit(127);
}

}  // namespace

Result<int> Runtime::exec(const std::string& id, const Process& process, const ExecOptions& options) {
  auto state = store_.load(id);
  if (!state) return std::move(state.error());
  auto st = status(*state);
  if (!st) return std::move(st.error());
  if (*st != Status::running) {
    return Error("cannot exec in container `" + id + "`: it is " + status_name(*st) + ", not running");
  }
  auto spec = load_spec(state->bundle);
  if (!spec) return std::move(spec.error()).context("exec `" + id + "`");
  std::optional<SeccompFilter> seccomp;
  if (spec->linux.seccomp) {
    bool hit = false;
    auto f = cached_seccomp_filter(*spec->linux.seccomp, options_.root + "/.cache/seccomp", hit);
    if (!f) return std::move(f.error());
    seccomp = std::move(*f);
  }
  auto pidfd = sys::open_pidfd(state->pid);
  if (!pidfd) return std::move(pidfd.error()).context("exec `" + id + "`");
  if (!init_alive(*state)) return Error("cannot exec in container `" + id + "`: it has just stopped");

  int join_flags = 0;
  bool pid_ns = false;
  for (const auto& ns : spec->linux.namespaces) {
    if (ns.type == NamespaceType::pid) pid_ns = true;
    else join_flags |= clone_flag(ns.type);
  }

  auto opened = open_container_cgroup(*state);
  if (!opened) return std::move(opened.error());
  std::unique_ptr<Cgroup> cgroup = std::move(*opened);

  auto dmz = make_sealed_dmz();
  if (!dmz) return std::move(dmz.error());
  auto sync = make_sync_socket();
  if (!sync) return std::move(sync.error());
  UniqueFd console_ours, console_theirs;
  if (process.terminal) {
    if (!options.console_socket.empty()) {
      auto c = connect_console_socket(options.console_socket);
      if (!c) return std::move(c.error());
      console_theirs = std::move(*c);
    } else if (options.detach) {
      return Error("exec --tty --detach needs --console-socket (someone must hold the terminal)");
    } else {
      int fds[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return Error::from_errno("socketpair");
      console_ours.reset(fds[0]);
      console_theirs.reset(fds[1]);
    }
  }
  std::optional<ForwardedSignals> signals;
  if (!options.detach) signals.emplace();

  // Our next child is born in the container's pid namespace (see the file comment).
  UniqueFd own_pid_ns;
  if (pid_ns) {
    own_pid_ns.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!own_pid_ns) return Error::from_errno("open", "/proc/self/ns/pid");
    if (::setns(pidfd->get(), CLONE_NEWPID) < 0) return Error::from_errno("setns", "container pid namespace");
  }
  std::vector<SelfJoinFile> join_files;
  if (cgroup) {
    auto files = cgroup->open_self_join_files();
    if (!files) return std::move(files.error()).context("exec `" + id + "`");
    join_files = std::move(*files);
  }
  auto child = sys::clone_process(0, cgroup ? cgroup->clone_into_fd() : -1);
  if (pid_ns) (void)::setns(own_pid_ns.get(), CLONE_NEWPID);
  if (!child) return std::move(child.error()).context("exec");
  if (child->pid() == 0) {
    sync->first.reset();
    exec_child({pidfd->get(), join_flags, sync->second.get(), console_theirs.get(), &process,
                seccomp ? &*seccomp : nullptr, dmz->get(), options_.explain, &join_files});
  }
  sync->second.reset();
  console_theirs.reset();
  join_files.clear();  // the child's copies are the ones it writes to
  if (auto sent = send_sync(sync->first.get(), SyncMessage::go); !sent) {
    // The child fails without waiting for `go` when it cannot join the cgroup (the
    // container was deleted meanwhile): its message says so.
    auto theirs = receive_sync_nowait(sync->first.get());
    if (theirs && theirs->first == SyncMessage::error) return Error(theirs->second).context("exec in `" + id + "`");
    return std::move(sent.error()).context("exec");
  }
  auto reply = receive_sync(sync->first.get());
  if (reply) {
    // A message means the child failed before execve; EOF (an error here) means success.
    return Error(reply->second).context("exec in `" + id + "`");
  }
  if (!options.pid_file.empty()) {
    MINIRUN_TRY(sys::write_file_atomic(options.pid_file, std::to_string(child->pid())), "--pid-file");
  }
  if (options.detach) {
    child->release();
    return 0;
  }
  UniqueFd master;
  if (console_ours) {
    auto fd = receive_fd(console_ours.get());
    if (!fd) return std::move(fd.error());
    master = std::move(*fd);
  }
  auto exit = wait_in_foreground(*child, *signals, master.get());
  if (!exit) return std::move(exit.error());
  return exit->code;
}

}  // namespace minirun::runtime
