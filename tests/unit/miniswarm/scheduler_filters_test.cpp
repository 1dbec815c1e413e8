// Each filter passes a node that suits the task and refuses, in words, one that does not
// (filter.hpp); the pipeline asks them in order and explains (pipeline.hpp).
#include <gtest/gtest.h>

#include "miniswarm/scheduler/filter.hpp"
#include "miniswarm/scheduler/node_info.hpp"
#include "miniswarm/scheduler/pipeline.hpp"
#include "scheduler_test_support.hpp"

namespace miniswarm::scheduler {
namespace {

using testing::kCpu;
using testing::kGiB;
using testing::make_node;
using testing::make_task;
using testing::running_on;

NodeInfo info_of(const Node& node) { return NodeInfo{&node, {}, 0, {}}; }

TEST(ReadyFilter, PassesAReadyNode) {
  auto filter = make_ready_filter();
  Node node = make_node("n1");
  Task task = make_task("t1");
  ASSERT_TRUE(filter->set_task(task));
  EXPECT_EQ(filter->check(info_of(node)), kNodePasses);
}

TEST(ReadyFilter, RefusesADownNodeSayingDown) {
  auto filter = make_ready_filter();
  Node node = make_node("n1");
  node.status = NodeStatus::kDown;
  Task task = make_task("t1");
  filter->set_task(task);
  Refusal refusal = filter->check(info_of(node));
  ASSERT_NE(refusal, kNodePasses);
  EXPECT_EQ(filter->explain(refusal, 2), "2 nodes down");
}

TEST(ReadyFilter, RefusesANodeNotYetHeardFromAsNotReady) {
  auto filter = make_ready_filter();
  Node node = make_node("n1");
  node.status = NodeStatus::kUnknown;
  Task task = make_task("t1");
  filter->set_task(task);
  Refusal refusal = filter->check(info_of(node));
  ASSERT_NE(refusal, kNodePasses);
  EXPECT_EQ(filter->explain(refusal, 1), "1 node not ready");
}

TEST(AvailabilityFilter, PassesAnActiveNode) {
  auto filter = make_availability_filter();
  Node node = make_node("n1");
  Task task = make_task("t1");
  filter->set_task(task);
  EXPECT_EQ(filter->check(info_of(node)), kNodePasses);
}

TEST(AvailabilityFilter, RefusesPausedAndDrainedNodesNamingWhich) {
  auto filter = make_availability_filter();
  Node paused = make_node("p");
  paused.availability = NodeAvailability::kPause;
  Node drained = make_node("d");
  drained.availability = NodeAvailability::kDrain;
  Task task = make_task("t1");
  filter->set_task(task);
  Refusal p = filter->check(info_of(paused));
  Refusal d = filter->check(info_of(drained));
  ASSERT_NE(p, kNodePasses);
  ASSERT_NE(d, kNodePasses);
  EXPECT_EQ(filter->explain(p, 1), "1 node paused");
  EXPECT_EQ(filter->explain(d, 3), "3 nodes drained");
}

TEST(ConstraintsFilter, IsSkippedForATaskWithoutConstraints) {
  auto filter = make_constraints_filter();
  Task task = make_task("t1");
  EXPECT_FALSE(filter->set_task(task));
}

TEST(ConstraintsFilter, PassesANodeWhereAllHold) {
  auto filter = make_constraints_filter();
  Node node = make_node("n1");
  node.labels["zone"] = "a";
  Task task = make_task("t1");
  task.spec.placement.constraints = {"node.labels.zone==a", "node.role==worker"};
  ASSERT_TRUE(filter->set_task(task));
  EXPECT_EQ(filter->check(info_of(node)), kNodePasses);
}

TEST(ConstraintsFilter, RefusalNamesTheFirstUnmetConstraint) {
  auto filter = make_constraints_filter();
  Node node = make_node("n1");
  node.labels["zone"] = "a";
  Task task = make_task("t1");
  task.spec.placement.constraints = {"node.labels.zone==a", "node.role==manager"};
  filter->set_task(task);
  Refusal refusal = filter->check(info_of(node));
  ASSERT_NE(refusal, kNodePasses);
  EXPECT_EQ(filter->explain(refusal, 1), "constraint node.role==manager unmet on 1 node");
}

TEST(ConstraintsFilter, UnparsableConstraintRefusesEveryNodeWithTheParseError) {
  auto filter = make_constraints_filter();
  Node node = make_node("n1");
  Task task = make_task("t1");
  task.spec.placement.constraints = {"node.labels.zone=a"};
  filter->set_task(task);
  Refusal refusal = filter->check(info_of(node));
  ASSERT_NE(refusal, kNodePasses);
  EXPECT_NE(filter->explain(refusal, 1).find("expected == or !="), std::string::npos);
}

TEST(ResourcesFilter, IsSkippedForATaskThatReservesNothing) {
  auto filter = make_resources_filter();
  Task task = make_task("t1");
  EXPECT_FALSE(filter->set_task(task));
}

TEST(ResourcesFilter, PassesWhenTheReservationFitsWhatIsLeft) {
  auto filter = make_resources_filter();
  Node node = make_node("n1");  // 4 CPUs, 8 GiB
  NodeInfo info = info_of(node);
  Task running = running_on("r1", "n1");
  running.spec.reservations = {2 * kCpu, 4 * kGiB};
  info.add_task(running);
  Task task = make_task("t1");
  task.spec.reservations = {2 * kCpu, 4 * kGiB};
  ASSERT_TRUE(filter->set_task(task));
  EXPECT_EQ(filter->check(info), kNodePasses);
}

TEST(ResourcesFilter, RefusesWhenMemoryLeftIsTooSmall) {
  auto filter = make_resources_filter();
  Node node = make_node("n1");
  NodeInfo info = info_of(node);
  Task running = running_on("r1", "n1");
  running.spec.reservations = {0, 6 * kGiB};
  info.add_task(running);
  Task task = make_task("t1");
  task.spec.reservations = {0, 3 * kGiB};
  filter->set_task(task);
  Refusal refusal = filter->check(info);
  ASSERT_NE(refusal, kNodePasses);
  EXPECT_EQ(filter->explain(refusal, 2), "insufficient memory on 2 nodes");
}

TEST(ResourcesFilter, RefusesWhenCpuIsTooSmall) {
  auto filter = make_resources_filter();
  Node node = make_node("n1");
  Task task = make_task("t1");
  task.spec.reservations = {5 * kCpu, 0};
  filter->set_task(task);
  Refusal refusal = filter->check(info_of(node));
  ASSERT_NE(refusal, kNodePasses);
  EXPECT_EQ(filter->explain(refusal, 1), "insufficient cpu on 1 node");
}

TEST(ResourcesFilter, NodeReportingZeroMemoryOffersNone) {
  auto filter = make_resources_filter();
  Node node = make_node("n1");
  node.total.memory_bytes = 0;
  Task task = make_task("t1");
  task.spec.reservations = {0, 1};
  filter->set_task(task);
  EXPECT_NE(filter->check(info_of(node)), kNodePasses);
}

TEST(MaxPerNodeFilter, IsSkippedWhenUnlimited) {
  auto filter = make_max_per_node_filter();
  Task task = make_task("t1");
  EXPECT_FALSE(filter->set_task(task));
}

TEST(MaxPerNodeFilter, PassesBelowTheLimitAndRefusesAtIt) {
  auto filter = make_max_per_node_filter();
  Node node = make_node("n1");
  NodeInfo info = info_of(node);
  info.add_task(running_on("r1", "n1", "web"));
  info.add_task(running_on("r2", "n1", "other"));  // another service does not count
  Task task = make_task("t1", "web");
  task.spec.placement.max_replicas_per_node = 2;
  ASSERT_TRUE(filter->set_task(task));
  EXPECT_EQ(filter->check(info), kNodePasses);
  info.add_task(running_on("r3", "n1", "web"));
  Refusal refusal = filter->check(info);
  ASSERT_NE(refusal, kNodePasses);
  EXPECT_EQ(filter->explain(refusal, 3), "max replicas per node (2) reached on 3 nodes");
}

TEST(Pipeline, FirstRefusingFilterDecides) {
  Pipeline pipeline;
  Node node = make_node("n1");
  node.status = NodeStatus::kDown;
  node.availability = NodeAvailability::kDrain;  // also refused, but asked later
  Task task = make_task("t1");
  pipeline.set_task(task);
  Verdict verdict = pipeline.check(info_of(node));
  ASSERT_FALSE(verdict.passed());
  EXPECT_EQ(pipeline.filter(verdict.filter).name(), "ready");
}

TEST(Pipeline, ExplanationListsRefusalsInPipelineOrderWithCounts) {
  Pipeline pipeline;
  Task task = make_task("t1");
  task.spec.placement.constraints = {"node.labels.zone==a"};
  task.spec.reservations = {0, 6 * kGiB};
  pipeline.set_task(task);

  std::vector<Node> nodes;
  for (auto id : {"n1", "n2", "n3", "n4"}) nodes.push_back(make_node(id));
  for (auto& n : nodes) n.labels["zone"] = "a";
  nodes[0].total.memory_bytes = 4 * kGiB;  // insufficient memory
  nodes[1].total.memory_bytes = 4 * kGiB;  // insufficient memory
  nodes[2].labels["zone"] = "b";           // constraint unmet
  nodes[3].status = NodeStatus::kUnknown;  // not ready
  RefusalTally tally;
  for (const Node& n : nodes) tally.add(pipeline.check(info_of(n)));
  EXPECT_EQ(tally.explain(pipeline, nodes.size()),
            "no suitable node (1 node not ready; constraint node.labels.zone==a unmet on "
            "1 node; insufficient memory on 2 nodes)");
}

TEST(NodeInfo, TerminalAndShutdownDesiredTasksDoNotCountAsLoad) {
  Node node = make_node("n1");
  std::vector<Node> nodes{node};
  Task failed = running_on("f", "n1", "web");
  failed.status.state = TaskState::kFailed;
  Task stopping = running_on("s", "n1", "web");
  stopping.desired_state = TaskState::kShutdown;
  Task running = running_on("r", "n1", "web");
  for (Task* t : {&failed, &stopping, &running}) t->spec.reservations = {kCpu, kGiB};
  auto infos = build_node_infos(nodes, {failed, stopping, running});
  EXPECT_EQ(infos[0].task_count, 1u);
  EXPECT_EQ(infos[0].reserved.memory_bytes, kGiB);
  EXPECT_EQ(infos[0].service_task_count("web"), 1u);
}

}  // namespace
}  // namespace miniswarm::scheduler
