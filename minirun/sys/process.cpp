/**
 * @file process.cpp
 * @brief clone3(2) and pidfds (see process.hpp).
 */
#include "minirun/sys/process.hpp"

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "minirun/sys/file.hpp"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace minirun::sys {

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (valid()) {
      (void)signal(SIGKILL);
      (void)wait();
    }
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (valid() && pidfd_.valid()) {
    (void)signal(SIGKILL);
    (void)wait();
  }
}

Result<void> ChildProcess::signal(int sig) const { return send_signal(pidfd_.get(), sig); }

static ExitStatus decode(const siginfo_t& info) {
  ExitStatus st;
  if (info.si_code == CLD_EXITED) {
    st.code = info.si_status;
  } else {
    st.signal = info.si_status;
    st.code = 128 + info.si_status;
  }
  return st;
}

Result<ExitStatus> ChildProcess::wait() {
  siginfo_t info{};
  for (;;) {
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) == 0) break;
    if (errno == EINTR) continue;
    Error e = Error::from_errno("waitid", "pid " + std::to_string(pid_));
    pid_ = -1;
    return e;
  }
  pid_ = -1;
  return decode(info);
}

void ChildProcess::release() {
  pid_ = -1;
  pidfd_.reset();
}

Result<ChildProcess> clone_process(unsigned long long flags, int cgroup_fd) {
  int pidfd = -1;
  struct clone_args args;
  std::memset(&args, 0, sizeof args);
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uintptr_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<unsigned long long>(cgroup_fd);
  }
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) return Error::from_errno("clone3");
  if (pid == 0) return ChildProcess(0, UniqueFd());
  return ChildProcess(static_cast<pid_t>(pid), UniqueFd(pidfd));
}

Result<UniqueFd> open_pidfd(pid_t pid) {
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return Error::from_errno("pidfd_open", "pid " + std::to_string(pid));
  return UniqueFd(static_cast<int>(fd));
}

Result<void> send_signal(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0) {
    return Error::from_errno("pidfd_send_signal", "signal " + std::to_string(sig));
  }
  return ok();
}

Result<unsigned long long> process_start_time(pid_t pid) {
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::move(stat.error());
  // The command name (field 2) may contain spaces and parentheses: skip to the last ')'.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return Error("malformed /proc/" + std::to_string(pid) + "/stat");
  // Fields after ')' start at field 3 (state); starttime is field 22, i.e. the 20th after.
  const char* p = stat->c_str() + close + 2;
  for (int field = 3; field < 22 && *p; ++field) {
    p = std::strchr(p, ' ');
    if (!p) return Error("malformed /proc/" + std::to_string(pid) + "/stat");
    ++p;
  }
  return std::strtoull(p, nullptr, 10);
}

}  // namespace minirun::sys
