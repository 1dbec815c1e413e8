/**
 * @file hooks.cpp
 * @brief Running OCI hooks: fork, execve, state on stdin, output captured, timeout.
 *
 * Three choices shape this file:
 *  - The state goes to stdin through a memfd (memfd_create(2)), not a pipe. A pipe
 *    holds 64 KiB; a hook that never reads stdin would block a writer forever once a
 *    large state (many annotations) filled it. A memfd is a file: the hook reads it
 *    at its own pace, or not at all, and sees end-of-file after the last byte.
 *  - Waiting uses a pidfd (pidfd_open(2), Linux 5.3) in the same poll(2) as the
 *    output pipes, so one loop reads output, notices the exit and enforces the
 *    timeout without signals or threads. The kill goes through the pidfd too
 *    (pidfd_send_signal(2)): it can only ever reach our own child, never a process
 *    that later got the same pid number.
 *  - An execve(2) failure is reported through a close-on-exec pipe: the child writes
 *    its errno there if execve returns; if execve succeeds the kernel closes the pipe
 *    and the parent reads nothing. The message then says "execve `/path`: No such
 *    file or directory" rather than a bare exit status 127.
 * When the hook exits, reading stops even if a process it left behind still holds
 * the pipes: the runtime waits for the hook, not for its descendants.
 *
 * Man pages: fork(2), execve(2), memfd_create(2), pidfd_open(2),
 * pidfd_send_signal(2), poll(2), waitpid(2), close_range(2). Lab: labs/02-rootfs.
 */
#include "minirun/runtime/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "minirun/sys/unique_fd.hpp"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

namespace minirun::runtime {
namespace {

using sys::UniqueFd;

constexpr size_t kCaptureLimit = 4096;  ///< bytes of stdout/stderr kept per hook
constexpr unsigned kCloseRangeCloexec = 1U << 2;  ///< CLOSE_RANGE_CLOEXEC, Linux 5.11

/// One end of a pipe the parent reads, and what it has read so far (capped).
struct Capture {
  UniqueFd fd;
  std::string text;
};

/// Reads what is there now; false once the writer side is closed (or on error).
bool drain(Capture& c) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n > 0) {
      c.text.append(buf, std::min(static_cast<size_t>(n), kCaptureLimit - std::min(kCaptureLimit, c.text.size())));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN;
  }
}

/// The state JSON in an anonymous file, positioned at its start: the hook's stdin.
Result<UniqueFd> state_file(const std::string& state_json) {
  UniqueFd fd(::memfd_create("oci-state", MFD_CLOEXEC));
  if (!fd) return Error::from_errno("memfd_create");
  for (size_t done = 0; done < state_json.size();) {
    ssize_t n = ::write(fd.get(), state_json.data() + done, state_json.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("write", "memfd:oci-state");
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) return Error::from_errno("lseek", "memfd:oci-state");
  return fd;
}

/// In the forked child: stdin/stdout/stderr in place, a clean signal state, execve.
/// Only async-signal-safe calls: the parent may have other threads.
[[noreturn]] void exec_hook(const char* path, char* const argv[], char* const envp[], int in, int out, int err,
                            int report) {
  // Lift the three onto fds >= 3 first, so that dup2 cannot overwrite one with another
  // when the parent runs with 0, 1 or 2 closed.
  in = ::fcntl(in, F_DUPFD_CLOEXEC, 3);
  out = ::fcntl(out, F_DUPFD_CLOEXEC, 3);
  err = ::fcntl(err, F_DUPFD_CLOEXEC, 3);
  if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
    int e = errno;
    (void)!::write(report, &e, sizeof e);
    ::_exit(127);
  }
  // A blocked signal mask and ignored signals survive execve(2); the hook should not
  // inherit the runtime's (a runtime that ignores SIGPIPE would make `hook | head` spin).
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);
  // Every fd the kit opens is O_CLOEXEC already; this catches any a library leaked.
  (void)::syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec);
  ::execve(path, argv, envp);
  int e = errno;
  (void)!::write(report, &e, sizeof e);
  ::_exit(127);
}

/// A wait status in words: "exited with status 2", "was killed by signal 9 (Killed)".
std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
                                  ::strsignal(WTERMSIG(status)) + ")";
  return "ended with wait status " + std::to_string(status);
}

/// Kills our own child through its pidfd and reaps it.
void kill_and_reap(pid_t pid, int pidfd) {
  ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  ::waitpid(pid, nullptr, 0);
}

/// Reads the hook's stdout and stderr until it exits or its timeout passes; returns
/// the wait status. On timeout the hook is killed and reaped.
Result<int> wait_for_exit(pid_t pid, const Hook& hook, Capture& out, Capture& err) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    int saved = errno;
    ::kill(pid, SIGKILL);  // our own child, not yet reaped: its pid cannot be reused
    ::waitpid(pid, nullptr, 0);
    return Error::from_errno("pidfd_open", "", saved);
  }
  for (Capture* c : {&out, &err}) ::fcntl(c->fd.get(), F_SETFL, O_NONBLOCK);

  using Clock = std::chrono::steady_clock;
  const bool has_timeout = hook.timeout && *hook.timeout > 0;
  const auto deadline = Clock::now() + std::chrono::seconds(has_timeout ? *hook.timeout : 0);
  bool exited = false, out_open = true, err_open = true;
  while (!exited) {
    struct pollfd fds[3] = {{out_open ? out.fd.get() : -1, POLLIN, 0},
                            {err_open ? err.fd.get() : -1, POLLIN, 0},
                            {pidfd.get(), POLLIN, 0}};  // readable once the child exits
    int wait_ms = -1;
    if (has_timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        kill_and_reap(pid, pidfd.get());
        return Error("`" + hook.path + "` timed out after " + std::to_string(*hook.timeout) + " s");
      }
      wait_ms = static_cast<int>(left);
    }
    if (::poll(fds, 3, wait_ms) < 0 && errno != EINTR) {
      int saved = errno;
      kill_and_reap(pid, pidfd.get());
      return Error::from_errno("poll", "", saved);
    }
    if (out_open && fds[0].revents) out_open = drain(out);
    if (err_open && fds[1].revents) err_open = drain(err);
    exited = fds[2].revents != 0;
  }
  // What the hook wrote just before exiting is in the pipes; take it, without waiting
  // for any descendant that may still hold the write ends.
  if (out_open) drain(out);
  if (err_open) drain(err);

  int status = 0;
  if (::waitpid(pid, &status, 0) < 0) return Error::from_errno("waitpid");
  return status;
}

/// Runs one hook to completion; `where` is "hooks.<phase>[i]".
Result<void> run_hook(const Hook& hook, const std::string& state_json, const std::string& where) {
  auto stdin_fd = state_file(state_json);
  if (!stdin_fd) return std::move(stdin_fd.error()).context(where);

  // argv and envp before fork: the child must not allocate. Without `args` the
  // program sees its path as argv[0]; with them, args[0] is argv[0] (it may differ).
  std::vector<char*> argv, envp;
  if (hook.args.empty()) argv.push_back(const_cast<char*>(hook.path.c_str()));
  for (const auto& a : hook.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : hook.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int out[2], err[2], report[2];
  if (::pipe2(out, O_CLOEXEC) < 0) return Error::from_errno("pipe2").context(where);
  Capture out_c{UniqueFd(out[0]), {}};
  UniqueFd out_w(out[1]);
  if (::pipe2(err, O_CLOEXEC) < 0) return Error::from_errno("pipe2").context(where);
  Capture err_c{UniqueFd(err[0]), {}};
  UniqueFd err_w(err[1]);
  if (::pipe2(report, O_CLOEXEC) < 0) return Error::from_errno("pipe2").context(where);
  UniqueFd report_r(report[0]), report_w(report[1]);

  pid_t pid = ::fork();
  if (pid < 0) return Error::from_errno("fork").context(where);
  if (pid == 0)
    exec_hook(hook.path.c_str(), argv.data(), envp.data(), stdin_fd->get(), out_w.get(), err_w.get(),
              report_w.get());
  out_w.reset();
  err_w.reset();
  report_w.reset();

  // Did execve succeed? The pipe closes on exec (read 0) or carries errno.
  int exec_errno = 0;
  ssize_t n;
  do n = ::read(report_r.get(), &exec_errno, sizeof exec_errno);
  while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    ::waitpid(pid, nullptr, 0);
    return Error::from_errno("execve", hook.path, exec_errno).context(where);
  }

  auto status = wait_for_exit(pid, hook, out_c, err_c);
  if (!status) return std::move(status.error()).context(where);
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return sys::ok();
  std::string message = where + ": `" + hook.path + "` " + describe_status(*status);
  const std::string& said = err_c.text.empty() ? out_c.text : err_c.text;
  if (!said.empty()) message += ": " + said.substr(0, said.find_last_not_of("\n") + 1);
  return Error(message);
}

}  // namespace

Result<void> run_hooks(const std::vector<Hook>& hooks, const std::string& state_json, std::string_view phase) {
  // OCI runtime spec, config.md: a failing poststart or poststop hook is only a
  // warning, and the remaining hooks still run; any other phase stops at the first.
  const bool keep_going = phase == "poststart" || phase == "poststop";
  std::string warnings;
  for (size_t i = 0; i < hooks.size(); ++i) {
    std::string where = "hooks." + std::string(phase) + "[" + std::to_string(i) + "]";
    auto r = run_hook(hooks[i], state_json, where);
    if (r) continue;
    if (!keep_going) return r;
    warnings += (warnings.empty() ? "" : "; ") + r.error().what();
  }
  if (!warnings.empty()) return Error(warnings);
  return sys::ok();
}

}  // namespace minirun::runtime
