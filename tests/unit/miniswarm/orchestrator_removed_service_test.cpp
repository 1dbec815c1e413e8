// Tasks of a service that `service rm` deleted: stopped, then deleted
// (miniswarm/orchestrator/removed_service.hpp).
#include <gtest/gtest.h>

#include "orchestrator_test_support.hpp"

namespace miniswarm::orchestrator {
namespace {

using testing::ClusterSim;
using testing::ids_of;
using testing::ready_node;
using testing::replicated_service;

// web with two tasks running on n1 (t1, t2), then removed.
ClusterSim removed_service_with_running_tasks() {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 2)};
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n1");
  c.services.clear();
  return c;
}

TEST(RemovedService, RunningTasksAreShutDown) {
  ClusterSim c = removed_service_with_running_tasks();
  OrchestratorActions a = c.run();
  EXPECT_EQ(ids_of(a.update), (std::vector<std::string>{"t1", "t2"}));
  for (const Task& t : a.update) EXPECT_EQ(t.desired_state, TaskState::kShutdown);
  EXPECT_TRUE(a.remove.empty());
  EXPECT_TRUE(a.create.empty());
  EXPECT_NE(a.reasons.at("t1").find("service web was removed"), std::string::npos);
}

TEST(RemovedService, TasksAreDeletedOnceTheyStopped) {
  ClusterSim c = removed_service_with_running_tasks();
  c.run();
  c.end("t1", TaskState::kShutdown);
  OrchestratorActions a = c.run();
  EXPECT_EQ(a.remove, (std::vector<std::string>{"t1"}));
  EXPECT_TRUE(a.update.empty());  // t2 is still stopping: nothing to do yet
  c.end("t2", TaskState::kShutdown);
  EXPECT_EQ(c.run().remove, (std::vector<std::string>{"t2"}));
  EXPECT_TRUE(c.tasks.empty());
}

TEST(RemovedService, TasksNoNodeTookAreDeletedAtOnce) {
  ClusterSim c;
  c.services = {replicated_service("web", 2)};
  c.run();
  c.services.clear();
  OrchestratorActions a = c.run();
  EXPECT_EQ(a.remove, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_TRUE(a.update.empty());
}

TEST(RemovedService, OtherServicesAreUntouched) {
  ClusterSim c;
  c.nodes = {ready_node("n1")};
  c.services = {replicated_service("web", 1), replicated_service("db", 1)};
  c.run();
  c.start("t1", "n1");
  c.start("t2", "n1");
  c.services.erase(c.services.begin());  // remove web (t1)
  OrchestratorActions a = c.run();
  EXPECT_EQ(ids_of(a.update), (std::vector<std::string>{"t1"}));
  EXPECT_TRUE(a.create.empty());
}

}  // namespace
}  // namespace miniswarm::orchestrator
