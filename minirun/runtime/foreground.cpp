/**
 * @file foreground.cpp
 * @brief Signal forwarding and tty relaying for foreground containers (see foreground.hpp).
 */
#include "minirun/runtime/foreground.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

using sys::Error;

ForwardedSignals::ForwardedSignals() {
  sigemptyset(&set_);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT}) sigaddset(&set_, sig);
  sigprocmask(SIG_BLOCK, &set_, &old_);
}

ForwardedSignals::~ForwardedSignals() { sigprocmask(SIG_SETMASK, &old_, nullptr); }

namespace {

/// Puts our terminal in raw mode for the pty relay, and back on destruction.
class RawTerminal {
 public:
  explicit RawTerminal(bool enable) {
    if (enable && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
      struct termios raw = saved_;
      ::cfmakeraw(&raw);
      active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  struct termios saved_ {};
  bool active_ = false;
};

void copy_window_size(int master) {
  struct winsize ws {};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
}

}  // namespace

sys::Result<sys::ExitStatus> wait_in_foreground(sys::ChildProcess& child, const ForwardedSignals& signals,
                                                int pty_master) {
  sys::UniqueFd sfd(::signalfd(-1, &signals.set(), SFD_CLOEXEC));
  if (!sfd) return Error::from_errno("signalfd");
  RawTerminal raw(pty_master >= 0);
  if (pty_master >= 0) copy_window_size(pty_master);

  bool stdin_open = pty_master >= 0;
  bool master_open = pty_master >= 0;
  char buf[8192];
  for (;;) {
    struct pollfd fds[4] = {{child.pidfd(), POLLIN, 0},
                            {sfd.get(), POLLIN, 0},
                            {master_open ? pty_master : -1, POLLIN, 0},
                            {stdin_open ? STDIN_FILENO : -1, POLLIN, 0}};
    if (::poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      return Error::from_errno("poll");
    }
    if (fds[2].revents) {
      ssize_t n = ::read(pty_master, buf, sizeof buf);
      if (n > 0) (void)!::write(STDOUT_FILENO, buf, static_cast<size_t>(n));
      else master_open = false;  // EIO: every slave fd is closed
    }
    if (fds[3].revents) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n > 0) (void)!::write(pty_master, buf, static_cast<size_t>(n));
      else stdin_open = false;
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo info {};
      if (::read(sfd.get(), &info, sizeof info) == sizeof info) {
        int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGWINCH && pty_master >= 0) copy_window_size(pty_master);
        else (void)child.signal(sig);
      }
    }
    if (fds[0].revents & POLLIN) {
      // Drain what the program wrote last before reporting its exit.
      while (master_open) {
        struct pollfd p = {pty_master, POLLIN, 0};
        if (::poll(&p, 1, 0) != 1) break;
        ssize_t n = ::read(pty_master, buf, sizeof buf);
        if (n <= 0) break;
        (void)!::write(STDOUT_FILENO, buf, static_cast<size_t>(n));
      }
      return child.wait();
    }
  }
}

}  // namespace minirun::runtime
