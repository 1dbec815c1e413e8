// The agent with the real minirun engine: a task's container is an ordinary minirun
// container, named and labelled as Docker names a task's, and its exit reaches the
// manager as the task's state (engine_backend.hpp). Root: containers need namespaces,
// cgroups and overlay mounts.
//
// The fixture is the engine tests' (tests/e2e/engine/engine_fixture.hpp): a private data
// root per test, an image store per suite where the engine makes `busybox` on first
// use, and a TearDown that removes every container with `minirun rm -f -v` (pass or
// fail) and then fails the test on any mount, cgroup, directory or monitor left behind.
// The manager is the fake of the unit tests; the agent is driven a step at a time.
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

#include "miniswarm/agent/agent.hpp"
#include "miniswarm/agent/engine_backend.hpp"
#include "tests/e2e/engine/engine_fixture.hpp"
#include "tests/unit/miniswarm/agent_fakes.hpp"

namespace miniswarm::agent {
namespace {

using minirun::testing::directory_entries;
using minirun::testing::EngineFixture;
using testing::FakeLink;

class AgentEngine : public EngineFixture {
 protected:
  EngineBackendOptions backend_options() {
    const std::string minirun = MINIRUN_BINARY;
    const std::string bin_dir = minirun.substr(0, minirun.rfind('/'));
    EngineBackendOptions o;
    o.engine.data_root = data_root();
    o.engine.image_root = image_root();
    o.engine.monitor_path = bin_dir + "/minirun-monitor";
    o.engine.net_plugin_path = bin_dir + "/minirun-net";
    o.node_id = "n1";
    // No network: these tests are about the task's life, and a bridge would add
    // nftables rules and a veth per test for nothing.
    o.network_mode = "none";
    return o;
  }

  std::unique_ptr<Agent> make_agent(EngineBackend& backend) {
    AgentOptions o;
    o.heartbeat_period_ms = 1000;
    o.stop_grace_ms = 300;  // `sleep` as PID 1 ignores SIGTERM: the SIGKILL comes soon
    o.log = [this](std::string line) {
      std::lock_guard<std::mutex> lock(lines_mu_);  // the agent's threads log too
      lines_.push_back(std::move(line));
    };
    return std::make_unique<Agent>(link_, backend, o);
  }

  static Task task(const std::string& id, const std::string& image, std::vector<std::string> args) {
    Task t;
    t.id = id;
    t.service_id = "svc1";
    t.service_name = "web";
    t.slot = 1;
    t.node_id = "n1";
    t.spec.container.image = image;
    t.spec.container.args = std::move(args);
    t.status.state = TaskState::kAssigned;
    return t;
  }

  /// Delivers `tasks`, then runs passes and heartbeats until `task_id` was reported in
  /// `state` (or 10 s passed); returns that report.
  TaskReport run_until(Agent& agent, const std::vector<Task>& tasks, const std::string& task_id, TaskState state) {
    link_.assign(tasks);
    EXPECT_TRUE(agent.poll_assignments_once().ok());
    TaskReport found;
    eventually([&] {
      agent.reconcile_once();
      (void)agent.heartbeat_once();
      for (const auto& r : link_.all_reports())
        if (r.task_id == task_id && r.state == state) found = r;
      return found.state == state;
    });
    EXPECT_EQ(found.state, state) << "task " << task_id << " never reported " << to_string(state) << "; log:\n"
                                  << joined_log();
    (void)mr("ps", "-a");  // lets the fixture's leak check know the container's id
    return found;
  }

  std::string joined_log() {
    std::lock_guard<std::mutex> lock(lines_mu_);
    std::string text;
    for (const auto& line : lines_) text += line + "\n";
    return text;
  }

  FakeLink link_;
  std::mutex lines_mu_;
  std::vector<std::string> lines_;
};

TEST_F(AgentEngine, ROOT_TaskRunsAsALabelledContainerAndStopsWhenAsked) {
  MINIRUN_REQUIRE_ROOT();
  EngineBackend backend(backend_options());
  auto agent = make_agent(backend);
  Task t = task("t1", "busybox", {"sleep", "30"});
  TaskReport running = run_until(*agent, {t}, "t1", TaskState::kRunning);
  ASSERT_FALSE(running.container_id.empty());

  auto seen = backend.observe(running.container_id);
  ASSERT_TRUE(seen.ok()) << seen.error().what();
  EXPECT_EQ(seen->state, ContainerRunState::kRunning);
  EXPECT_EQ(seen->task_id, "t1");
  auto info = inspect("web.1.t1");  // the engine knows it by the task's name
  ASSERT_FALSE(info.is_null());
  EXPECT_EQ(info["Id"], running.container_id);
  EXPECT_EQ(info["Config"]["Labels"]["com.docker.swarm.service.name"], "web");
  EXPECT_EQ(info["Config"]["Labels"]["com.docker.swarm.node.id"], "n1");
  EXPECT_EQ(info["HostConfig"]["RestartPolicy"]["Name"], "no");

  t.desired_state = TaskState::kShutdown;
  (void)run_until(*agent, {t}, "t1", TaskState::kShutdown);
  EXPECT_EQ(backend.observe(running.container_id)->state, ContainerRunState::kExited);
}

TEST_F(AgentEngine, ROOT_NonZeroExitIsReportedFailedWithItsCode) {
  MINIRUN_REQUIRE_ROOT();
  EngineBackend backend(backend_options());
  auto agent = make_agent(backend);
  TaskReport failed = run_until(*agent, {task("t1", "busybox", {"false"})}, "t1", TaskState::kFailed);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_EQ(failed.err, "exit code 1");
}

TEST_F(AgentEngine, ROOT_ImageMissingFromTheNodeIsRejected) {
  MINIRUN_REQUIRE_ROOT();
  EngineBackend backend(backend_options());
  auto agent = make_agent(backend);
  TaskReport rejected = run_until(*agent, {task("t1", "nope", {"true"})}, "t1", TaskState::kRejected);
  EXPECT_NE(rejected.err.find("image `nope` not found in the node's image store"), std::string::npos)
      << rejected.err;
  EXPECT_TRUE(directory_entries(data_root() + "/containers").empty()) << "nothing is made for a rejected task";
}

TEST_F(AgentEngine, ROOT_RestartedAgentAdoptsTheRunningContainer) {
  MINIRUN_REQUIRE_ROOT();
  EngineBackend backend(backend_options());
  Task t = task("t1", "busybox", {"sleep", "30"});
  std::string container;
  {
    auto first = make_agent(backend);
    container = run_until(*first, {t}, "t1", TaskState::kRunning).container_id;
  }  // the agent is gone; its container is not
  t.status.state = TaskState::kRunning;
  auto second = make_agent(backend);
  link_.assign({t});
  ASSERT_TRUE(second->poll_assignments_once().ok());
  second->reconcile_once();
  auto listed = backend.list();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u) << "no second container for the task";
  EXPECT_EQ(listed->at(0).container_id, container);
  EXPECT_EQ(listed->at(0).state, ContainerRunState::kRunning);
}

TEST_F(AgentEngine, ROOT_ContainerOfAForgottenTaskIsRemoved) {
  MINIRUN_REQUIRE_ROOT();
  EngineBackend backend(backend_options());
  auto agent = make_agent(backend);
  std::string container = run_until(*agent, {task("t1", "busybox", {"true"})}, "t1", TaskState::kComplete).container_id;
  link_.assign({});  // the manager recorded COMPLETE and dropped the task
  ASSERT_TRUE(agent->poll_assignments_once().ok());
  agent->reconcile_once();
  EXPECT_TRUE(directory_entries(data_root() + "/containers").empty()) << joined_log();
}

TEST_F(AgentEngine, ROOT_KilledContainerReachesTheManagerWithinASecond) {
  MINIRUN_REQUIRE_ROOT();
  EngineBackend backend(backend_options());
  auto agent = make_agent(backend);  // with its threads this time, as the daemon runs it
  ASSERT_TRUE(agent->start().ok());
  link_.assign({task("t1", "busybox", {"sleep", "30"})});
  ASSERT_TRUE(link_.wait_for_report("t1", TaskState::kRunning, std::chrono::seconds(10))) << joined_log();
  auto killed = mr("kill", "web.1.t1");  // a learner's `minirun kill`
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(link_.wait_for_report("t1", TaskState::kFailed, std::chrono::seconds(5))) << joined_log();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  agent->stop();
  EXPECT_LT(took.count(), 1000) << "the swarm promises a killed task replaced within 1 s";
  RecordProperty("kill_to_report_ms", static_cast<int>(took.count()));
  std::printf("kill -> FAILED report at the manager: %lld ms\n", static_cast<long long>(took.count()));
}

}  // namespace
}  // namespace miniswarm::agent
