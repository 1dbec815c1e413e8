// Applying a run's actions to a task list (miniswarm/orchestrator/actions.hpp).
#include <gtest/gtest.h>

#include "orchestrator_test_support.hpp"

namespace miniswarm::orchestrator {
namespace {

Task task(const std::string& id) {
  Task t;
  t.id = id;
  return t;
}

TEST(ApplyActions, UpdatesReplaceRemovesDeleteCreatesAppend) {
  OrchestratorActions a;
  Task changed = task("b");
  changed.desired_state = TaskState::kShutdown;
  a.update = {changed};
  a.remove = {"c"};
  a.create = {task("d")};
  std::vector<Task> after = apply_actions({task("a"), task("b"), task("c")}, a);
  EXPECT_EQ(testing::ids_of(after), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(after[1].desired_state, TaskState::kShutdown);
}

TEST(ApplyActions, EmptyMeansNoChangeEvenWithNotes) {
  OrchestratorActions a;
  a.not_restarted["x"] = "not restarted: restart condition is none";
  a.warnings.push_back("a warning");
  a.wake_at_ms = 5;
  EXPECT_TRUE(a.empty());
  a.remove.push_back("x");
  EXPECT_FALSE(a.empty());
}

}  // namespace
}  // namespace miniswarm::orchestrator
