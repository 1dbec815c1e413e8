// ContainerState: state.json round trip, and observe(), which checks a saved "running"
// against the processes that really exist (a monitor that died, a recycled pid).
// No root: the "monitors" are children this test forks and reaps itself.
#include "minirun/engine/container_state.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "minirun/sys/file.hpp"
#include "minirun/sys/process.hpp"

namespace minirun::engine {
namespace {

using nlohmann::json;

/// The pid of a child that has exited and been reaped: no process has it now (until
/// the kernel recycles it, which takes a full lap of pid_max).
pid_t dead_pid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

/// A state whose monitor is this test process itself (alive, right start time).
ContainerState running_state_monitored_by_self() {
  ContainerState s;
  s.status = ContainerStatus::running;
  s.pid = ::getpid();
  s.monitor_pid = ::getpid();
  s.monitor_start_time = *sys::process_start_time(::getpid());
  return s;
}

TEST(ContainerStatus, NamesRoundTrip) {
  for (auto status : {ContainerStatus::created, ContainerStatus::running, ContainerStatus::paused,
                      ContainerStatus::restarting, ContainerStatus::exited, ContainerStatus::dead}) {
    auto back = status_from_name(status_name(status));
    ASSERT_TRUE(back.ok()) << back.error().what();
    EXPECT_EQ(*back, status);
  }
}

TEST(ContainerStatus, UnknownNameIsAnErrorThatQuotesIt) {
  auto r = status_from_name("sleeping");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("\"sleeping\""), std::string::npos) << r.error().what();
}

TEST(ContainerState, JsonRoundTripKeepsEveryField) {
  ContainerState s;
  s.status = ContainerStatus::restarting;
  s.pid = 4242;
  s.exit_code = 137;
  s.oom_killed = true;
  s.error = "oom";
  s.started_at = "2026-11-28T05:12:01.123456789Z";
  s.finished_at = "2026-11-28T05:13:01.000000001Z";
  s.restart_count = 3;
  s.stop_requested = true;
  s.health = HealthState{};
  s.health->status = "unhealthy";
  s.health->failing_streak = 4;
  s.health->log.push_back({"2026-11-28T05:12:02Z", "2026-11-28T05:12:03Z", 1, "refused"});
  s.monitor_pid = 777;
  s.monitor_start_time = 123456789012ULL;

  auto back = ContainerState::from_json(json::parse(s.to_json().dump()));
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(back->status, s.status);
  EXPECT_EQ(back->pid, s.pid);
  EXPECT_EQ(back->exit_code, s.exit_code);
  EXPECT_EQ(back->oom_killed, s.oom_killed);
  EXPECT_EQ(back->error, s.error);
  EXPECT_EQ(back->started_at, s.started_at);
  EXPECT_EQ(back->finished_at, s.finished_at);
  EXPECT_EQ(back->restart_count, s.restart_count);
  EXPECT_EQ(back->stop_requested, s.stop_requested);
  EXPECT_EQ(back->monitor_pid, s.monitor_pid);
  EXPECT_EQ(back->monitor_start_time, s.monitor_start_time);
  ASSERT_TRUE(back->health.has_value());
  EXPECT_EQ(back->health->status, "unhealthy");
  EXPECT_EQ(back->health->failing_streak, 4);
  ASSERT_EQ(back->health->log.size(), 1u);
  EXPECT_EQ(back->health->log[0].output, "refused");
  EXPECT_EQ(back->health->log[0].exit_code, 1);
}

TEST(ContainerState, JsonHasDockersBooleans) {
  ContainerState s;
  s.status = ContainerStatus::paused;
  json j = s.to_json();
  EXPECT_EQ(j["Status"], "paused");
  EXPECT_EQ(j["Running"], true);  // Docker: a paused container is still running
  EXPECT_EQ(j["Paused"], true);
  EXPECT_EQ(j["Restarting"], false);
  EXPECT_EQ(j["Dead"], false);
  EXPECT_FALSE(j.contains("Health"));
  EXPECT_FALSE(j.contains("MonitorLost"));
}

TEST(ContainerState, NoHealthStaysAbsent) {
  auto back = ContainerState::from_json(ContainerState{}.to_json());
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_FALSE(back->health.has_value());
}

TEST(ContainerState, UnknownStatusNamesTheField) {
  json j = ContainerState{}.to_json();
  j["Status"] = "zombie";
  auto r = ContainerState::from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("Status"), std::string::npos) << r.error().what();
  EXPECT_NE(r.error().what().find("zombie"), std::string::npos) << r.error().what();
}

TEST(ContainerState, MissingStatusOrWrongTypeIsAnError) {
  EXPECT_FALSE(ContainerState::from_json(json::object()).ok());
  json j = ContainerState{}.to_json();
  j["ExitCode"] = "1";
  auto r = ContainerState::from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("state.json"), std::string::npos) << r.error().what();
}

TEST(Observe, LeavesExitedAndCreatedAlone) {
  for (auto status : {ContainerStatus::exited, ContainerStatus::created}) {
    ContainerState s;
    s.status = status;
    s.exit_code = 3;
    s.monitor_pid = dead_pid();  // a dead monitor does not matter once nothing runs
    ContainerState seen = observe(s);
    EXPECT_EQ(seen.status, status);
    EXPECT_FALSE(seen.monitor_lost);
    EXPECT_EQ(seen.exit_code, 3);
    EXPECT_EQ(seen.error, "");
  }
}

TEST(Observe, RunningWithLiveMonitorIsUnchanged) {
  ContainerState s = running_state_monitored_by_self();
  ContainerState seen = observe(s);
  EXPECT_EQ(seen.status, ContainerStatus::running);
  EXPECT_FALSE(seen.monitor_lost);
  EXPECT_EQ(seen.pid, s.pid);
}

TEST(Observe, DeadMonitorAndDeadInitIsDead) {
  for (auto status : {ContainerStatus::running, ContainerStatus::paused, ContainerStatus::restarting}) {
    ContainerState s;
    s.status = status;
    s.monitor_pid = dead_pid();
    s.pid = dead_pid();
    ContainerState seen = observe(s);
    EXPECT_TRUE(seen.monitor_lost) << status_name(status);
    EXPECT_EQ(seen.status, ContainerStatus::dead) << status_name(status);
    EXPECT_EQ(seen.pid, 0);
    EXPECT_NE(seen.error.find(std::to_string(s.monitor_pid)), std::string::npos) << seen.error;
    EXPECT_NE(seen.error.find("minirun rm"), std::string::npos) << seen.error;
  }
}

TEST(Observe, DeadMonitorButLiveInitIsStillRunning) {
  ContainerState s;
  s.status = ContainerStatus::running;
  s.monitor_pid = dead_pid();
  s.pid = ::getpid();  // stands in for the container's init: alive
  ContainerState seen = observe(s);
  EXPECT_TRUE(seen.monitor_lost);
  EXPECT_EQ(seen.status, ContainerStatus::running);
  EXPECT_EQ(seen.pid, ::getpid());
  EXPECT_NE(seen.error.find("monitor"), std::string::npos) << seen.error;
}

TEST(Observe, LiveInitOwnedByAnotherUserIsStillRunning) {
  // The reader may not be allowed to signal the init (kill(2) fails with EPERM), which
  // says the process exists. pid 1 belongs to root; as root, a child drops to nobody.
  auto check = [] {
    ContainerState s;
    s.status = ContainerStatus::running;
    s.monitor_pid = dead_pid();
    s.pid = 1;
    ContainerState seen = observe(s);
    return seen.monitor_lost && seen.status == ContainerStatus::running && seen.pid == 1;
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(check());
    return;
  }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    ::_exit(check() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "observe() took an init it may not signal for a dead one";
}

TEST(MonitorAlive, LivePidWithMatchingStartTimeIsAlive) {
  EXPECT_TRUE(monitor_alive(running_state_monitored_by_self()));
}

TEST(MonitorAlive, RejectsAReusedPid) {
  ContainerState s = running_state_monitored_by_self();
  s.monitor_start_time += 1;  // same pid, another process's start time
  EXPECT_FALSE(monitor_alive(s));
  ContainerState seen = observe(s);
  EXPECT_TRUE(seen.monitor_lost);
}

TEST(MonitorAlive, RejectsADeadPidAndNoPid) {
  ContainerState s;
  s.monitor_pid = dead_pid();
  EXPECT_FALSE(monitor_alive(s));
  s.monitor_pid = 0;
  EXPECT_FALSE(monitor_alive(s));
}

TEST(MonitorAlive, RejectsAZombie) {
  // A monitor that has exited but not yet been reaped is not looking after anything.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  ContainerState s;
  s.monitor_pid = child;
  s.monitor_start_time = *sys::process_start_time(child);
  // Wait until the child is a zombie (state Z in /proc/PID/stat), without reaping it.
  for (int i = 0; i < 500; ++i) {
    auto stat = sys::read_file("/proc/" + std::to_string(child) + "/stat");
    if (stat && stat->find(") Z ") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_FALSE(monitor_alive(s));
  ::waitpid(child, nullptr, 0);
}

TEST(Rfc3339, NowRoundTripsToTheNanosecond) {
  const std::string now = now_rfc3339();
  ASSERT_EQ(now.size(), std::string("2026-11-28T05:12:01.123456789Z").size()) << now;
  EXPECT_EQ(now.back(), 'Z');
  const int64_t ns = parse_rfc3339_ns(now);
  const int64_t system_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_LE(ns, system_ns);
  EXPECT_GT(ns, system_ns - 5'000'000'000LL);
  EXPECT_EQ(ns % 1'000'000'000, std::stoll(now.substr(20, 9)));
}

TEST(Rfc3339, ParsesAKnownTime) {
  EXPECT_EQ(parse_rfc3339_ns("1970-01-01T00:00:01.5Z"), 1'500'000'000);
  EXPECT_EQ(parse_rfc3339_ns("2000-01-01T00:00:00Z"), 946684800LL * 1'000'000'000);
  EXPECT_EQ(parse_rfc3339_ns("2026-11-28T05:12:01.000000007Z") % 1'000'000'000, 7);
}

TEST(Rfc3339, EmptyOrBadIsZero) {
  EXPECT_EQ(parse_rfc3339_ns(""), 0);
  EXPECT_EQ(parse_rfc3339_ns("yesterday"), 0);
}

}  // namespace
}  // namespace minirun::engine
