/**
 * @file foreground.hpp
 * @brief Waiting for a container process in the foreground, forwarding signals to it.
 *
 * `minirun-oci run` (without --detach) and `exec` behave like the program they start:
 * Ctrl-C in the terminal reaches the container, and the exit code of the runtime is
 * the program's (128+N when signal N killed it, as a shell reports it). The runtime
 * blocks the signals it forwards, receives them on a signalfd(2), and passes each one
 * on through the process's pidfd. It waits on the same pidfd, so one poll(2) loop
 * handles both. With a terminal it also relays bytes between our tty and the pty master.
 *
 * Note the pid 1 rule: inside a pid namespace, init only receives signals it has a
 * handler for (SIGKILL and SIGSTOP excepted), so a forwarded SIGTERM to a shell that
 * ignores it does nothing, exactly as with `docker run` (pid_namespaces(7)).
 *
 * Man pages: signalfd(2), pidfd_send_signal(2), poll(2). Lab: labs/03-namespaces.
 */
#pragma once

#include <signal.h>

#include "minirun/sys/error.hpp"
#include "minirun/sys/process.hpp"

namespace minirun::runtime {

/// Blocks the signals `run` forwards (INT, TERM, HUP, QUIT, USR1, USR2, WINCH, CONT)
/// and restores the old mask on destruction. Create it before clone: the container's
/// init clears the mask for itself.
class ForwardedSignals {
 public:
  ForwardedSignals();
  ~ForwardedSignals();
  ForwardedSignals(const ForwardedSignals&) = delete;
  ForwardedSignals& operator=(const ForwardedSignals&) = delete;
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_{};
  sigset_t old_{};
};

/// Waits for `child` to exit, forwarding the blocked signals; with `pty_master` >= 0,
/// relays our stdin/stdout to it (raw mode while it runs). Returns the exit status.
sys::Result<sys::ExitStatus> wait_in_foreground(sys::ChildProcess& child, const ForwardedSignals& signals,
                                                int pty_master);

}  // namespace minirun::runtime
