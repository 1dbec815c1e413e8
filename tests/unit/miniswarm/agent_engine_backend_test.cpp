// How the engine's container states read to the agent (engine_backend.hpp). No root:
// only the mapping of an inspect view, which the ROOT_ tests then see for real.
#include <gtest/gtest.h>

#include "miniswarm/agent/engine_backend.hpp"
#include "miniswarm/agent/task_container.hpp"

namespace miniswarm::agent {
namespace {

using minirun::engine::ContainerStatus;
using minirun::engine::ContainerView;

ContainerView view(ContainerStatus status) {
  ContainerView v;
  v.config.id = "3f2a";
  v.config.labels[kTaskIdLabel] = "t1";
  v.state.status = status;
  return v;
}

TEST(ObservedContainer, TaskIdComesFromTheLabel) {
  EXPECT_EQ(observed_container(view(ContainerStatus::running)).task_id, "t1");
}

TEST(ObservedContainer, PausedAndRestartingCountAsRunning) {
  EXPECT_EQ(observed_container(view(ContainerStatus::paused)).state, ContainerRunState::kRunning);
  EXPECT_EQ(observed_container(view(ContainerStatus::restarting)).state, ContainerRunState::kRunning);
}

TEST(ObservedContainer, ExitKeepsCodeOomAndStopRequest) {
  ContainerView v = view(ContainerStatus::exited);
  v.state.exit_code = 137;
  v.state.oom_killed = true;
  v.state.stop_requested = true;
  ObservedContainer c = observed_container(v);
  EXPECT_EQ(c.state, ContainerRunState::kExited);
  EXPECT_EQ(c.exit_code, 137);
  EXPECT_TRUE(c.oom_killed);
  EXPECT_TRUE(c.stop_requested);
  EXPECT_EQ(c.error, "");
}

TEST(ObservedContainer, DeadContainerCarriesTheReasonItsExitIsUnknown) {
  ContainerView v = view(ContainerStatus::dead);
  v.state.exit_code = -1;
  v.state.error = "the container's monitor (pid 42) died, and with it the exit status";
  ObservedContainer c = observed_container(v);
  EXPECT_EQ(c.state, ContainerRunState::kExited);
  EXPECT_NE(c.error.find("monitor (pid 42) died"), std::string::npos);
}

TEST(ObservedContainer, CreatedIsNotRunning) {
  EXPECT_EQ(observed_container(view(ContainerStatus::created)).state, ContainerRunState::kCreated);
}

}  // namespace
}  // namespace miniswarm::agent
