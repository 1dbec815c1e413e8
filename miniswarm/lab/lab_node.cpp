/**
 * @file lab_node.cpp
 * @brief Spawning a node's init in its namespaces, killing it, and removing the cgroups
 *        its containers leave (lab_node.hpp).
 */
#include "miniswarm/lab/lab_node.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/sys/file.hpp"

namespace miniswarm::lab {

using minirun::sys::Error;
using minirun::sys::Result;

namespace {

/// The state letter (field 3) and start time (field 22) of /proc/PID/stat.
struct ProcStat {
  char state = '?';
  unsigned long long start_time = 0;
};

bool read_proc_stat(int pid, ProcStat& out) {
  auto text = minirun::sys::read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return false;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  auto close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) return false;
  const char* p = text->c_str() + close + 2;
  out.state = *p;
  for (int field = 3; field < 22 && p != nullptr; ++field) {
    p = std::strchr(p, ' ');
    if (p != nullptr) ++p;
  }
  if (p == nullptr) return false;
  out.start_time = std::strtoull(p, nullptr, 10);
  return true;
}

std::string self_path() {
  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "/proc/self/exe";
  path[n] = '\0';
  return path;
}

/// Polls until `id` is no longer alive or `timeout_ms` passed; true when it died.
bool wait_until_dead(const ProcessId& id, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (is_alive(id)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

bool is_alive(const ProcessId& id) {
  if (id.pid <= 1) return false;
  ProcStat stat;
  if (!read_proc_stat(id.pid, stat)) return false;
  // A zombie is dead: the node's init becomes one until the host's init reaps it.
  return stat.start_time == id.start_time && stat.state != 'Z' && stat.state != 'X';
}

Result<ProcessId> spawn_node_init(const std::string& netns_file, const std::vector<std::string>& argv,
                                  const std::string& log_path) {
  // Everything the children need is prepared here: after fork only plain syscalls run.
  auto netns = minirun::sys::open_file(netns_file, O_RDONLY);
  if (!netns) return std::move(netns.error()).context("the node's network namespace");
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return Error::from_errno("open", log_path);
  const std::string program = self_path();
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return Error::from_errno("pipe2");
  }

  pid_t middle = ::fork();
  if (middle < 0) {
    ::close(log_fd);
    return Error::from_errno("fork");
  }
  if (middle == 0) {
    // Which step failed travels back as a negative number in place of the pid.
    auto fail = [&](int step) {
      int code[2] = {-step, errno};
      (void)!::write(report[1], code, sizeof code);
      ::_exit(1);
    };
    ::setsid();
    if (::setns(netns->get(), CLONE_NEWNET) != 0) fail(1);
    if (::unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID) != 0) fail(2);
    pid_t init = ::fork();
    if (init < 0) fail(3);
    if (init == 0) {
      int null_fd = ::open("/dev/null", O_RDONLY);
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      if (::chdir("/") != 0) ::_exit(126);
      ::execv(program.c_str(), args.data());
      ::_exit(127);
    }
    int code[2] = {static_cast<int>(init), 0};
    (void)!::write(report[1], code, sizeof code);
    ::_exit(0);
  }
  ::close(log_fd);
  ::close(report[1]);
  int code[2] = {0, 0};
  ssize_t got = ::read(report[0], code, sizeof code);
  ::close(report[0]);
  int status = 0;
  ::waitpid(middle, &status, 0);
  if (got != sizeof code || code[0] == 0) return Error("start the node's init: the helper process died");
  if (code[0] < 0) {
    std::string step = code[0] == -1   ? "setns(CLONE_NEWNET) into `" + netns_file + "`"
                       : code[0] == -2 ? "unshare(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWPID)"
                                       : "fork";
    return Error("start the node's init: " + step + " failed", code[1]);
  }
  ProcessId id{code[0], 0};
  // The init is an orphan now (adopted by the host's init), alive or a zombie until
  // reaped: its stat file stays readable either way for a moment, long enough here.
  ProcStat stat;
  if (!read_proc_stat(id.pid, stat)) return Error("start the node's init: it vanished at once; see " + log_path);
  id.start_time = stat.start_time;
  return id;
}

Result<void> kill_node_init(const ProcessId& id) {
  if (!is_alive(id)) return minirun::sys::ok();
  if (::kill(id.pid, SIGKILL) != 0 && errno != ESRCH) return Error::from_errno("kill", std::to_string(id.pid));
  // The kernel reaps the whole namespace before the init itself finishes dying.
  if (!wait_until_dead(id, 10000)) return Error("the node's init (pid " + std::to_string(id.pid) + ") survived SIGKILL for 10 s");
  return minirun::sys::ok();
}

Result<void> stop_node_init(const ProcessId& id, int grace_ms) {
  if (!is_alive(id)) return minirun::sys::ok();
  if (::kill(id.pid, SIGTERM) != 0 && errno != ESRCH) return Error::from_errno("kill", std::to_string(id.pid));
  if (wait_until_dead(id, grace_ms)) return minirun::sys::ok();
  return kill_node_init(id);
}

Result<int> remove_node_cgroups(const std::string& state_dir) {
  const std::string runtime_root = state_dir + "/engine/runtime";
  auto dir = minirun::sys::open_file(runtime_root, O_RDONLY | O_DIRECTORY);
  if (!dir) return 0;  // no container ever ran on this node
  auto names = minirun::sys::list_directory(dir->get(), runtime_root);
  if (!names) return std::move(names.error()).context("the node's containers");
  int removed = 0;
  for (const auto& name : *names) {
    if (name.empty() || name[0] == '.') continue;  // the runtime's own (.cache)
    auto text = minirun::sys::read_file(runtime_root + "/" + name + "/state.json");
    if (!text) continue;
    auto state = nlohmann::json::parse(*text, nullptr, false);
    if (!state.is_object() || !state.contains("cgroupPaths") || !state["cgroupPaths"].is_array()) continue;
    for (const auto& path : state["cgroupPaths"]) {
      if (!path.is_string()) continue;
      const std::string dir_path = path.get<std::string>();
      // Only cgroupfs directories, never anything else a damaged file could name.
      if (dir_path.rfind("/sys/fs/cgroup/", 0) != 0 || dir_path.find("/../") != std::string::npos) continue;
      // A cgroup whose last task has just been reaped may answer EBUSY for a moment.
      for (int attempt = 0; attempt < 50; ++attempt) {
        if (::rmdir(dir_path.c_str()) == 0) {
          ++removed;
          break;
        }
        if (errno != EBUSY) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      // The runtime's default placement is `<its own cgroup>/minirun/<id>`, and the runtime
      // removes that shared `minirun` parent with the last container that used it. A
      // killed node's runtime never got to: remove it here once it is empty (rmdir fails,
      // harmlessly, while another container still uses it).
      const std::string parent = dir_path.substr(0, dir_path.find_last_of('/'));
      const bool shared = parent.substr(parent.find_last_of('/') + 1) == minirun::runtime::kSharedCgroupParentName;
      if (parent.size() > 15 && shared && ::rmdir(parent.c_str()) == 0) ++removed;
    }
  }
  return removed;
}

}  // namespace miniswarm::lab
