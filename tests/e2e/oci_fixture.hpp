/**
 * @file oci_fixture.hpp
 * @brief The end-to-end tests' bench: a bundle made from the busybox rootfs, the real
 * `minirun-oci` binary driven through its command line, and a clean host afterwards.
 *
 * Every test in tests/e2e/ plays the part of an engine (containerd, podman): it writes
 * an OCI bundle, a `config.json` next to a `rootfs/` directory (runtime-spec
 * bundle.md), and runs `minirun-oci create/start/run/exec/...` as a separate program,
 * exactly as a learner would from a shell. Nothing here links against the runtime
 * library, so what is tested is what ships.
 *
 * The fixture (OciFixture) gives each test:
 *
 *  - a ScratchDir (`/tmp/minirun-test-XXXXXX`) holding the bundles and the state root
 *    `state/`, passed as `--root` to every command, so a test never sees, lists or
 *    deletes another test's containers, nor the ones a learner started by hand;
 *  - make_bundle(): a copy of busybox_rootfs() (`cp -a`: one static binary and a
 *    symlink per applet), then `minirun-oci spec`, then the test's own edits of the
 *    JSON with nlohmann::json (args, readonly root, capabilities, resources, ...);
 *  - container ids `t-<TestName>-<pid>[-n]`, unique per test and per run, recorded so
 *    that TearDown() runs `delete --force` on each, whether the test passed or not;
 *  - oci(): `minirun-oci --root <scratch>/state ARGS...`, output captured;
 *  - oci_to_files(): the same for commands that leave a container behind (`create`,
 *    `run --detach`, `exec --detach`). The container inherits the command's stdout and
 *    stderr, so they go to files: a pipe would stay open as long as the container lives.
 *
 * The ids start with `t-` and the scratch paths with `/tmp/minirun-test-`, so that
 * after a run `find /sys/fs/cgroup -name 't-*'` and `grep minirun-test
 * /proc/self/mountinfo` show anything a test (or the runtime) left behind.
 *
 * Header-only: CMake globs only `*_test.cpp` into the `integration_tests` binary.
 * Man pages: none of its own; runtime-spec bundle.md, config.md, runtime.md.
 * Lab: labs/03-namespaces (the same steps, by hand).
 */
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/test_env.hpp"

namespace minirun::testing {

/// Docker's default capabilities, as `minirun-oci spec` writes them.
inline std::vector<std::string> default_capabilities() {
  return {"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",           "CAP_MKNOD",
          "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID", "CAP_SETFCAP",          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};
}

/// Sets bounding, effective and permitted to `caps` (inheritable and ambient stay empty).
inline void set_capabilities(nlohmann::json& config, const std::vector<std::string>& caps) {
  for (const char* set : {"bounding", "effective", "permitted"}) config["process"]["capabilities"][set] = caps;
}

/// The default capabilities plus `extra`, in every set.
inline void add_capability(nlohmann::json& config, const std::string& extra) {
  auto caps = default_capabilities();
  caps.push_back(extra);
  set_capabilities(config, caps);
}

/// The default capabilities without `missing`, in every set.
inline void drop_capability(nlohmann::json& config, const std::string& missing) {
  std::vector<std::string> caps;
  for (const auto& c : default_capabilities())
    if (c != missing) caps.push_back(c);
  set_capabilities(config, caps);
}

/// Removes the namespace of `type` from linux.namespaces.
inline void remove_namespace(nlohmann::json& config, const std::string& type) {
  auto& namespaces = config["linux"]["namespaces"];
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& ns : namespaces)
    if (ns.value("type", "") != type) kept.push_back(ns);
  namespaces = kept;
}

/// The whole text of a file, or "" when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// True when `path` exists (without following a final symlink).
inline bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

/// True while `pid` runs: it exists and is not a zombie (proc(5): state in /proc/PID/stat).
/// A zombie is dead; who reaps it is the host init's business, not the runtime's.
inline bool process_running(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  char state = stat[close + 2];
  return state != 'Z' && state != 'X';
}

/// Lines of `text`, without their newlines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Every cgroup directory under /sys/fs/cgroup named `name` (cgroups(7): one per hierarchy).
inline std::vector<std::string> cgroup_dirs_named(const std::string& name) {
  auto found = run_command({"find", "/sys/fs/cgroup", "-maxdepth", "6", "-type", "d", "-name", name}, "", 30);
  return lines_of(found.out);
}

/// Lines of the test's own /proc/self/mountinfo that mention `text`.
inline std::vector<std::string> mounts_mentioning(const std::string& text) {
  std::vector<std::string> hits;
  for (const auto& line : lines_of(read_text("/proc/self/mountinfo")))
    if (line.find(text) != std::string::npos) hits.push_back(line);
  return hits;
}

/// Base of every e2e test suite: `class OciPivotRoot : public OciFixture {};`.
class OciFixture : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& id : ids_) (void)oci({"delete", "--force", id});
  }

  const std::string& scratch() const { return scratch_.path(); }
  std::string state_root() const { return scratch() + "/state"; }
  /// The runtime binary the commands run (a test may point this at a copy).
  std::string& runtime_binary() { return runtime_binary_; }

  /// A fresh container id, unique to this test and run, deleted in TearDown().
  std::string new_id() {
    std::string id = std::string("t-") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                     std::to_string(::getpid());
    if (!ids_.empty()) id += "-" + std::to_string(ids_.size());
    ids_.push_back(id);
    return id;
  }

  /// A new bundle directory: rootfs copied from the busybox rootfs, `minirun-oci spec`,
  /// then `edit` applied to config.json. Returns the bundle's path ("" on failure, with
  /// a failed assertion recorded).
  std::string make_bundle(const std::function<void(nlohmann::json&)>& edit = {}) {
    std::string rootfs_source = busybox_rootfs();
    if (rootfs_source.empty()) {
      ADD_FAILURE() << "no busybox rootfs (scripts/make-busybox-rootfs.sh failed)";
      return "";
    }
    std::string bundle = scratch() + "/bundle-" + std::to_string(bundles_++);
    if (::mkdir(bundle.c_str(), 0755) < 0) {
      ADD_FAILURE() << "mkdir " << bundle;
      return "";
    }
    auto copy = run_command({"cp", "-a", rootfs_source, bundle + "/rootfs"});
    if (copy.exit_code != 0) {
      ADD_FAILURE() << "cp -a rootfs: " << copy.err;
      return "";
    }
    auto spec = oci({"spec", "--bundle", bundle});
    if (spec.exit_code != 0) {
      ADD_FAILURE() << "minirun-oci spec: " << spec.err;
      return "";
    }
    if (edit) {
      auto config = nlohmann::json::parse(read_text(bundle + "/config.json"));
      edit(config);
      std::ofstream(bundle + "/config.json", std::ios::trunc) << config.dump(2) << "\n";
    }
    return bundle;
  }

  /// A bundle whose init is `sh -c script`, plus further edits.
  std::string make_script_bundle(const std::string& script, const std::function<void(nlohmann::json&)>& edit = {}) {
    return make_bundle([&](nlohmann::json& config) {
      config["process"]["args"] = {"sh", "-c", script};
      if (edit) edit(config);
    });
  }

  /// `minirun-oci --root <scratch>/state ARGS...`, waiting for it and capturing output.
  CommandResult oci(const std::vector<std::string>& args, int timeout_seconds = 30) {
    std::vector<std::string> argv = {runtime_binary_, "--root", state_root()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, "", timeout_seconds);
  }

  /// Like oci(), for commands that leave processes behind: stdin is /dev/null, stdout and
  /// stderr are files in the scratch directory, read back when the command has exited.
  CommandResult oci_to_files(const std::vector<std::string>& args, int timeout_seconds = 30) {
    std::string base = scratch() + "/output-" + std::to_string(outputs_++);
    std::vector<std::string> argv = {runtime_binary_, "--root", state_root()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult result;
    pid_t pid = ::fork();
    if (pid == 0) {
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || out < 0 || err < 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> c_args;
      for (const auto& a : argv) c_args.push_back(const_cast<char*>(a.c_str()));
      c_args.push_back(nullptr);
      ::execv(c_args[0], c_args.data());
      ::_exit(127);
    }
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = read_text(base + ".out");
    result.err = read_text(base + ".err");
    return result;
  }

  /// Runs `sh -c script` as a container's init in the foreground (`run`): its exit code
  /// and output. The container is gone afterwards (`run` deletes it).
  CommandResult run_script(const std::string& script, const std::function<void(nlohmann::json&)>& edit = {},
                           int timeout_seconds = 30) {
    std::string bundle = make_script_bundle(script, edit);
    if (bundle.empty()) return {};
    return oci({"run", "--bundle", bundle, new_id()}, timeout_seconds);
  }

  /// Creates and starts a container whose init is `sh -c script`; returns its id ("" on failure).
  std::string start_detached(const std::string& script, const std::function<void(nlohmann::json&)>& edit = {}) {
    std::string bundle = make_script_bundle(script, edit);
    if (bundle.empty()) return "";
    return start_detached_bundle(bundle);
  }

  /// `run --detach` of an existing bundle; returns the id ("" on failure).
  std::string start_detached_bundle(const std::string& bundle) {
    std::string id = new_id();
    auto r = oci_to_files({"run", "--detach", "--bundle", bundle, id});
    if (r.exit_code != 0) {
      ADD_FAILURE() << "run --detach " << id << " exited " << r.exit_code << ": " << r.err;
      return "";
    }
    return id;
  }

  /// The OCI state of `id` (null when `state` fails).
  nlohmann::json state(const std::string& id) {
    auto r = oci({"state", id});
    if (r.exit_code != 0) return nullptr;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  /// The state's status ("" when `state` fails).
  std::string status(const std::string& id) {
    auto s = state(id);
    return s.is_object() ? s.value("status", "") : "";
  }

  /// Polls `state` until the status is `wanted` or `timeout_ms` passed; returns the last status.
  std::string wait_for_status(const std::string& id, const std::string& wanted, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string now = status(id);
    while (now != wanted && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      now = status(id);
    }
    return now;
  }

  /// Host pids in the container's cgroup (`ps --format json`).
  std::vector<pid_t> container_pids(const std::string& id) {
    auto r = oci({"ps", "--format", "json", id});
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (r.exit_code != 0 || !j.is_array()) return {};
    return j.get<std::vector<pid_t>>();
  }

 private:
  ScratchDir scratch_;
  std::string runtime_binary_ = minirun_oci_binary();
  std::vector<std::string> ids_;
  int bundles_ = 0;
  int outputs_ = 0;
};

}  // namespace minirun::testing
