// Task states move only forward, and a terminal state is final (task_state.hpp).
#include <gtest/gtest.h>

#include "miniswarm/store/objects.hpp"
#include "miniswarm/store/task_state.hpp"

namespace miniswarm {
namespace {

TEST(TaskState, MovesOnlyForward) {
  EXPECT_TRUE(can_transition(TaskState::kNew, TaskState::kPending));
  EXPECT_TRUE(can_transition(TaskState::kPending, TaskState::kRunning));
  EXPECT_FALSE(can_transition(TaskState::kRunning, TaskState::kAssigned));
  EXPECT_FALSE(can_transition(TaskState::kRunning, TaskState::kRunning));
}

TEST(TaskState, TerminalStatesAreFinal) {
  EXPECT_TRUE(can_transition(TaskState::kRunning, TaskState::kComplete));
  EXPECT_FALSE(can_transition(TaskState::kComplete, TaskState::kFailed));
  EXPECT_FALSE(can_transition(TaskState::kFailed, TaskState::kOrphaned));
  EXPECT_TRUE(is_terminal(TaskState::kShutdown));
  EXPECT_FALSE(is_terminal(TaskState::kRunning));
}

TEST(TaskState, NamesRoundTrip) {
  for (auto s : {TaskState::kNew, TaskState::kPending, TaskState::kAssigned, TaskState::kAccepted,
                 TaskState::kPreparing, TaskState::kStarting, TaskState::kRunning,
                 TaskState::kComplete, TaskState::kShutdown, TaskState::kFailed,
                 TaskState::kRejected, TaskState::kOrphaned}) {
    auto back = parse_task_state(to_string(s));
    ASSERT_TRUE(back.has_value()) << to_string(s);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(parse_task_state("RUNNING"), TaskState::kRunning);
  EXPECT_FALSE(parse_task_state("ready").has_value());
}

TEST(TaskState, AdvanceKeepsHistoryAndRefusesGoingBack) {
  Task t;
  ASSERT_TRUE(advance_task(t, TaskState::kPending, 10, "waiting"));
  ASSERT_TRUE(advance_task(t, TaskState::kAssigned, 20, "assigned to node-1"));
  EXPECT_FALSE(advance_task(t, TaskState::kPending, 30, "back"));
  EXPECT_EQ(t.status.state, TaskState::kAssigned);
  EXPECT_EQ(t.status.timestamp_ms, 20);
  ASSERT_EQ(t.history.size(), 2u);
  EXPECT_EQ(t.history[0].state, TaskState::kNew);
  EXPECT_EQ(t.history[1].state, TaskState::kPending);
}

TEST(ObjectId, IsTwentyFiveBase36CharactersAndUnique) {
  auto a = new_object_id();
  auto b = new_object_id();
  EXPECT_EQ(a.size(), 25u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << a;
}

TEST(TaskName, IsServiceSlotId) {
  Task t;
  t.service_name = "web";
  t.slot = 3;
  t.id = "abc";
  EXPECT_EQ(t.name(), "web.3.abc");
  t.slot = 0;
  t.node_id = "n1";
  EXPECT_EQ(t.name(), "web.n1.abc");
}

}  // namespace
}  // namespace miniswarm
