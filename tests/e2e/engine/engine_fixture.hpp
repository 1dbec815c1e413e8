/**
 * @file engine_fixture.hpp
 * @brief The bench for the engine's end-to-end tests: the real `minirun` binary, a
 * private data root per test, and a host checked for leftovers after every test.
 *
 * The tests in tests/e2e/engine/ use the engine as a learner does: they run the
 * `minirun` program (and through it `minirun-monitor` and the OCI runtime) with
 * run_command(), read what it prints, and then look at the host itself: the mount
 * table, the cgroup tree, /proc. Nothing links against the engine library, so what is
 * tested is what ships.
 *
 * What the fixture (EngineFixture) gives each test:
 *
 *  - a fresh data root (`--data-root`), under a ScratchDir (`/tmp/minirun-test-XXXXXX`),
 *    so a test never sees, lists or removes another test's containers, nor the ones on
 *    /var/lib/minirun;
 *  - an image store (`--image-root`) shared by the tests of one suite: the engine makes
 *    the `busybox` image in it on first use (about 0.3 s), once per suite, not per test;
 *  - mr("run", "--rm", "busybox", "echo", "hi"): `minirun --data-root D --image-root I
 *    ARGS...`, output captured; mr_argv() for argument lists built up in code;
 *  - start_client(): a `minirun` left running in the background (a foreground `run` whose
 *    client the test then kills), with its pid and a pipe of its output;
 *  - inspect(), eventually(): a container's `inspect` object, and a bounded poll for
 *    what the monitor does asynchronously (restarts, health, exits);
 *  - TearDown(): `rm -f -v` of every container the data root holds, whether the test
 *    passed or not, then the leak check the engine promises to pass:
 *      no mount under the scratch directories (/proc/self/mountinfo),
 *      no directory left in <data-root>/containers or <data-root>/runtime,
 *      no cgroup `minirun/<id>` under this process's cgroups (every v1 hierarchy),
 *      no process in such a cgroup, and no process (a monitor) naming the data root.
 *    A leak fails the test, and is then cleaned up (processes killed, mounts detached,
 *    cgroups removed), but only what belongs to this test's containers.
 *
 * The container ids the check looks for are every id the test could have seen: each
 * 64-hex word `minirun` printed, and each directory that appeared in containers/ after
 * a command. (A `run --rm` that removes itself within one command prints no id; its
 * leaks are found through the data root in a monitor's command line and the mounts.)
 *
 * Header-only: CMake compiles only `*_test.cpp` into `engine_integration_tests`.
 * Reference: the docker CLI reference (docs.docker.com/reference/cli/docker/).
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/test_env.hpp"

#ifndef MINIRUN_BINARY
#define MINIRUN_BINARY "minirun"
#endif
#ifndef MINIRUN_NET_BINARY
#define MINIRUN_NET_BINARY "minirun-net"
#endif

namespace minirun::testing {

/// The nftables table the engine tests' containers use ($MINIRUN_NFT_TABLE).
inline constexpr const char* kTestNftTable = "minirun_e2e";

/// Reads a whole file; "" if it cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// Names in a directory (no `.` and `..`); empty if it does not exist.
inline std::vector<std::string> directory_entries(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

/// Every run of exactly 64 lowercase hex digits in `text`: container ids.
inline std::vector<std::string> hex_ids_in(const std::string& text) {
  std::vector<std::string> ids;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && std::isxdigit(static_cast<unsigned char>(text[j])) &&
           !std::isupper(static_cast<unsigned char>(text[j])))
      ++j;
    if (j - i == 64) ids.push_back(text.substr(i, 64));
    i = j == i ? i + 1 : j;
  }
  return ids;
}

/// Lines of `text` (without the newlines; a last line without one counts).
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// A `minirun` left running in the background: its pid and the read end of a pipe
/// holding its stdout and stderr.
struct BackgroundClient {
  pid_t pid = -1;
  int output_fd = -1;
};

class EngineFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new ScratchDir;
    // Firewall rules of the tests' containers go to a table of the tests' own, which the
    // suite deletes at its end (the kit's own table `minirun` is never touched).
    ::setenv("MINIRUN_NFT_TABLE", kTestNftTable, 1);
  }
  static void TearDownTestSuite() {
    delete images_;
    images_ = nullptr;
    (void)run_command({MINIRUN_NET_BINARY, "--table", kTestNftTable, "remove-table"}, {}, 30);
  }

  void SetUp() override { data_root_ = scratch_.path() + "/data"; }

  void TearDown() override {
    for (const auto& id : directory_entries(data_root_ + "/containers")) {
      seen_ids_.insert(id);
      auto removed = mr("rm", "-f", "-v", id);
      EXPECT_EQ(removed.exit_code, 0) << "TearDown: rm -f " << id << ": " << removed.err;
    }
    // The networks (the default one too, made on first use): bridges and their rules.
    if (!directory_entries(data_root_ + "/networks").empty()) {
      auto pruned = mr("network", "prune", "-f");
      EXPECT_EQ(pruned.exit_code, 0) << "TearDown: network prune: " << pruned.err;
      for (const auto& entry : directory_entries(data_root_ + "/networks"))
        if (entry[0] != '.') ADD_FAILURE() << "left behind: network " << data_root_ << "/networks/" << entry;
    }
    // A container's veth pair goes with its network namespace, which the kernel tears
    // down in the background after the last process exited: give it a moment.
    eventually([&] { return find_leaks().empty(); }, std::chrono::seconds(3));
    for (const auto& leak : find_leaks()) ADD_FAILURE() << "left behind: " << leak;
    clean_up_leaks();
  }

  const std::string& data_root() const { return data_root_; }
  std::string image_root() const { return images_->path() + "/images"; }
  /// A directory of the test's own for host files (bind sources, files to copy).
  std::string host_dir() const { return scratch_.path(); }

  /// `minirun --data-root D --image-root I args...`.
  CommandResult mr_argv(const std::vector<std::string>& args, int timeout_seconds = 30) {
    std::vector<std::string> argv{MINIRUN_BINARY, "--data-root", data_root_, "--image-root", image_root()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult result = run_command(argv, {}, timeout_seconds);
    note_ids(result.out + result.err);
    return result;
  }
  template <class... Args>
  CommandResult mr(const Args&... args) {
    return mr_argv({std::string(args)...});
  }

  /// `run -d args...`: the new container's full id, or "" (and a test failure).
  std::string run_detached(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "-d"});
    auto r = mr_argv(args);
    EXPECT_EQ(r.exit_code, 0) << "run -d failed: " << r.err;
    if (r.exit_code != 0) return "";
    std::string id = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(hex_ids_in(id).size(), 1u) << "run -d prints the id: " << r.out;
    return id;
  }

  /// The container's `inspect` object (the array's only element), or null.
  nlohmann::json inspect(const std::string& container) {
    auto r = mr("inspect", container);
    if (r.exit_code != 0) return nullptr;
    auto parsed = nlohmann::json::parse(r.out, nullptr, false);
    if (!parsed.is_array() || parsed.size() != 1) return nullptr;
    return parsed[0];
  }
  /// inspect's State, or an empty object.
  nlohmann::json state_of(const std::string& container) {
    auto info = inspect(container);
    if (info.is_null() || !info.contains("State")) return nlohmann::json::object();
    return info["State"];
  }
  std::string status_of(const std::string& container) { return state_of(container).value("Status", ""); }

  /// Polls `condition` every 50 ms until it holds or `timeout` passes.
  static bool eventually(const std::function<bool()>& condition,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (condition()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  static void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

  /// Starts `minirun ... args` without waiting; its stdout and stderr go to a pipe
  /// (the test reads it with read_some(), and closes it when it wants the writer gone).
  BackgroundClient start_client(const std::vector<std::string>& args) {
    std::vector<std::string> argv{MINIRUN_BINARY, "--data-root", data_root_, "--image-root", image_root()};
    argv.insert(argv.end(), args.begin(), args.end());
    int out[2];
    BackgroundClient client;
    if (::pipe2(out, O_CLOEXEC) < 0) return client;
    pid_t pid = ::fork();
    if (pid == 0) {
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      ::dup2(out[1], 1);
      ::dup2(out[1], 2);
      std::vector<char*> c_args;
      for (const auto& a : argv) c_args.push_back(const_cast<char*>(a.c_str()));
      c_args.push_back(nullptr);
      ::execv(c_args[0], c_args.data());
      _exit(127);
    }
    ::close(out[1]);
    client.pid = pid;
    client.output_fd = out[0];
    background_.push_back(pid);
    return client;
  }
  /// Reads what the client wrote until `wanted` shows up or `timeout` passes.
  static std::string read_until(int fd, const std::string& wanted, std::chrono::milliseconds timeout) {
    std::string text;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    while (!contains(text, wanted) && std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) text.append(buf, static_cast<size_t>(n));
      else if (n == 0) break;
      else sleep_ms(20);
    }
    return text;
  }
  /// SIGKILLs and reaps a background client.
  void kill_client(BackgroundClient& client) {
    if (client.pid <= 0) return;
    ::kill(client.pid, SIGKILL);
    ::waitpid(client.pid, nullptr, 0);
    background_.erase(std::remove(background_.begin(), background_.end(), client.pid), background_.end());
    client.pid = -1;
  }

  /// What a finished test must not leave behind, one line per leak.
  std::vector<std::string> find_leaks() {
    std::vector<std::string> leaks;
    for (const auto& line : lines_of(slurp("/proc/self/mountinfo")))
      if (contains(line, scratch_.path()) || contains(line, images_->path())) leaks.push_back("mount: " + line);
    for (const auto& id : directory_entries(data_root_ + "/containers"))
      leaks.push_back("directory " + data_root_ + "/containers/" + id);
    // A --rm container's files, which its monitor deletes right after `run` returned.
    for (const auto& id : directory_entries(data_root_ + "/trash"))
      leaks.push_back("directory " + data_root_ + "/trash/" + id);
    // Dot names are the runtime's own (.cache: compiled seccomp filters), not containers,
    // except a state directory a monitor renamed out of the way and deletes soon after.
    for (const auto& entry : directory_entries(data_root_ + "/runtime"))
      if (entry[0] != '.' || entry.rfind(".removed-", 0) == 0)
        leaks.push_back("runtime state " + data_root_ + "/runtime/" + entry);
    for (const auto& dir : cgroup_dirs_of_seen_ids()) leaks.push_back("cgroup " + dir);
    // veths are "mrv" + the first 8 hex of the container id (network_store.hpp).
    for (const auto& link : directory_entries("/sys/class/net"))
      for (const auto& id : seen_ids_)
        if (link.size() == 15 && link.rfind("mrv" + id.substr(0, 8), 0) == 0) leaks.push_back("veth " + link);
    for (pid_t pid : leaked_processes()) {
      leaks.push_back("process " + std::to_string(pid) + ": " + command_line_of(pid));
    }
    return leaks;
  }

 private:
  void note_ids(const std::string& text) {
    for (const auto& id : hex_ids_in(text)) seen_ids_.insert(id);
    for (const auto& id : directory_entries(data_root_ + "/containers")) seen_ids_.insert(id);
  }

  /// Where each cgroup v1 hierarchy (and the v2 one) keeps this process's cgroup.
  static std::vector<std::string> own_cgroup_dirs() {
    std::vector<std::string> dirs;
    for (const auto& line : lines_of(slurp("/proc/self/cgroup"))) {
      // "4:memory:/process_api/abc" ; "9:name=systemd:/" ; "0::/" (v2)
      size_t first = line.find(':'), second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      std::string controllers = line.substr(first + 1, second - first - 1);
      std::string path = line.substr(second + 1);
      if (path == "/") path.clear();
      std::vector<std::string> mounts;
      if (controllers.empty()) {
        mounts = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};
      } else if (controllers.rfind("name=", 0) == 0) {
        mounts = {"/sys/fs/cgroup/" + controllers.substr(5)};
      } else {
        mounts = {"/sys/fs/cgroup/" + controllers};
        std::stringstream each(controllers);
        for (std::string c; std::getline(each, c, ',');) mounts.push_back("/sys/fs/cgroup/" + c);
      }
      for (const auto& m : mounts)
        if (std::find(dirs.begin(), dirs.end(), m + path) == dirs.end()) dirs.push_back(m + path);
    }
    return dirs;
  }

  std::vector<std::string> cgroup_dirs_of_seen_ids() const {
    std::vector<std::string> found;
    for (const auto& base : own_cgroup_dirs())
      for (const auto& id : seen_ids_) {
        std::string dir = base + "/minirun/" + id;
        if (::access(dir.c_str(), F_OK) == 0) found.push_back(dir);
      }
    return found;
  }

  static std::string command_line_of(pid_t pid) {
    std::string text = slurp("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
  }

  /// Live (not zombie) processes that are in a cgroup of one of the test's containers,
  /// or whose command line names the test's data root (monitors, stuck clients).
  std::vector<pid_t> leaked_processes() const {
    std::vector<pid_t> pids;
    for (const auto& name : directory_entries("/proc")) {
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      pid_t pid = std::stoi(name);
      if (pid == ::getpid()) continue;
      if (std::find(background_.begin(), background_.end(), pid) != background_.end()) continue;
      std::string stat = slurp("/proc/" + name + "/stat");
      size_t paren = stat.rfind(')');
      if (paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z') continue;
      std::string cgroups = slurp("/proc/" + name + "/cgroup");
      bool leaked = contains(command_line_of(pid), data_root_);
      for (const auto& id : seen_ids_) leaked = leaked || contains(cgroups, "/minirun/" + id);
      if (leaked) pids.push_back(pid);
    }
    return pids;
  }

  /// After a failed leak check: removes what this test's containers left, so the next
  /// test (and the machine) starts clean. Only the test's own things are touched.
  void clean_up_leaks() {
    for (pid_t pid : background_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    background_.clear();
    for (pid_t pid : leaked_processes()) ::kill(pid, SIGKILL);
    std::vector<std::string> mount_points;
    for (const auto& line : lines_of(slurp("/proc/self/mountinfo"))) {
      std::istringstream fields(line);
      std::string id, parent, dev, root, point;
      fields >> id >> parent >> dev >> root >> point;
      if (point.rfind(scratch_.path(), 0) == 0 || point.rfind(images_->path(), 0) == 0) mount_points.push_back(point);
    }
    // Deepest first, so a mount on top of another goes before it.
    std::sort(mount_points.begin(), mount_points.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& point : mount_points) ::umount2(point.c_str(), MNT_DETACH);
    if (!leaked_processes().empty()) sleep_ms(200);  // let the killed ones leave their cgroups
    for (const auto& dir : cgroup_dirs_of_seen_ids()) ::rmdir(dir.c_str());
  }

  ScratchDir scratch_;
  std::string data_root_;
  std::set<std::string> seen_ids_;
  std::vector<pid_t> background_;
  inline static ScratchDir* images_ = nullptr;
};

}  // namespace minirun::testing
