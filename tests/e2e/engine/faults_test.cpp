/**
 * @file faults_test.cpp
 * @brief `minirun` when things die that should not: the monitor, the container's init,
 * the foreground client, and a removal racing the container's own exit.
 *
 * The kit has no daemon (engine.hpp): what Docker's daemon and containerd-shim hold in
 * memory is on disk, and each container has one monitor process. So the faults that
 * matter are the ones a daemon-less design invites:
 *
 *  - the monitor is killed (kill -9, the OOM killer): the container's init lives on in
 *    its own session, unsupervised. `ps` and `inspect` must not lie about it (the state
 *    file still says "running" with the dead monitor's pid): they report the monitor
 *    lost (container_state.hpp, observe()), and `rm -f` must still clean up everything
 *    the monitor would have: the init, the rootfs mount, the cgroups, the runtime state;
 *  - the monitor *and* the init are killed: the exit code died with the monitor, so the
 *    container is `dead`, and a plain `rm` (it is not running) removes it;
 *  - the client of a foreground `minirun run` is killed: the container belongs to its
 *    monitor, not to the client, so it keeps running and logging (as with `docker run`
 *    when the CLI is killed: the daemon keeps the container);
 *  - `rm -f` while the container exits by itself: the monitor's clean-up and rm's
 *    race, and the loser must find nothing to do, not half of something.
 *
 * Every test ends with the fixture's leak check (engine_fixture.hpp); here it is also
 * checked right after the step that must clean up, since that is the property tested.
 *
 * Reference: containerd-shim's role (the shim outlives the client, not the reverse);
 * kill(2), proc(5). Lab: labs/01-image-and-container.
 */
#include <filesystem>
#include <fstream>

#include "tests/e2e/engine/engine_fixture.hpp"

namespace minirun::testing {
namespace {

class EngineFaults : public EngineFixture {
 protected:
  /// Waits (bounded) until the leak check is clean; the monitor's own exit is
  /// asynchronous, so a just-finished command may race it by a few milliseconds.
  void expect_nothing_left() {
    bool clean = eventually([&] { return find_leaks().empty(); }, std::chrono::seconds(3));
    if (clean) return;
    for (const auto& leak : find_leaks()) ADD_FAILURE() << "left behind: " << leak;
  }
};

/// True while `pid` is a process that has not exited (a zombie has exited).
bool process_alive(int pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST_F(EngineFaults, ROOT_LostMonitorIsReportedAndRmForceCleansUp) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--name", "orphan", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto state = state_of(id);
  int monitor = state.value("MonitorPid", 0), init = state.value("Pid", 0);
  ASSERT_GT(monitor, 0);
  ASSERT_GT(init, 0);
  ASSERT_EQ(::kill(monitor, SIGKILL), 0);

  // The dead monitor stays a zombie until its reaper (pid 1) collects it, which takes
  // up to about 2 s on the kit's VM; hence the deadline.
  EXPECT_TRUE(eventually([&] { return contains(mr("ps").out, "monitor lost"); })) << mr("ps", "-a").out;
  state = state_of(id);
  EXPECT_EQ(state.value("MonitorLost", false), true) << state.dump(1);
  EXPECT_EQ(state.value("Status", ""), "running") << "the init still runs, unsupervised";
  EXPECT_TRUE(process_alive(init));

  auto r = mr("rm", "-f", "orphan");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(mr("inspect", id).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return !process_alive(init); }, std::chrono::seconds(3)));
  expect_nothing_left();
}

TEST_F(EngineFaults, ROOT_LostMonitorAndInitMakeTheContainerDead) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto state = state_of(id);
  int monitor = state.value("MonitorPid", 0), init = state.value("Pid", 0);
  ASSERT_GT(monitor, 0);
  ASSERT_GT(init, 0);
  ASSERT_EQ(::kill(monitor, SIGKILL), 0);
  ASSERT_EQ(::kill(init, SIGKILL), 0);

  EXPECT_TRUE(eventually([&] { return status_of(id) == "dead"; })) << state_of(id).dump(1);
  state = state_of(id);
  EXPECT_EQ(state.value("Running", true), false);
  EXPECT_FALSE(contains(mr("ps").out, id.substr(0, 12))) << "ps without -a lists running containers only";
  EXPECT_TRUE(contains(mr("ps", "-a").out, id.substr(0, 12)));

  auto r = mr("rm", id);
  EXPECT_EQ(r.exit_code, 0) << "a dead container needs no -f: " << r.err;
  EXPECT_NE(mr("inspect", id).exit_code, 0);
  expect_nothing_left();
}

TEST_F(EngineFaults, ROOT_KilledForegroundClientLeavesTheContainerRunning) {
  MINIRUN_REQUIRE_ROOT();
  BackgroundClient client = start_client(
      {"run", "--name", "fg", "busybox", "sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done"});
  ASSERT_GT(client.pid, 0);
  std::string seen = read_until(client.output_fd, "tick 2", std::chrono::seconds(10));
  ASSERT_TRUE(contains(seen, "tick 2")) << "the attached client prints the output: " << seen;
  kill_client(client);
  // The client's stdout goes away too: the monitor must not die writing to it (SIGPIPE).
  ::close(client.output_fd);

  auto log_lines = [&] { return lines_of(mr("logs", "fg").out).size(); };
  size_t before = log_lines();
  EXPECT_TRUE(eventually([&] { return log_lines() >= before + 3; }, std::chrono::seconds(5)))
      << "logs keep growing after the client died";
  auto state = state_of("fg");
  EXPECT_EQ(state.value("Status", ""), "running") << state.dump(1);
  EXPECT_EQ(state.value("MonitorLost", false), false) << state.dump(1);
}

TEST_F(EngineFaults, ROOT_RmForceRacingTheContainersExitLeavesNothing) {
  MINIRUN_REQUIRE_ROOT();
  // The container exits about 200 ms after `run -d` returns; rm -f lands before,
  // around, and after that moment.
  for (int delay_ms : {120, 170, 190, 200, 210, 230, 280}) {
    SCOPED_TRACE("rm -f after " + std::to_string(delay_ms) + " ms");
    std::string id = run_detached({"busybox", "sleep", "0.2"});
    ASSERT_FALSE(id.empty());
    sleep_ms(delay_ms);
    auto r = mr("rm", "-f", id);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(mr("inspect", id).exit_code, 0);
    EXPECT_EQ(mr("ps", "-a", "-q").out, "");
    expect_nothing_left();
  }
}

TEST_F(EngineFaults, ROOT_WhatAKilledCreateLeftIsRemovedByRmAsTheErrorSays) {
  MINIRUN_REQUIRE_ROOT();
  // A `create` killed after claiming its name and making its directory, before its
  // config.json; and one killed right after the name. The files are made here, as the
  // kill would leave them (a kill at a chosen microsecond cannot be timed from outside).
  ASSERT_EQ(mr("run", "--rm", "--name", "warm", "busybox", "true").exit_code, 0);  // the data root exists
  const std::string half_id(64, 'a'), never_id(64, 'b');
  std::filesystem::create_directories(data_root() + "/containers/" + half_id + "/rootfs");
  std::ofstream(data_root() + "/names/halfway") << half_id;
  std::ofstream(data_root() + "/names/never") << never_id;
  for (const char* name : {"halfway", "never"}) {
    SCOPED_TRACE(name);
    auto taken = mr("run", "--rm", "--name", name, "busybox", "true");
    EXPECT_EQ(taken.exit_code, 125);
    EXPECT_TRUE(contains(taken.err, std::string("minirun rm ") + name)) << "says what to do: " << taken.err;
    auto rm = mr("rm", name);
    EXPECT_EQ(rm.exit_code, 0) << rm.err;
    auto again = mr("run", "--rm", "--name", name, "busybox", "echo", "free");
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, "free\n");
  }
  expect_nothing_left();
}

}  // namespace
}  // namespace minirun::testing
