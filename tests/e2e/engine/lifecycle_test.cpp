/**
 * @file lifecycle_test.cpp
 * @brief `minirun` end to end: the life of a container as `docker` users know it, one
 * property per test, each checked through the command line and (where it matters) on
 * the host.
 *
 * The order follows a container's life: run (attached, detached), logs, stop (the stop
 * signal, then SIGKILL after the timeout), start again, restart, kill, pause, wait,
 * inspect, exec, top, stats; then what a container is given: volumes, bind mounts,
 * tmpfs, a read-only root; then what the monitor does on its own: restart policies,
 * health checks, the OOM killer; then cp, names, volumes and prune.
 *
 * Every test is bounded in time: stops use `-t 1` or `--stop-timeout 1`, long-lived
 * containers are `sleep`s that TearDown removes with `rm -f`, and whatever the monitor
 * does asynchronously is polled with a deadline (eventually()), never waited for with a
 * fixed sleep that a slow machine would break.
 *
 * Reference: docker run, logs, stop, start, restart, kill, pause, wait, inspect, exec,
 * top, stats, cp, volume, system prune (docs.docker.com/reference/cli/docker/).
 * Lab: labs/01-image-and-container.
 */
#include <sys/stat.h>

#include <sstream>

#include "tests/e2e/engine/engine_fixture.hpp"

namespace minirun::testing {
namespace {

class EngineLifecycle : public EngineFixture {};

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// A container that exits 0 on SIGTERM, and one that ignores it (so only SIGKILL works).
// Both print "ready" once the trap is set: a SIGTERM that comes before finds pid 1 of a
// pid namespace with the default action, which for an init means ignored (see
// pid_namespaces(7)), and a test that stops the container at once would time out.
const char* kTrapsTerm = "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done";
const char* kIgnoresTerm = "trap '' TERM; echo ready; while true; do sleep 0.1; done";

int64_t elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
}

TEST_F(EngineLifecycle, ROOT_EveryCommandInTheHelpAnswersItsOwnHelp) {
  // minirun builds only the parser of the command asked for (minirun.cpp,
  // command_groups()); every command `minirun --help` lists must still be found.
  MINIRUN_REQUIRE_ROOT();
  auto top = mr("--help");
  ASSERT_EQ(top.exit_code, 0) << top.err;
  const size_t listed = top.out.find("Subcommands:");
  ASSERT_NE(listed, std::string::npos) << top.out;
  std::istringstream lines(top.out.substr(listed));
  std::string line;
  std::getline(lines, line);
  int commands = 0;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    ++commands;
    auto help = mr(name, "--help");
    EXPECT_EQ(help.exit_code, 0) << name << ": " << help.err;
    EXPECT_NE(help.out.find(" " + name + " [OPTIONS]"), std::string::npos) << name << ": " << help.out;
  }
  EXPECT_GE(commands, 20) << top.out;
  // A global option before the command, in both spellings, is skipped to find it.
  auto spelled = run_command({MINIRUN_BINARY, "--data-root=" + data_root(), "--image-root", image_root(), "ps", "-a"},
                             {}, 30);
  EXPECT_EQ(spelled.exit_code, 0) << spelled.err;
  EXPECT_NE(spelled.out.find("CONTAINER ID"), std::string::npos) << spelled.out;
}

TEST_F(EngineLifecycle, ROOT_RunRmPrintsOutputAndLeavesNoContainer) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "--rm", "busybox", "echo", "hi");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_EQ(mr("ps", "-a", "-q").out, "");
  EXPECT_TRUE(directory_entries(data_root() + "/containers").empty());
}

TEST_F(EngineLifecycle, ROOT_RunRmReleasesTheImageHoldAttachedOrDetached) {
  // The monitor removes a --rm container itself (container_removal.cpp), hold and all:
  // while it runs `holds/<image>/container:<id>` exists, afterwards it is gone.
  MINIRUN_REQUIRE_ROOT();
  auto hold_files = [&] {
    size_t n = 0;
    for (const auto& image : directory_entries(image_root() + "/holds"))
      n += directory_entries(image_root() + "/holds/" + image).size();
    return n;
  };
  auto attached = mr("run", "--rm", "busybox", "true");
  EXPECT_EQ(attached.exit_code, 0) << attached.err;
  EXPECT_EQ(hold_files(), 0u) << "attached --rm left a hold";
  auto detached = mr("run", "-d", "--rm", "busybox", "sleep", "0.5");
  ASSERT_EQ(detached.exit_code, 0) << detached.err;
  EXPECT_EQ(hold_files(), 1u) << "a running container holds its image";
  for (int i = 0; i < 100 && !directory_entries(data_root() + "/containers").empty(); ++i) ::usleep(50'000);
  EXPECT_TRUE(directory_entries(data_root() + "/containers").empty());
  EXPECT_EQ(hold_files(), 0u) << "detached --rm left a hold";
}

TEST_F(EngineLifecycle, ROOT_RmForceOfARunningRmContainerSucceeds) {
  // Two removers for one container: `rm -f`, and the --rm container's own monitor once
  // the kill ends its program. Docker's `rm -f` succeeds here; so must ours, and the
  // container must be gone when it returns (the fixture checks that nothing is left).
  MINIRUN_REQUIRE_ROOT();
  for (int i = 0; i < 3; ++i) {
    const std::string name = "rm-race-" + std::to_string(i);
    ASSERT_FALSE(run_detached({"--rm", "--name", name, "busybox", "sleep", "60"}).empty());
    auto r = mr("rm", "-f", name);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, name + "\n");
    EXPECT_EQ(mr("ps", "-a", "-q").out, "");
  }
}

TEST_F(EngineLifecycle, ROOT_OnlyARemovedContainersRootIsVolatile) {
  // --rm: the upper dir goes with the container, so its overlay is mounted `volatile`
  // (no sync of the host's disk at the unmount); a kept container's is not.
  MINIRUN_REQUIRE_ROOT();
  auto gone = mr("run", "--rm", "busybox", "grep", "^overlay / ", "/proc/mounts");
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_TRUE(contains(gone.out, "volatile")) << gone.out;  // shown as `fsync=volatile` since 6.x
  auto kept = mr("run", "busybox", "grep", "^overlay / ", "/proc/mounts");
  EXPECT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_FALSE(contains(kept.out, "volatile")) << kept.out;
  EXPECT_TRUE(contains(kept.out, "upperdir=")) << kept.out;
}

TEST_F(EngineLifecycle, ROOT_RunExitsWithTheContainersCode) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "busybox", "sh", "-c", "exit 3");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  auto ps = mr("ps", "-a");
  EXPECT_TRUE(contains(ps.out, "Exited (3)")) << ps.out;
}

TEST_F(EngineLifecycle, ROOT_DetachedRunPrintsItsIdAndPsListsItByName) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "-d", "--name", "web", "busybox", "sleep", "60");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size(), 65u) << "64 hex digits and a newline: " << r.out;
  EXPECT_EQ(hex_ids_in(r.out).size(), 1u) << r.out;
  auto ps = mr("ps");
  EXPECT_TRUE(contains(ps.out, "web")) << ps.out;
  EXPECT_TRUE(contains(ps.out, r.out.substr(0, 12))) << "ps shows the short id\n" << ps.out;
  EXPECT_TRUE(contains(ps.out, "Up ")) << ps.out;
}

TEST_F(EngineLifecycle, ROOT_LogsKeepStdoutAndStderrApart) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", "echo to-stdout; echo to-stderr >&2"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(mr("wait", id).out, "0\n");
  auto logs = mr("logs", id);
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "to-stdout\n");
  EXPECT_EQ(logs.err, "to-stderr\n");
}

TEST_F(EngineLifecycle, ROOT_LogsTailShowsOnlyTheLastLines) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(mr("wait", id).out, "0\n");
  EXPECT_EQ(mr("logs", "--tail", "1", id).out, "line5\n");
  EXPECT_EQ(mr("logs", "-n", "2", id).out, "line4\nline5\n");
}

TEST_F(EngineLifecycle, ROOT_LogsTimestampsPrefixEveryLine) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", "echo one; echo two"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(mr("wait", id).out, "0\n");
  auto lines = lines_of(mr("logs", "-t", id).out);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) {
    // 2026-11-28T05:40:22.686884589Z one
    ASSERT_GT(line.size(), 21u) << line;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(line[0]))) << line;
    EXPECT_EQ(line[4], '-') << line;
    EXPECT_EQ(line[10], 'T') << line;
    EXPECT_TRUE(contains(line, "Z ")) << line;
  }
  EXPECT_EQ(lines[0].substr(lines[0].find("Z ") + 2), "one");
  EXPECT_EQ(lines[1].substr(lines[1].find("Z ") + 2), "two");
}

TEST_F(EngineLifecycle, ROOT_StopEndsATermTrappingContainerQuickly) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", kTrapsTerm});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return mr("logs", id).out == "ready\n"; }));
  auto started = Clock::now();
  auto r = mr("stop", id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(elapsed_ms(started), 3000) << "SIGTERM ended it; the 10 s timeout must not run out";
  auto state = state_of(id);
  EXPECT_EQ(state["Status"], "exited");
  EXPECT_EQ(state["ExitCode"], 0);
}

TEST_F(EngineLifecycle, ROOT_StopKillsAfterTheTimeoutOfStopT) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", kIgnoresTerm});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return mr("logs", id).out == "ready\n"; }));
  auto started = Clock::now();
  auto r = mr("stop", "-t", "1", id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(elapsed_ms(started), 900) << "SIGKILL only after the 1 s grace period";
  EXPECT_LT(elapsed_ms(started), 5000);
  EXPECT_EQ(state_of(id)["ExitCode"], 137);
}

TEST_F(EngineLifecycle, ROOT_StopKillsAfterTheStopTimeoutOfRun) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--stop-timeout", "1", "busybox", "sh", "-c", kIgnoresTerm});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return mr("logs", id).out == "ready\n"; }));
  auto started = Clock::now();
  auto r = mr("stop", id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(elapsed_ms(started), 900);
  EXPECT_LT(elapsed_ms(started), 5000) << "the container's own --stop-timeout, not Docker's 10 s";
  EXPECT_EQ(state_of(id)["ExitCode"], 137);
}

TEST_F(EngineLifecycle, ROOT_StartRunsAnExitedContainerAgainOnItsWritableLayer) {
  MINIRUN_REQUIRE_ROOT();
  // Each run appends a line to /f: the count shows the layer survived the exit.
  auto first = mr("run", "--name", "again", "busybox", "sh", "-c", "echo x >> /f; echo runs=$(wc -l < /f)");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "runs=1\n");
  auto start = mr("start", "again");
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(mr("wait", "again").out, "0\n");
  EXPECT_EQ(mr("logs", "again").out, "runs=1\nruns=2\n") << "logs accumulate across starts";
}

TEST_F(EngineLifecycle, ROOT_RestartRunsTheProcessAnew) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", kTrapsTerm});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return mr("logs", id).out == "ready\n"; }));
  int first_pid = state_of(id).value("Pid", 0);
  auto r = mr("restart", "-t", "1", id);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return mr("logs", id).out == "ready\nready\n"; })) << mr("logs", id).out;
  auto state = state_of(id);
  EXPECT_EQ(state["Status"], "running");
  EXPECT_NE(state.value("Pid", 0), first_pid);
}

TEST_F(EngineLifecycle, ROOT_KillSendsTheChosenSignal) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached(
      {"busybox", "sh", "-c", "trap 'echo got-usr1' USR1; echo ready; while true; do sleep 0.1; done"});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return contains(mr("logs", id).out, "ready"); }));
  auto r = mr("kill", "-s", "USR1", id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return contains(mr("logs", id).out, "got-usr1"); }));
  EXPECT_EQ(status_of(id), "running") << "USR1 is trapped: the container lives on";
}

TEST_F(EngineLifecycle, ROOT_PausedContainerIsFrozenUntilUnpaused) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done"});
  ASSERT_FALSE(id.empty());
  auto log_lines = [&] { return lines_of(mr("logs", id).out).size(); };
  ASSERT_TRUE(eventually([&] { return log_lines() > 2; }));
  ASSERT_EQ(mr("pause", id).exit_code, 0);
  EXPECT_EQ(status_of(id), "paused");
  EXPECT_TRUE(contains(mr("ps").out, "(Paused)")) << mr("ps").out;
  sleep_ms(200);  // output written just before the freeze may still be on its way to the log
  size_t frozen = log_lines();
  sleep_ms(500);
  EXPECT_EQ(log_lines(), frozen) << "a frozen counter does not advance";
  ASSERT_EQ(mr("unpause", id).exit_code, 0);
  EXPECT_EQ(status_of(id), "running");
  EXPECT_TRUE(eventually([&] { return log_lines() > frozen + 2; }, milliseconds(3000)));
}

TEST_F(EngineLifecycle, ROOT_WaitPrintsTheExitCode) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", "sleep 0.3; exit 5"});
  ASSERT_FALSE(id.empty());
  auto r = mr("wait", id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "5\n");
}

TEST_F(EngineLifecycle, ROOT_InspectShowsStateConfigAndHostConfig) {
  MINIRUN_REQUIRE_ROOT();
  ASSERT_EQ(mr("run", "--name", "probe", "-m", "64m", "busybox", "sh", "-c", "exit 2").exit_code, 2);
  auto info = inspect("probe");
  ASSERT_TRUE(info.is_object());
  EXPECT_EQ(info["State"]["Status"], "exited");
  EXPECT_EQ(info["State"]["ExitCode"], 2);
  EXPECT_EQ(info["State"]["OOMKilled"], false);
  EXPECT_EQ(info["Config"]["Cmd"], nlohmann::json({"sh", "-c", "exit 2"}));
  EXPECT_EQ(info["HostConfig"]["Memory"], 64 * 1024 * 1024);
  EXPECT_EQ(hex_ids_in(info.value("Id", "")).size(), 1u);
}

TEST_F(EngineLifecycle, ROOT_ExecSeesTheContainersHostname) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"-h", "inside-host", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto r = mr("exec", id, "hostname");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "inside-host\n");
}

TEST_F(EngineLifecycle, ROOT_ExecAppliesEnvUserAndWorkdir) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(mr("exec", "-e", "GREETING=bonjour", id, "sh", "-c", "echo $GREETING").out, "bonjour\n");
  EXPECT_EQ(mr("exec", "-u", "nobody", id, "id", "-u").out, "65534\n");
  EXPECT_EQ(mr("exec", "-w", "/tmp", id, "pwd").out, "/tmp\n");
}

TEST_F(EngineLifecycle, ROOT_ExecExitsWithTheCommandsCode) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(mr("exec", id, "sh", "-c", "exit 7").exit_code, 7);
  EXPECT_EQ(status_of(id), "running") << "an exec's exit is not the container's";
}

TEST_F(EngineLifecycle, ROOT_TopListsTheContainersProcess) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  int pid = state_of(id).value("Pid", 0);
  ASSERT_GT(pid, 0);
  auto r = mr("top", id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "PID")) << r.out;
  EXPECT_TRUE(contains(r.out, " " + std::to_string(pid) + " ")) << r.out;
  EXPECT_TRUE(contains(r.out, "sleep 60")) << r.out;
}

TEST_F(EngineLifecycle, ROOT_StatsReportMemoryUsageAgainstTheLimit) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--name", "measured", "-m", "64m", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto r = mr("stats", "--no-stream", "--format", "json", "measured");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto row = nlohmann::json::parse(lines_of(r.out).at(0), nullptr, false);
  ASSERT_TRUE(row.is_object()) << r.out;
  EXPECT_EQ(row.value("Name", ""), "measured");
  std::string usage = row.value("MemUsage", "");
  EXPECT_TRUE(contains(usage, " / 64MiB")) << usage;
}

TEST_F(EngineLifecycle, ROOT_NamedVolumeOutlivesItsContainer) {
  MINIRUN_REQUIRE_ROOT();
  ASSERT_EQ(mr("run", "--rm", "-v", "keep:/data", "busybox", "sh", "-c", "echo kept > /data/f").exit_code, 0);
  auto r = mr("run", "--rm", "-v", "keep:/data", "busybox", "cat", "/data/f");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "kept\n");
}

TEST_F(EngineLifecycle, ROOT_BindMountSharesAHostDirectory) {
  MINIRUN_REQUIRE_ROOT();
  std::string dir = host_dir() + "/shared";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  std::ofstream(dir + "/from-host") << "host\n";
  auto r = mr("run", "--rm", "-v", dir + ":/x", "busybox", "sh", "-c", "cat /x/from-host; echo box > /x/from-box");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "host\n");
  EXPECT_EQ(slurp(dir + "/from-box"), "box\n");
}

TEST_F(EngineLifecycle, ROOT_ReadOnlyBindMountRefusesWrites) {
  MINIRUN_REQUIRE_ROOT();
  std::string dir = host_dir() + "/shared";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  auto r = mr("run", "--rm", "-v", dir + ":/x:ro", "busybox", "sh", "-c", "echo no > /x/f");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "Read-only file system")) << r.err;
  EXPECT_NE(::access((dir + "/f").c_str(), F_OK), 0);
}

TEST_F(EngineLifecycle, ROOT_TmpfsFlagMountsATmpfs) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "--rm", "--tmpfs", "/run", "busybox", "sh", "-c", "grep ' /run ' /proc/mounts");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("tmpfs /run tmpfs ", 0), 0u) << r.out;
}

TEST_F(EngineLifecycle, ROOT_ReadOnlyRootRefusesWritesButItsTmpfsWorks) {
  MINIRUN_REQUIRE_ROOT();
  auto root = mr("run", "--rm", "--read-only", "busybox", "touch", "/x");
  EXPECT_NE(root.exit_code, 0);
  EXPECT_TRUE(contains(root.err, "Read-only file system")) << root.err;
  auto tmp = mr("run", "--rm", "--read-only", "--tmpfs", "/tmp", "busybox", "sh", "-c", "touch /tmp/x && echo ok");
  EXPECT_EQ(tmp.exit_code, 0) << tmp.err;
  EXPECT_EQ(tmp.out, "ok\n");
}

TEST_F(EngineLifecycle, ROOT_OnFailureRestartGivesUpAfterMaxRetries) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1"});
  ASSERT_FALSE(id.empty());
  auto finished = [&] {
    auto info = inspect(id);
    return info.is_object() && info["State"]["Status"] == "exited" && info.value("RestartCount", -1) == 2;
  };
  EXPECT_TRUE(eventually(finished)) << inspect(id).dump(1);
  sleep_ms(500);
  auto info = inspect(id);
  EXPECT_EQ(info.value("RestartCount", -1), 2) << "no third restart";
  EXPECT_EQ(info["State"]["Status"], "exited");
  EXPECT_EQ(info["State"]["ExitCode"], 1);
}

TEST_F(EngineLifecycle, ROOT_RestartAlwaysRestartsUntilStopped) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--restart", "always", "busybox", "sh", "-c", "echo tick; sleep 0.1"});
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(eventually([&] { return inspect(id).value("RestartCount", 0) >= 2; })) << inspect(id).dump(1);
  auto r = mr("stop", "-t", "1", id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  int count = inspect(id).value("RestartCount", 0);
  sleep_ms(800);
  auto info = inspect(id);
  EXPECT_EQ(info["State"]["Status"], "exited") << "stop ends it for good";
  EXPECT_EQ(info.value("RestartCount", 0), count);
}

TEST_F(EngineLifecycle, ROOT_PassingHealthcheckMakesTheContainerHealthy) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto health = [&] { return state_of(id).value("/Health/Status"_json_pointer, std::string()); };
  EXPECT_TRUE(eventually([&] { return health() == "healthy"; }, milliseconds(5000))) << state_of(id).dump(1);
  EXPECT_TRUE(contains(mr("ps").out, "(healthy)")) << mr("ps").out;
}

TEST_F(EngineLifecycle, ROOT_FailingHealthcheckMakesTheContainerUnhealthy) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached(
      {"--health-cmd", "false", "--health-retries", "2", "--health-interval", "200ms", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto health = [&] { return state_of(id).value("/Health/Status"_json_pointer, std::string()); };
  EXPECT_TRUE(eventually([&] { return health() == "unhealthy"; }, milliseconds(5000))) << state_of(id).dump(1);
  EXPECT_GE(state_of(id).value("/Health/FailingStreak"_json_pointer, 0), 2);
}

TEST_F(EngineLifecycle, ROOT_MemoryHogIsOomKilled) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "--name", "hog", "-m", "8m", "busybox", "tail", "/dev/zero");
  EXPECT_EQ(r.exit_code, 137) << r.err;
  auto state = state_of("hog");
  EXPECT_EQ(state["OOMKilled"], true) << state.dump(1);
  EXPECT_EQ(state["ExitCode"], 137);
}

TEST_F(EngineLifecycle, ROOT_CpCopiesIntoAndOutOfARunningContainer) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", "echo made-inside > /inside.txt; sleep 60"});
  ASSERT_FALSE(id.empty());
  std::ofstream(host_dir() + "/in.txt") << "from-host\n";
  ASSERT_TRUE(eventually([&] { return mr("exec", id, "cat", "/inside.txt").out == "made-inside\n"; }));
  auto in = mr("cp", host_dir() + "/in.txt", id + ":/in.txt");
  EXPECT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(mr("exec", id, "cat", "/in.txt").out, "from-host\n");
  auto out = mr("cp", id + ":/inside.txt", host_dir() + "/out.txt");
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(slurp(host_dir() + "/out.txt"), "made-inside\n");
}

TEST_F(EngineLifecycle, ROOT_CpCopiesIntoAndOutOfAStoppedContainer) {
  MINIRUN_REQUIRE_ROOT();
  // Prints /in.txt when it is there, so the second start shows what cp put in.
  auto first = mr("run", "--name", "parked", "busybox", "sh", "-c",
                  "cat /in.txt 2>/dev/null; echo made-inside > /inside.txt");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "");
  std::ofstream(host_dir() + "/in.txt") << "from-host\n";
  auto in = mr("cp", host_dir() + "/in.txt", "parked:/in.txt");
  EXPECT_EQ(in.exit_code, 0) << in.err;
  auto out = mr("cp", "parked:/inside.txt", host_dir() + "/out.txt");
  EXPECT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(slurp(host_dir() + "/out.txt"), "made-inside\n");
  auto again = mr("start", "-a", "parked");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "from-host\n") << "the copied file is in the container's layer";
}

TEST_F(EngineLifecycle, ROOT_TakenNameFailsTheSecondRunAndSparesTheFirst) {
  MINIRUN_REQUIRE_ROOT();
  std::string first = run_detached({"--name", "taken", "busybox", "sleep", "60"});
  ASSERT_FALSE(first.empty());
  auto second = mr("run", "-d", "--name", "taken", "busybox", "sleep", "60");
  EXPECT_EQ(second.exit_code, 125);
  EXPECT_TRUE(contains(second.err, "\"taken\"")) << second.err;
  EXPECT_EQ(directory_entries(data_root() + "/containers").size(), 1u);
  auto info = inspect("taken");
  EXPECT_EQ(info.value("Id", ""), first);
  EXPECT_EQ(info["State"]["Status"], "running");
}

TEST_F(EngineLifecycle, ROOT_VolumeCreateListInspectRemove) {
  MINIRUN_REQUIRE_ROOT();
  auto created = mr("volume", "create", "mine");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "mine\n");
  EXPECT_TRUE(contains(mr("volume", "ls").out, "mine"));
  auto listed = nlohmann::json::parse(mr("volume", "inspect", "mine").out, nullptr, false);
  ASSERT_TRUE(listed.is_array() && listed.size() == 1u);
  EXPECT_EQ(listed[0]["Name"], "mine");
  EXPECT_EQ(listed[0]["Driver"], "local");
  std::string mountpoint = listed[0].value("Mountpoint", "");
  EXPECT_EQ(mountpoint.rfind(data_root(), 0), 0u) << mountpoint;
  EXPECT_EQ(mr("volume", "rm", "mine").exit_code, 0);
  EXPECT_FALSE(contains(mr("volume", "ls").out, "mine"));
  EXPECT_NE(::access(mountpoint.c_str(), F_OK), 0);
  auto again = mr("volume", "rm", "mine");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_TRUE(contains(again.err, "mine")) << again.err;
}

TEST_F(EngineLifecycle, ROOT_VolumeInUseCannotBeRemoved) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--name", "user", "-v", "busy:/data", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto r = mr("volume", "rm", "busy");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "user")) << "names the container using it: " << r.err;
  EXPECT_TRUE(contains(mr("volume", "ls").out, "busy"));
  ASSERT_EQ(mr("rm", "-f", "user").exit_code, 0);
  EXPECT_EQ(mr("volume", "rm", "busy").exit_code, 0) << "free once its container is gone";
}

TEST_F(EngineLifecycle, ROOT_SystemPruneRemovesOnlyStoppedContainers) {
  MINIRUN_REQUIRE_ROOT();
  std::string running = run_detached({"--name", "alive", "busybox", "sleep", "60"});
  ASSERT_FALSE(running.empty());
  ASSERT_EQ(mr("run", "--name", "done", "busybox", "true").exit_code, 0);
  auto r = mr("system", "prune", "-f");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto all = mr("ps", "-a", "-q", "--no-trunc").out;
  EXPECT_EQ(all, running + "\n");
  EXPECT_EQ(status_of("alive"), "running");
  EXPECT_NE(mr("inspect", "done").exit_code, 0);
}

}  // namespace
}  // namespace minirun::testing
