/**
 * @file node_init.cpp
 * @brief The lab node's pid 1 (node_init.hpp).
 */
#include "miniswarm/lab/node_init.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "minirun/sys/file.hpp"

namespace miniswarm::lab {

using minirun::sys::Error;
using minirun::sys::Result;

namespace {

void log_line(const std::string& line) {
  char stamp[32];
  time_t now = ::time(nullptr);
  struct tm tm_utc;
  ::gmtime_r(&now, &tm_utc);
  ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  std::fprintf(stderr, "%s node-init: %s\n", stamp, line.c_str());
  std::fflush(stderr);
}

void no_op_handler(int) {}

/// Steps 1: the node's view of the machine.
Result<void> make_node_view(const NodeInitOptions& options) {
  // Slave, not private: host mounts (and unmounts, e.g. of /run/netns/*) still reach
  // the node, but nothing the node mounts travels back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return Error::from_errno("mount --make-rslave", "/");
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return Error::from_errno("mount proc", "/proc");
  }
  if (::sethostname(options.hostname.c_str(), options.hostname.size()) != 0) {
    return Error::from_errno("sethostname", options.hostname);
  }
  return minirun::sys::ok();
}

struct BootCommand {
  std::vector<std::string> argv;
  std::string log;
};

Result<BootCommand> read_boot_file(const std::string& path) {
  auto text = minirun::sys::read_file(path);
  if (!text) return std::move(text.error()).context("the boot file");
  ::unlink(path.c_str());
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("argv") || !j["argv"].is_array() || j["argv"].empty()) {
    return Error("the boot file `" + path + "` holds no command");
  }
  BootCommand boot;
  for (const auto& arg : j["argv"]) boot.argv.push_back(arg.get<std::string>());
  boot.log = j.value("log", "");
  return boot;
}

std::string self_path() {
  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "/proc/self/exe";
  path[n] = '\0';
  return path;
}

/// Step 2: the boot command as a child, its output in its log. Returns its pid.
Result<pid_t> start_boot_command(const BootCommand& boot, const sigset_t& old_mask) {
  int log_fd = boot.log.empty() ? -1 : ::open(boot.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const std::string program = self_path();
  std::vector<char*> args;
  for (const auto& a : boot.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t child = ::fork();
  if (child < 0) return Error::from_errno("fork");
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    ::execv(program.c_str(), args.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  return child;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + ::strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

/// Step 4: SIGTERM to the daemon named in the pid file, then reap until it is gone or
/// the grace period is over.
void stop_daemon(const NodeInitOptions& options) {
  auto text = minirun::sys::read_file(options.state_dir + "/daemon.pid");
  int pid = text ? std::atoi(text->c_str()) : 0;
  // Pid 1 is this process; anything else in the file is a pid of this namespace.
  if (pid <= 1 || ::kill(pid, SIGTERM) != 0) return;
  log_line("stopping the daemon (pid " + std::to_string(pid) + " in the node)");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.stop_grace_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (::kill(pid, 0) != 0) return;
    ::usleep(20'000);
  }
  log_line("the daemon did not stop within " + std::to_string(options.stop_grace_ms) + " ms; powering off");
}

}  // namespace

std::string boot_file_path(const std::string& state_dir) { return state_dir + "/lab-boot.json"; }

Result<void> write_boot_file(const std::string& path, const std::vector<std::string>& argv, const std::string& log_path) {
  nlohmann::json j = {{"argv", argv}, {"log", log_path}};
  MINIRUN_TRY(minirun::sys::write_file_atomic(path, j.dump() + "\n", 0600), "write the boot file");
  return minirun::sys::ok();
}

int run_node_init(const NodeInitOptions& options) {
  if (::getpid() != 1) {
    log_line("must be pid 1 of a new PID namespace: `miniswarm lab up` and `lab start` start it");
    return 2;
  }
  if (auto view = make_node_view(options); !view) {
    log_line(view.error().what());
    return 1;
  }
  auto boot = read_boot_file(options.boot_file);
  if (!boot) {
    log_line(boot.error().what());
    return 1;
  }
  sigset_t wanted, old_mask;
  sigemptyset(&wanted);
  for (int sig : {SIGTERM, SIGINT, SIGCHLD}) {
    sigaddset(&wanted, sig);
    struct sigaction action {};
    action.sa_handler = no_op_handler;
    ::sigaction(sig, &action, nullptr);
  }
  ::sigprocmask(SIG_BLOCK, &wanted, &old_mask);

  auto boot_pid = start_boot_command(*boot, old_mask);
  if (!boot_pid) {
    log_line(boot_pid.error().what());
    return 1;
  }
  std::string shown = boot->argv.size() > 3 ? boot->argv[3] : boot->argv.back();
  log_line(options.hostname + " up; booting with `miniswarm " + shown + "` (pid " + std::to_string(*boot_pid) + ")");
  for (;;) {
    timespec timeout{1, 0};
    siginfo_t info{};
    int sig = ::sigtimedwait(&wanted, &info, &timeout);
    if (sig == SIGTERM || sig == SIGINT) {
      log_line(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": shutting the node down");
      stop_daemon(options);
      return 0;
    }
    // SIGCHLD, or a timeout (signals of several children can merge into one): reap all.
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      if (pid != *boot_pid) continue;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        log_line("`miniswarm " + shown + "` finished");
        continue;
      }
      log_line("`miniswarm " + shown + "` failed (" + describe(status) + "); see " + boot->log +
               ". The node powers off.");
      return 1;
    }
  }
}

}  // namespace miniswarm::lab
