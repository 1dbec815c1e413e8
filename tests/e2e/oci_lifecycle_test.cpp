/**
 * @file oci_lifecycle_test.cpp
 * @brief The OCI lifecycle through the command line, as an engine drives it:
 * create, start, state, kill, delete, list, run, exec, ps, pause, resume, --explain.
 *
 * runtime-spec runtime.md defines the states (`created`, `running`, `stopped`, plus
 * runc's `paused`) and what each operation must do to them. Each test follows one path
 * through that state machine and checks what `state` says at every step *and* what is
 * true on the host: the init's /proc entry, its cgroup directories, the state directory.
 * `delete` is held to the strictest standard: after it, nothing the container had
 * (process, cgroup directories, mounts, state) may remain.
 *
 * `exec` must put the new process in *every* namespace of the container: the test
 * checks the pid namespace with the process's own view of its pid (`echo $$`,
 * `readlink /proc/self`): a process outside the namespace would see its host pid in the
 * first and nothing in the second, since the container's /proc cannot show it.
 *
 * `pause` uses the cgroup freezer: the test watches a counter the container writes
 * every 50 ms stop and go again.
 *
 * Lab: labs/03-namespaces.
 */
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <future>
#include <thread>

#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciLifecycle : public OciFixture {};
class OciDelete : public OciFixture {};
class OciRun : public OciFixture {};
class OciExec : public OciFixture {};
class OciPause : public OciFixture {};
class OciExplain : public OciFixture {};

/// Ids that `list --format json` shows.
std::vector<std::string> listed_ids(const CommandResult& list) {
  std::vector<std::string> ids;
  auto j = nlohmann::json::parse(list.out, nullptr, false);
  if (!j.is_array()) return ids;
  for (const auto& row : j) ids.push_back(row.value("id", ""));
  return ids;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// The container init's cgroup directories on the host, from /proc/PID/cgroup
/// (cgroups(7)), only those named after the container (`name=systemd` and the v2 line
/// of a hybrid host stay where the runtime found them).
std::vector<std::string> own_cgroup_dirs(pid_t pid, const std::string& id) {
  std::vector<std::string> dirs;
  for (const auto& line : lines_of(read_text("/proc/" + std::to_string(pid) + "/cgroup"))) {
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (path.find(id) == std::string::npos) continue;
    std::string mount = controllers.empty() ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + controllers;
    if (controllers.empty() && exists("/sys/fs/cgroup/unified/cgroup.procs")) mount = "/sys/fs/cgroup/unified";
    dirs.push_back(mount + path);
  }
  return dirs;
}

TEST_F(OciLifecycle, ROOT_CreateStartKillDelete) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle = make_script_bundle("exec sleep 30");
  std::string id = new_id();
  auto create = oci_to_files({"create", "--bundle", bundle, id});
  ASSERT_EQ(create.exit_code, 0) << create.err;

  auto created = state(id);
  ASSERT_TRUE(created.is_object());
  EXPECT_EQ(created["status"], "created");
  pid_t pid = created.value("pid", 0);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(exists("/proc/" + std::to_string(pid)));
  EXPECT_EQ(created["id"], id);

  auto start = oci({"start", id});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(wait_for_status(id, "running", 2000), "running");
  EXPECT_EQ(state(id).value("pid", 0), pid);

  auto kill = oci({"kill", id, "KILL"});
  ASSERT_EQ(kill.exit_code, 0) << kill.err;
  EXPECT_EQ(wait_for_status(id, "stopped", 5000), "stopped");

  auto del = oci({"delete", id});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  auto gone = oci({"state", id});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;

  auto list = oci({"list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_FALSE(contains(listed_ids(list), id)) << list.out;
}

TEST_F(OciLifecycle, ROOT_ListShowsLiveContainers) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = start_detached("exec sleep 30");
  ASSERT_FALSE(id.empty());
  auto list = oci({"list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(listed_ids(list), std::vector<std::string>{id}) << list.out;
}

TEST_F(OciDelete, ROOT_ForceDeleteLeavesNothingBehind) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle = make_script_bundle("exec sleep 30");
  std::string id = new_id();
  ASSERT_EQ(oci_to_files({"create", "--bundle", bundle, id}).exit_code, 0);
  ASSERT_EQ(oci({"start", id}).exit_code, 0);
  ASSERT_EQ(wait_for_status(id, "running", 2000), "running");
  pid_t pid = state(id).value("pid", 0);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(process_running(pid));

  auto cgroups = own_cgroup_dirs(pid, id);
  ASSERT_FALSE(cgroups.empty()) << read_text("/proc/" + std::to_string(pid) + "/cgroup");
  for (const auto& dir : cgroups) EXPECT_TRUE(exists(dir)) << dir;
  ASSERT_TRUE(exists(state_root() + "/" + id));
  // The rootfs is mounted in the container's mount namespace (and only there).
  EXPECT_NE(read_text("/proc/" + std::to_string(pid) + "/mountinfo").find(bundle + "/rootfs"), std::string::npos);

  auto del = oci({"delete", "--force", id});
  ASSERT_EQ(del.exit_code, 0) << del.err;

  for (const auto& dir : cgroups) EXPECT_FALSE(exists(dir)) << "cgroup left behind: " << dir;
  EXPECT_TRUE(cgroup_dirs_named(id).empty());
  EXPECT_TRUE(mounts_mentioning(bundle).empty()) << "mount left behind in the host's namespace";
  EXPECT_FALSE(exists(state_root() + "/" + id)) << "state directory left behind";
  EXPECT_FALSE(process_running(pid)) << "the init survived delete --force";
  // The directory was renamed out of the way and is deleted by a child of `delete` that
  // nobody waits for (RuntimeOptions::defer_state_removal): it goes within moments.
  const std::string retired = state_root() + "/.removed-" + id;
  for (int i = 0; i < 200 && exists(retired); ++i) ::usleep(10000);
  EXPECT_FALSE(exists(retired)) << "retired state directory left behind";
}

TEST_F(OciDelete, ROOT_DeleteRemovesWhatAnInterruptedCreateLeft) {
  MINIRUN_REQUIRE_ROOT();
  // A create killed between reserving its id (the mkdir of its state directory) and its
  // first save leaves a directory without state.json, and maybe the cgroup it had made.
  // That window is a few hundred microseconds, so the leftovers are made here by hand:
  // the directory, and the memory cgroup where the default placement puts it.
  const std::string id = new_id();
  ::mkdir(state_root().c_str(), 0711);
  ASSERT_EQ(::mkdir((state_root() + "/" + id).c_str(), 0711), 0);
  std::string parent;
  for (const auto& line : lines_of(read_text("/proc/self/cgroup"))) {
    const auto at = line.find(":memory:");
    if (at == std::string::npos) continue;
    const std::string own = line.substr(at + 8);
    parent = "/sys/fs/cgroup/memory" + (own == "/" ? std::string() : own) + "/minirun";
  }
  const bool cgroup_v1 = !parent.empty() && exists("/sys/fs/cgroup/memory/tasks");
  const bool parent_existed = cgroup_v1 && exists(parent);
  // Whatever delete leaves of them (if it fails) goes at the end, however the test ends.
  struct RemoveMadeCgroup {
    std::string leaf, parent;
    bool parent_made;
    ~RemoveMadeCgroup() {
      if (leaf.empty()) return;
      ::rmdir(leaf.c_str());
      if (parent_made) ::rmdir(parent.c_str());
    }
  } made{cgroup_v1 ? parent + "/" + id : "", parent, !parent_existed};
  if (cgroup_v1) {
    ::mkdir(parent.c_str(), 0755);
    ASSERT_EQ(::mkdir((parent + "/" + id).c_str(), 0755), 0) << parent;
  }
  auto taken = oci({"run", "--bundle", make_script_bundle("true"), id});
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_NE(taken.err.find("minirun-oci delete " + id), std::string::npos) << "says what to do: " << taken.err;
  // Younger than a second, it may be a create still at work: left alone.
  EXPECT_NE(oci({"delete", id}).exit_code, 0);
  EXPECT_TRUE(exists(state_root() + "/" + id));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto del = oci({"delete", id});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_FALSE(exists(state_root() + "/" + id)) << "state directory left behind";
  if (cgroup_v1) {
    EXPECT_FALSE(exists(parent + "/" + id)) << "cgroup left behind";
    if (!parent_existed) EXPECT_FALSE(exists(parent)) << "the shared parent outlived its last container";
  }
  auto again = oci({"run", "--bundle", make_script_bundle("true"), id});
  EXPECT_EQ(again.exit_code, 0) << "the id is free again: " << again.err;
}

TEST_F(OciDelete, ROOT_RunningContainerNeedsForce) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = start_detached("exec sleep 30");
  ASSERT_FALSE(id.empty());
  auto del = oci({"delete", id});
  EXPECT_NE(del.exit_code, 0);
  EXPECT_EQ(status(id), "running") << "delete without --force removed a running container";
}

TEST_F(OciRun, ROOT_ForegroundRunReturnsTheExitCode) {
  MINIRUN_REQUIRE_ROOT();
  auto three = run_script("exit 3");
  EXPECT_EQ(three.exit_code, 3) << three.err;
  auto zero = run_script("exit 0");
  EXPECT_EQ(zero.exit_code, 0) << zero.err;
}

TEST_F(OciRun, ROOT_ForegroundRunReturns128PlusSignal) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle = make_script_bundle("exec sleep 30");
  std::string id = new_id();
  auto run = std::async(std::launch::async, [&] { return oci({"run", "--bundle", bundle, id}, 20); });
  ASSERT_EQ(wait_for_status(id, "running", 5000), "running");
  auto kill = oci({"kill", id, "KILL"});
  EXPECT_EQ(kill.exit_code, 0) << kill.err;
  auto result = run.get();
  EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.err;
  // A foreground run deletes its container.
  EXPECT_NE(oci({"state", id}).exit_code, 0);
}

TEST_F(OciRun, ROOT_KilledDetachedContainerIsStopped) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = start_detached("exec sleep 30");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(status(id), "running");
  ASSERT_EQ(oci({"kill", id, "KILL"}).exit_code, 0);
  EXPECT_EQ(wait_for_status(id, "stopped", 5000), "stopped");
  EXPECT_EQ(state(id).value("pid", -1), 0);
}

TEST_F(OciExec, ROOT_ExecJoinsThePidNamespace) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = start_detached("exec sleep 30");
  ASSERT_FALSE(id.empty());
  auto init = oci({"exec", id, "cat", "/proc/1/cmdline"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(init.out, std::string("sleep\0" "30\0", 9));

  auto self = oci({"exec", id, "sh", "-c", "echo $$; readlink /proc/self"});
  ASSERT_EQ(self.exit_code, 0) << self.err;
  auto lines = lines_of(self.out);
  ASSERT_EQ(lines.size(), 2u) << self.out;
  EXPECT_EQ(lines[0], lines[1]) << "the process's pid is not the one the container's /proc shows";
  EXPECT_LT(std::stoi(lines[0]), 100) << "a host pid: exec did not enter the pid namespace";
}

TEST_F(OciExec, ROOT_ExecProcessIsListedByPs) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = start_detached("exec sleep 30");
  ASSERT_FALSE(id.empty());
  std::string pid_file = scratch() + "/exec.pid";
  auto exec = oci_to_files({"exec", "--detach", "--pid-file", pid_file, id, "sleep", "30"});
  ASSERT_EQ(exec.exit_code, 0) << exec.err;
  pid_t exec_pid = std::atoi(read_text(pid_file).c_str());
  ASSERT_GT(exec_pid, 0);
  pid_t init_pid = state(id).value("pid", 0);

  auto pids = container_pids(id);
  EXPECT_NE(std::find(pids.begin(), pids.end(), exec_pid), pids.end()) << "exec'd pid " << exec_pid;
  EXPECT_NE(std::find(pids.begin(), pids.end(), init_pid), pids.end()) << "init pid " << init_pid;
  EXPECT_EQ(pids.size(), 2u);
}

TEST_F(OciExec, ROOT_ExecPassesTheExitCodeThrough) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = start_detached("exec sleep 30");
  ASSERT_FALSE(id.empty());
  auto seven = oci({"exec", id, "sh", "-c", "exit 7"});
  EXPECT_EQ(seven.exit_code, 7) << seven.err;
  auto zero = oci({"exec", id, "true"});
  EXPECT_EQ(zero.exit_code, 0) << zero.err;
}

TEST_F(OciPause, ROOT_PauseFreezesAndResumeThaws) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle = make_script_bundle("i=0; while :; do i=$((i+1)); echo $i > /tmp/counter; usleep 50000; done",
                                          [](nlohmann::json& c) { c["root"]["readonly"] = false; });
  std::string id = start_detached_bundle(bundle);
  ASSERT_FALSE(id.empty());
  std::string counter = bundle + "/rootfs/tmp/counter";
  auto read_counter = [&] { return read_text(counter); };
  auto changes_within = [&](int ms) {
    std::string first = read_counter();
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return read_counter() != first;
  };
  // Counting shows within a few seconds even on a loaded machine (CI builds the docs
  // beside these tests); a frozen container never counts, however long we look.
  auto counts_within = [&](int ms) {
    std::string first = read_counter();
    for (int waited = 0; waited < ms; waited += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (read_counter() != first) return true;
    }
    return false;
  };
  ASSERT_TRUE(counts_within(5000)) << "the container is not counting";

  auto pause = oci({"pause", id});
  ASSERT_EQ(pause.exit_code, 0) << pause.err;
  EXPECT_EQ(status(id), "paused");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a write in progress lands
  EXPECT_FALSE(changes_within(500)) << "the container ran while paused";

  auto resume = oci({"resume", id});
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  EXPECT_EQ(status(id), "running");
  EXPECT_TRUE(counts_within(5000)) << "the container did not run again after resume";
}

TEST_F(OciExplain, ROOT_ExplainShowsPivotRootBeforeExecve) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle = make_script_bundle("true");
  auto r = oci({"--explain", "run", "--bundle", bundle, new_id()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // --explain is a global flag: it goes before the command, so oci() put --root first.
  size_t pivot = std::string::npos, exec = std::string::npos;
  auto lines = lines_of(r.err);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("pivot_root") != std::string::npos && pivot == std::string::npos) pivot = i;
    if (lines[i].find("execve") != std::string::npos) exec = i;
  }
  ASSERT_NE(pivot, std::string::npos) << r.err;
  ASSERT_NE(exec, std::string::npos) << r.err;
  EXPECT_LT(pivot, exec) << r.err;
}

// The command line: minirun-oci builds only the subcommand it is asked for, and must
// still answer like the whole parser (no root needed for any of these).
class OciCommandLine : public OciFixture {};

const char* const kOciSubcommands[] = {"spec",   "create", "run",  "start", "state", "kill",
                                       "delete", "list",   "ps",   "pause", "resume", "exec"};

TEST_F(OciCommandLine, HelpListsEverySubcommand) {
  auto r = run_command({runtime_binary(), "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : kOciSubcommands)
    EXPECT_NE(r.out.find(std::string("  ") + name + " "), std::string::npos) << name << " missing from\n" << r.out;
}

TEST_F(OciCommandLine, EverySubcommandAnswersItsOwnHelpAfterGlobalOptions) {
  for (const char* name : kOciSubcommands) {
    // Global options with values, in both spellings, before the subcommand.
    auto r = run_command({runtime_binary(), "--root", state_root(), "--log-format=json", "--debug", name, "--help"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find(std::string("Usage: ") + runtime_binary() + " " + name), std::string::npos)
        << name << ":\n" << r.out;
  }
}

TEST_F(OciCommandLine, UnknownSubcommandOrMissingIdIsAnErrorThatSaysWhat) {
  auto unknown = oci({"frobnicate"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_FALSE(unknown.err.empty());
  auto no_id = oci({"state"});
  EXPECT_NE(no_id.exit_code, 0);
  EXPECT_NE(no_id.err.find("id is required"), std::string::npos) << no_id.err;
  // A global option whose value is a subcommand's name is still the option's value (a
  // `list` that succeeds writes nothing to its --log file).
  auto logged = run_command({runtime_binary(), "--log", "run", "--root", state_root(), "list", "-q"});
  EXPECT_EQ(logged.exit_code, 0) << logged.err;
}

}  // namespace
}  // namespace minirun::testing
