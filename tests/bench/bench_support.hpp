/**
 * @file bench_support.hpp
 * @brief What the benchmarks under tests/bench/ share: running a command and timing it,
 *        medians and percentiles, and leaving cleanly on Ctrl-C.
 *
 * A benchmark runs the kit's programs and a peer's (runc, buildah, iproute2) many times
 * and prints figures; it asserts nothing. Each command runs in a process group of its
 * own with stdin from /dev/null, so a Ctrl-C on the terminal reaches only the benchmark,
 * which lets the running command finish and then cleans up everything it made.
 */
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace minirun::bench {

using Argv = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

/// Set by SIGINT/SIGTERM/SIGHUP; the loops (worker threads' too) check it and leave for
/// cleanup. A lock-free atomic is safe to store from a signal handler.
inline std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

inline void on_interrupt(int) { g_interrupted = true; }

/// No SA_RESTART: the waits retry on EINTR themselves and see the flag. SIGPIPE is
/// ignored: a reader that goes away early (`engine_bench | head`) must not kill the
/// benchmark in the middle, with its containers still running; output to it is lost,
/// the run and the cleanup go on.
inline void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

/// Worker threads started while this lives have the signals blocked, so that the main
/// thread alone takes a Ctrl-C and no socket call of a worker is cut short by EINTR.
class InterruptsBlockedForNewThreads {
 public:
  InterruptsBlockedForNewThreads() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~InterruptsBlockedForNewThreads() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  InterruptsBlockedForNewThreads(const InterruptsBlockedForNewThreads&) = delete;
  InterruptsBlockedForNewThreads& operator=(const InterruptsBlockedForNewThreads&) = delete;

 private:
  sigset_t old_;
};

inline Argv with(Argv a, const Argv& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::string join(const Argv& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// The value at fraction `q` of the sorted samples (nearest rank).
inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(q * static_cast<double>(v.size()));
  return v[std::min(rank, v.size() - 1)];
}

/// The first of `candidates` that is an executable file, or "".
inline std::string find_program(const Argv& candidates) {
  for (const auto& c : candidates)
    if (::access(c.c_str(), X_OK) == 0) return c;
  return "";
}

/// Opens `path` for a command's output, in this process: /dev/null as is; a file afresh,
/// the old one unlinked first rather than truncated. On the lab VM's disk (ext4, mounted
/// `discard`) an O_TRUNC of a file that holds a few bytes of the last command's output
/// took 0.3-0.9 ms (block freeing and ext4's flush-on-truncate), and done in the child
/// it fell inside the timed window, unevenly: only after a command that printed
/// something. Returns the fd (close-on-exec), or -1.
inline int open_output(const std::string& path) {
  if (path != "/dev/null") ::unlink(path.c_str());
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/// Starts argv (no shell) in a process group of its own (so that a terminal's Ctrl-C
/// does not cut it short): stdin /dev/null, stdout to `out_fd`, stderr to `err_fd`
/// (-1: this program's stderr). Returns its pid, or -1.
inline pid_t spawn_with(const Argv& argv, int out_fd, int err_fd) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setpgid(0, 0);
  std::vector<char*> args;
  for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  int in = ::open("/dev/null", O_RDONLY);
  ::dup2(in, 0);
  ::dup2(out_fd, 1);
  if (err_fd >= 0) ::dup2(err_fd, 2);
  ::execv(args[0], args.data());
  std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
  ::_exit(127);
}

/// spawn_with() with stdout to `stdout_path` and stderr to `stderr_path` (empty: this
/// program's stderr), opened by open_output().
inline pid_t spawn(const Argv& argv, const std::string& stdout_path, const std::string& stderr_path = "") {
  const int out = open_output(stdout_path);
  const int err = stderr_path.empty() ? -1 : open_output(stderr_path);
  const pid_t pid = spawn_with(argv, out, err);
  ::close(out);
  if (err >= 0) ::close(err);
  return pid;
}

/// One timed command: wall time from fork to exit, its exit status (128+signal), and
/// its peak RSS (this child's own, from wait4(2), not RUSAGE_CHILDREN's running total).
struct Sample {
  double ms = 0;
  int status = -1;
  long max_rss_kib = 0;
};

/// Waits for a spawned child even if a signal arrives meanwhile; fills status and RSS.
inline void wait_child(pid_t pid, Sample& s) {
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  s.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  s.max_rss_kib = usage.ru_maxrss;
}

/// Runs argv as spawn() does and waits for it. The clock starts after the output files
/// are open (open_output()): the window holds the fork, the command and its exit only.
inline Sample time_command(const Argv& argv, const std::string& stdout_path, const std::string& stderr_path) {
  Sample s;
  const int out = open_output(stdout_path);
  const int err = stderr_path.empty() ? -1 : open_output(stderr_path);
  auto start = Clock::now();
  pid_t pid = spawn_with(argv, out, err);
  ::close(out);
  if (err >= 0) ::close(err);
  if (pid < 0) return s;
  wait_child(pid, s);
  s.ms = ms_since(start);
  return s;
}

}  // namespace minirun::bench
