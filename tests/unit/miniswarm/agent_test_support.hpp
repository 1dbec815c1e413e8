/**
 * @file agent_test_support.hpp
 * @brief A fixture that drives an Agent step by step over the fakes of agent_fakes.hpp.
 *
 * No threads run: a test delivers a task list (deliver()), runs a reconcile pass
 * (pass()), moves the fake clock, and reads what the heartbeats carried (states()).
 */
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "miniswarm/agent/agent.hpp"
#include "tests/unit/miniswarm/agent_fakes.hpp"

namespace miniswarm::agent::testing {

class AgentSteps : public ::testing::Test {
 protected:
  void SetUp() override { agent_ = std::make_unique<Agent>(link_, backend_, options()); }

  AgentOptions options() {
    AgentOptions o;
    o.addr = "127.0.0.1:4243";
    o.heartbeat_period_ms = 1000;
    o.stop_grace_ms = 2000;
    o.clock = [this] { return now_ms_; };
    o.log = [this](std::string line) { lines_.push_back(std::move(line)); };
    return o;
  }

  /// The manager sends this list; the agent receives it and runs one pass.
  void deliver(std::vector<Task> tasks) {
    link_.assign(std::move(tasks));
    auto polled = agent_->poll_assignments_once();
    ASSERT_TRUE(polled.ok()) << polled.error().what();
    agent_->reconcile_once();
  }
  void pass() { agent_->reconcile_once(); }

  /// Sends a heartbeat, then lists every state reported for `task_id` so far, in order.
  std::vector<TaskState> states(const std::string& task_id) {
    auto beat = agent_->heartbeat_once();
    EXPECT_TRUE(beat.ok()) << beat.error().what();
    std::vector<TaskState> out;
    for (const auto& r : link_.all_reports())
      if (r.task_id == task_id) out.push_back(r.state);
    return out;
  }
  /// The last report sent for `task_id` (after a heartbeat).
  TaskReport last_report(const std::string& task_id) {
    (void)agent_->heartbeat_once();
    TaskReport last;
    for (const auto& r : link_.all_reports())
      if (r.task_id == task_id) last = r;
    return last;
  }
  bool logged(const std::string& text) const {
    for (const auto& line : lines_)
      if (line.find(text) != std::string::npos) return true;
    return false;
  }

  FakeLink link_;
  FakeBackend backend_;
  int64_t now_ms_ = 1'000'000;
  std::vector<std::string> lines_;
  std::unique_ptr<Agent> agent_;
};

}  // namespace miniswarm::agent::testing
