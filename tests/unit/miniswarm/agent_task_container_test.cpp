// A task becomes the container `minirun run -d` would make (task_container.hpp).
#include <gtest/gtest.h>

#include "miniswarm/agent/task_container.hpp"

namespace miniswarm::agent {
namespace {

Task web_task() {
  Task t;
  t.id = "k2j4abc";
  t.service_id = "svc9";
  t.service_name = "web";
  t.slot = 2;
  t.node_id = "node7";
  t.spec.container.image = "demo:1";
  t.spec.container.args = {"httpd", "-f"};
  t.spec.container.env = {"MODE=lab"};
  t.spec.container.labels = {{"tier", "front"}};
  return t;
}

TEST(TaskContainer, NamedAsDockerNamesTaskContainers) {
  EXPECT_EQ(container_request(web_task(), "bridge").config.name, "web.2.k2j4abc");
}

TEST(TaskContainer, CarriesDockersSwarmLabelsAndTheSpecsLabels) {
  auto labels = container_request(web_task(), "bridge").label_flags;
  EXPECT_EQ(labels[kTaskIdLabel], "k2j4abc");
  EXPECT_EQ(labels[kTaskNameLabel], "web.2.k2j4abc");
  EXPECT_EQ(labels[kServiceIdLabel], "svc9");
  EXPECT_EQ(labels[kServiceNameLabel], "web");
  EXPECT_EQ(labels[kNodeIdLabel], "node7");
  EXPECT_EQ(labels["tier"], "front");
}

TEST(TaskContainer, SpecLabelCannotClaimAnotherTask) {
  Task t = web_task();
  t.spec.container.labels[kTaskIdLabel] = "someone-else";
  EXPECT_EQ(container_request(t, "bridge").label_flags[kTaskIdLabel], "k2j4abc");
}

TEST(TaskContainer, ArgsReplaceTheImagesCmdAndEnvIsPassed) {
  auto request = container_request(web_task(), "none");
  EXPECT_EQ(request.config.image, "demo:1");
  EXPECT_EQ(request.config.cmd, (std::vector<std::string>{"httpd", "-f"}));
  EXPECT_FALSE(request.entrypoint_set);
  EXPECT_EQ(request.env_flags, (std::vector<std::string>{"MODE=lab"}));
  EXPECT_EQ(request.config.network_mode, "none");
}

TEST(TaskContainer, LimitsBecomeMemoryAndCpus) {
  Task t = web_task();
  t.spec.limits.memory_bytes = 64 << 20;
  t.spec.limits.nano_cpus = 500'000'000;
  auto request = container_request(t, "bridge");
  EXPECT_EQ(request.config.resources.memory, 64 << 20);
  EXPECT_EQ(request.config.resources.nano_cpus, 500'000'000);
}

TEST(TaskContainer, EngineNeverRestartsATaskContainer) {
  Task t = web_task();
  t.spec.restart.condition = RestartCondition::kAny;
  auto request = container_request(t, "bridge");
  EXPECT_EQ(request.config.restart.name, "no");
  EXPECT_FALSE(request.config.auto_remove);
}

TEST(TaskSpecCheck, OrdinarySpecPasses) {
  Task t = web_task();
  t.spec.limits.memory_bytes = 64 << 20;
  t.spec.limits.nano_cpus = 1'000'000'000;
  EXPECT_TRUE(check_task_spec(t.spec, 2).ok());
}

TEST(TaskSpecCheck, MoreCpusThanTheNodeHasIsRefused) {
  Task t = web_task();
  t.spec.limits.nano_cpus = 3'000'000'000;
  auto checked = check_task_spec(t.spec, 2);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().what().find("3.00 CPUs is more than this node's 2"), std::string::npos);
}

TEST(TaskSpecCheck, MemoryBelowTheEnginesMinimumIsRefused) {
  Task t = web_task();
  t.spec.limits.memory_bytes = 1 << 20;
  auto checked = check_task_spec(t.spec, 2);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().what().find("spec.limits.memory_bytes"), std::string::npos);
}

TEST(TaskSpecCheck, EnvEntryWithoutANameIsRefused) {
  Task t = web_task();
  t.spec.container.env = {"=oops"};
  EXPECT_FALSE(check_task_spec(t.spec, 2).ok());
}

TEST(TaskSpecCheck, MissingImageIsRefused) {
  Task t = web_task();
  t.spec.container.image.clear();
  EXPECT_FALSE(check_task_spec(t.spec, 2).ok());
}

}  // namespace
}  // namespace miniswarm::agent
