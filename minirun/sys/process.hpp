/**
 * @file process.hpp
 * @brief Child processes: clone3(2) with namespace flags, held by a pidfd.
 *
 * A container's first process is born with its namespaces: clone3(2) takes the
 * CLONE_NEW* flags and the child starts in new pid, mount, uts, ipc, network, cgroup
 * (and user) namespaces at once; unshare(2) afterwards could not move the caller into
 * a new pid namespace. The runtime calls clone3 without a separate stack, so it behaves
 * like fork(2): the child continues in a copy of the parent and runs the setup steps.
 *
 * The child is held by a *pidfd* (CLONE_PIDFD, Linux 5.3+): a file descriptor that
 * names exactly this process. A plain pid can be recycled after the process exits and
 * a kill(2) would then hit a stranger; a signal sent through a pidfd cannot
 * (pidfd_send_signal(2)). Waiting also goes through it (waitid(P_PIDFD)).
 *
 * Man pages: clone(2) (clone3), pidfd_open(2), pidfd_send_signal(2), waitid(2).
 * Lab: labs/03-namespaces.
 */
#pragma once

#include <sys/types.h>


#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::sys {

/// How a child ended: an exit status, or the signal that killed it.
struct ExitStatus {
  int code = 0;       ///< exit code, or 128 + signal like a shell reports it
  int signal = 0;     ///< the killing signal, 0 if it exited
  bool exited() const { return signal == 0; }
};

/// A child process (or an adopted one), owned through its pidfd.
///
/// On destruction a child that was neither waited for nor released is killed with
/// SIGKILL and reaped, so an error path can never leave a half-made container running.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  int pidfd() const { return pidfd_.get(); }
  bool valid() const { return pid_ > 0; }

  /// Sends a signal through the pidfd (never hits a recycled pid).
  Result<void> signal(int sig) const;
  /// Blocks until the child exits and reaps it.
  Result<ExitStatus> wait();
  /// Lets the process live on without us (the container outlives `create`).
  void release();

 private:
  pid_t pid_ = -1;
  UniqueFd pidfd_;
};

/// clone3(2) in fork style. `flags` are CLONE_NEW* flags; CLONE_PIDFD is added.
/// `cgroup_fd` >= 0 adds CLONE_INTO_CGROUP (cgroup v2: born inside its cgroup).
/// Returns the child in the parent; in the child, returns a ChildProcess with pid 0.
Result<ChildProcess> clone_process(unsigned long long flags, int cgroup_fd = -1);

/// pidfd_open(2) for a process we did not start ourselves but must watch (a
/// container's init, found through the state file).
Result<UniqueFd> open_pidfd(pid_t pid);

/// pidfd_send_signal(2) on a raw pidfd.
Result<void> send_signal(int pidfd, int sig);

/// The start time of a process (field 22 of /proc/PID/stat, in clock ticks since
/// boot). Together with the pid it names a process uniquely: the state file stores
/// both, so a recycled pid is never mistaken for the container.
Result<unsigned long long> process_start_time(pid_t pid);

}  // namespace minirun::sys
