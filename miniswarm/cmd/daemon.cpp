/**
 * @file daemon.cpp
 * @brief Detaching, pid files and stopping the node's daemon (daemon.hpp).
 */
#include "miniswarm/cmd/daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

namespace miniswarm::cmd {

using minirun::sys::Error;
using minirun::sys::Result;

std::string daemon_log_path(const std::string& state_dir) { return state_dir + "/daemon.log"; }
std::string daemon_pid_path(const std::string& state_dir) { return state_dir + "/daemon.pid"; }

std::string self_executable() {
  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "miniswarm";
  path[n] = '\0';
  return path;
}

Result<int> start_daemon(const std::string& state_dir, const std::vector<std::string>& argv) {
  std::string log = daemon_log_path(state_dir);
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Error::from_errno("open", log);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return Error::from_errno("pipe2");
  }
  pid_t child = ::fork();
  if (child < 0) {
    ::close(log_fd);
    return Error::from_errno("fork");
  }
  if (child == 0) {
    // First child: a new session (no controlling terminal), then fork again so the
    // daemon is not a session leader and can never acquire a terminal.
    ::setsid();
    pid_t daemon = ::fork();
    if (daemon != 0) {
      int pid = static_cast<int>(daemon);
      (void)!::write(pipe_fds[1], &pid, sizeof pid);
      ::_exit(daemon < 0 ? 1 : 0);
    }
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::umask(022);
    if (::chdir("/") != 0) ::_exit(127);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(self_executable().c_str(), args.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(pipe_fds[1]);
  int pid = 0;
  ssize_t got = ::read(pipe_fds[0], &pid, sizeof pid);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (got != sizeof pid || pid <= 0) return Error("start the daemon: the second fork failed");
  return pid;
}

Result<void> write_pid_file(const std::string& state_dir) {
  std::string path = daemon_pid_path(state_dir);
  std::ofstream out(path, std::ios::trunc);
  if (!out) return Error::from_errno("open", path);
  out << ::getpid() << "\n";
  if (!out.flush()) return Error::from_errno("write", path);
  return minirun::sys::ok();
}

int running_daemon(const std::string& state_dir) {
  std::ifstream in(daemon_pid_path(state_dir));
  int pid = 0;
  if (!(in >> pid) || pid <= 1) return 0;
  // Is it still ours? Its command line must be miniswarm's, for this state dir.
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::stringstream buffer;
  buffer << cmdline.rdbuf();
  std::string args = buffer.str();
  for (char& c : args) {
    if (c == '\0') c = ' ';
  }
  if (args.find("miniswarm") == std::string::npos || args.find(state_dir) == std::string::npos) return 0;
  return pid;
}

Result<void> stop_daemon(const std::string& state_dir, int grace_ms) {
  int pid = running_daemon(state_dir);
  if (pid == 0) {
    ::unlink(daemon_pid_path(state_dir).c_str());
    return minirun::sys::ok();
  }
  if (::kill(pid, SIGTERM) != 0 && errno != ESRCH) return Error::from_errno("kill", std::to_string(pid));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (::kill(pid, 0) == 0) {
    ::kill(pid, SIGKILL);
    while (::kill(pid, 0) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::unlink(daemon_pid_path(state_dir).c_str());
  return minirun::sys::ok();
}

std::string daemon_log_tail(const std::string& state_dir, int lines) {
  std::ifstream in(daemon_log_path(state_dir));
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "  " + l + "\n";
  return out;
}

}  // namespace miniswarm::cmd
