// The four placement strategies choose among the nodes that pass (strategy.hpp).
#include <gtest/gtest.h>

#include <set>

#include "miniswarm/scheduler/scheduler.hpp"
#include "scheduler_test_support.hpp"

namespace miniswarm::scheduler {
namespace {

using testing::count_by_node;
using testing::kGiB;
using testing::make_node;
using testing::make_task;
using testing::make_tasks;
using testing::running_on;

std::vector<Node> nodes_abc() { return {make_node("a"), make_node("b"), make_node("c")}; }

std::vector<Task> with_strategy(std::vector<Task> tasks, PlacementStrategy strategy) {
  for (Task& t : tasks) t.spec.placement.strategy = strategy;
  return tasks;
}

TEST(Spread, TenTasksOnThreeNodesLandFourThreeThree) {
  Scheduler scheduler;
  auto result = scheduler.schedule(nodes_abc(), make_tasks("web", 10), 0);
  EXPECT_EQ(result.assigned.size(), 10u);
  EXPECT_EQ(count_by_node(result), (std::map<std::string, int>{{"a", 4}, {"b", 3}, {"c", 3}}));
}

TEST(Spread, PrefersFewerTasksOfTheServiceOverFewerTasksInTotal) {
  // a runs five tasks of another service; b runs one of web. The new web task goes to a.
  std::vector<Task> tasks;
  for (int i = 0; i < 5; ++i) tasks.push_back(running_on("o" + std::to_string(i), "a", "other"));
  tasks.push_back(running_on("w0", "b", "web"));
  tasks.push_back(make_task("w1", "web"));
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a"), make_node("b")}, tasks, 0);
  ASSERT_EQ(result.assigned.size(), 1u);
  EXPECT_EQ(result.assigned[0].node_id, "a");
}

TEST(Spread, TiesOnTheServiceGoToTheNodeWithFewerTasksInTotal) {
  std::vector<Task> tasks{running_on("o1", "a", "other"), make_task("w1", "web")};
  Scheduler scheduler;
  auto result = scheduler.schedule({make_node("a"), make_node("b")}, tasks, 0);
  ASSERT_EQ(result.assigned.size(), 1u);
  EXPECT_EQ(result.assigned[0].node_id, "b");
}

TEST(Binpack, FillsOneNodeBeforeOpeningAnother) {
  auto tasks = with_strategy(make_tasks("db", 5), PlacementStrategy::kBinpack);
  for (Task& t : tasks) t.spec.reservations.memory_bytes = 2 * kGiB;  // 4 fit on 8 GiB
  Scheduler scheduler;
  auto result = scheduler.schedule(nodes_abc(), tasks, 0);
  EXPECT_EQ(count_by_node(result), (std::map<std::string, int>{{"a", 4}, {"b", 1}}));
}

TEST(Binpack, PrefersTheNodeWithTheLeastFreeMemory) {
  Task existing = running_on("r1", "c", "other");
  existing.spec.reservations.memory_bytes = 5 * kGiB;
  Task task = make_task("t1", "db");
  task.spec.placement.strategy = PlacementStrategy::kBinpack;
  task.spec.reservations.memory_bytes = 2 * kGiB;
  Scheduler scheduler;
  auto result = scheduler.schedule(nodes_abc(), {existing, task}, 0);
  ASSERT_EQ(result.assigned.size(), 1u);
  EXPECT_EQ(result.assigned[0].node_id, "c");
}

TEST(RoundRobin, CyclesThroughTheNodesInIdOrder) {
  Scheduler scheduler;
  auto result = scheduler.schedule(
      {make_node("c"), make_node("a"), make_node("b")},
      with_strategy(make_tasks("web", 5), PlacementStrategy::kRoundRobin), 0);
  std::vector<std::string> order;
  for (const auto& a : result.assigned) order.push_back(a.node_id);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "a", "b"}));
}

TEST(RoundRobin, ContinuesWhereTheLastCallStopped) {
  Scheduler scheduler;
  auto first = scheduler.schedule(
      nodes_abc(), with_strategy(make_tasks("web", 2), PlacementStrategy::kRoundRobin), 0);
  ASSERT_EQ(first.assigned.back().node_id, "b");
  auto second = scheduler.schedule(
      nodes_abc(), with_strategy({make_task("web-3", "web")}, PlacementStrategy::kRoundRobin), 0);
  ASSERT_EQ(second.assigned.size(), 1u);
  EXPECT_EQ(second.assigned[0].node_id, "c");
}

TEST(RoundRobin, SkipsNodesThatDoNotPass) {
  auto nodes = nodes_abc();
  nodes[1].availability = NodeAvailability::kDrain;  // b
  Scheduler scheduler;
  auto result = scheduler.schedule(
      nodes, with_strategy(make_tasks("web", 3), PlacementStrategy::kRoundRobin), 0);
  std::vector<std::string> order;
  for (const auto& a : result.assigned) order.push_back(a.node_id);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "c", "a"}));
}

TEST(Random, StaysAmongThePassingNodes) {
  std::vector<Node> nodes;
  for (auto id : {"a", "b", "c", "d", "e"}) nodes.push_back(make_node(id));
  nodes[1].availability = NodeAvailability::kDrain;
  nodes[3].status = NodeStatus::kDown;
  Scheduler scheduler(7);
  auto result = scheduler.schedule(
      nodes, with_strategy(make_tasks("web", 200), PlacementStrategy::kRandom), 0);
  ASSERT_EQ(result.assigned.size(), 200u);
  std::set<std::string> used;
  for (const auto& a : result.assigned) used.insert(a.node_id);
  EXPECT_EQ(used, (std::set<std::string>{"a", "c", "e"}));
}

TEST(Random, IsReproducibleWithTheSameSeed) {
  auto tasks = with_strategy(make_tasks("web", 50), PlacementStrategy::kRandom);
  std::vector<Node> nodes;
  for (auto id : {"a", "b", "c", "d", "e"}) nodes.push_back(make_node(id));
  Scheduler one(42), two(42), other(43);
  auto a = one.schedule(nodes, tasks, 0);
  auto b = two.schedule(nodes, tasks, 0);
  auto c = other.schedule(nodes, tasks, 0);
  EXPECT_EQ(a.assigned, b.assigned);
  EXPECT_NE(a.assigned, c.assigned);
}

}  // namespace
}  // namespace miniswarm::scheduler
