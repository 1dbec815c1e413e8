// When `service create` (without -d) stops waiting, and what it says.
#include <gtest/gtest.h>

#include "cli_fake_manager.hpp"
#include "miniswarm/cli/convergence.hpp"

namespace miniswarm::cli {
namespace {

using testing_support::make_service;
using testing_support::make_task;

Task failed_task(const std::string& id, const Service& s, uint64_t slot, int64_t at,
                 const std::string& err) {
  Task t = make_task(id, s, slot, TaskState::kFailed, at, "n1", TaskState::kShutdown);
  t.status.err = err;
  return t;
}

TEST(ConvergenceWatch, AllReplicasRunningIsConverged) {
  Service web = make_service("s1", "web", "busybox", 2);
  ConvergenceWatch watch(true);
  auto p = watch.observe(web,
                         {make_task("a", web, 1, TaskState::kRunning, 1),
                          make_task("b", web, 2, TaskState::kRunning, 1)},
                         0);
  EXPECT_EQ(p.verdict, Convergence::kConverged);
  EXPECT_EQ(progress_line(p), "2/2 tasks running");
}

TEST(ConvergenceWatch, NoTasksYetIsConverging) {
  Service web = make_service("s1", "web", "busybox", 2);
  ConvergenceWatch watch(true);
  auto p = watch.observe(web, {}, 0);
  EXPECT_EQ(p.verdict, Convergence::kConverging);
  EXPECT_EQ(progress_line(p), "0/2 tasks running");
}

TEST(ConvergenceWatch, PendingReasonIsShown) {
  Service web = make_service("s1", "web", "busybox", 2);
  Task pending = make_task("b", web, 2, TaskState::kPending, 5);
  pending.pending_reason = "no suitable node (1 node has not enough memory)";
  ConvergenceWatch watch(true);
  auto p = watch.observe(web, {make_task("a", web, 1, TaskState::kRunning, 1), pending}, 0);
  EXPECT_EQ(p.verdict, Convergence::kConverging);
  EXPECT_EQ(progress_line(p),
            "1/2 tasks running; 1 pending: no suitable node (1 node has not enough memory)");
  EXPECT_EQ(not_converged_message(p, "web", true, 60'000),
            "verify: 1/2 tasks running after 1m0s: tasks are pending: no suitable node (1 node has "
            "not enough "
            "memory) (the service exists: see `miniswarm service ps web`)");
}

TEST(ConvergenceWatch, ThreeNewFailuresIsFailing) {
  Service web = make_service("s1", "web");
  ConvergenceWatch watch(true);
  std::vector<Task> tasks = {failed_task("f1", web, 1, 10, "exit code 1"),
                             failed_task("f2", web, 1, 20, "exit code 2"),
                             make_task("p", web, 1, TaskState::kPending, 25)};
  EXPECT_EQ(watch.observe(web, tasks, 0).verdict, Convergence::kConverging);
  tasks.push_back(failed_task("f3", web, 1, 30, "exit code 3"));
  auto p = watch.observe(web, tasks, 100);
  EXPECT_EQ(p.verdict, Convergence::kFailing);
  EXPECT_EQ(p.last_failure, "exit code 3");
  EXPECT_EQ(not_converged_message(p, "web", false, 60'000),
            "verify: tasks keep failing (3 failed): exit code 3 (the service exists: see "
            "`miniswarm service ps web`)");
}

TEST(ConvergenceWatch, FailuresFromBeforeAnUpdateDoNotCount) {
  Service web = make_service("s1", "web");
  std::vector<Task> tasks = {
      failed_task("f1", web, 1, 10, "old"), failed_task("f2", web, 1, 20, "old"),
      failed_task("f3", web, 1, 30, "old"), make_task("p", web, 1, TaskState::kStarting, 40)};
  ConvergenceWatch watch(/*count_existing_failures=*/false);
  auto p = watch.observe(web, tasks, 0);
  EXPECT_EQ(p.verdict, Convergence::kConverging);
  EXPECT_EQ(p.failures, 0u);
}

TEST(ConvergenceWatch, OneFailureIsFailingWhenNothingRestarts) {
  Service web = make_service("s1", "web");
  web.spec.restart.condition = RestartCondition::kNone;
  ConvergenceWatch watch(true);
  EXPECT_EQ(watch.observe(web, {failed_task("f1", web, 1, 10, "exit code 1")}, 0).verdict,
            Convergence::kFailing);
}

TEST(ConvergenceWatch, ScaleDownConvergesOnceExtrasAreNoLongerWanted) {
  Service web = make_service("s1", "web", "busybox", 1);
  Task extra = make_task("b", web, 2, TaskState::kRunning, 1);
  ConvergenceWatch watch(false);
  EXPECT_EQ(watch.observe(web, {make_task("a", web, 1, TaskState::kRunning, 1), extra}, 0).verdict,
            Convergence::kConverging);  // 2 running, 1 wanted: the orchestrator has not acted yet
  extra.desired_state = TaskState::kShutdown;
  EXPECT_EQ(watch.observe(web, {make_task("a", web, 1, TaskState::kRunning, 1), extra}, 0).verdict,
            Convergence::kConverged);
}

TEST(ConvergenceWatch, GlobalServiceWaitsForItsTasksThenForAGracePeriod) {
  Service mon = make_service("s2", "mon");
  mon.spec.mode = ServiceMode::kGlobal;
  ConvergenceWatch watch(true, 3, /*global_grace_ms=*/3000);
  EXPECT_EQ(watch.observe(mon, {}, 1000).verdict, Convergence::kConverging);
  EXPECT_EQ(
      watch.observe(mon, {make_task("m1", mon, 0, TaskState::kAssigned, 1, "n1")}, 1100).verdict,
      Convergence::kConverging);
  EXPECT_EQ(
      watch.observe(mon, {make_task("m1", mon, 0, TaskState::kRunning, 1, "n1")}, 1200).verdict,
      Convergence::kConverged);
  ConvergenceWatch nowhere(true, 3, 3000);
  EXPECT_EQ(nowhere.observe(mon, {}, 3000).verdict, Convergence::kConverged);  // no eligible node
}

TEST(ConvergenceWatch, TasksOfOtherServicesAreIgnored) {
  Service web = make_service("s1", "web");
  Service other = make_service("s9", "other");
  ConvergenceWatch watch(true);
  auto p = watch.observe(web, {make_task("o", other, 1, TaskState::kRunning, 1)}, 0);
  EXPECT_EQ(p.running, 0u);
  EXPECT_EQ(p.verdict, Convergence::kConverging);
}

TEST(NotConvergedMessage, TimeoutWithoutReasonSaysStillStarting) {
  ConvergenceProgress p;
  p.running = 0;
  p.desired = 1;
  EXPECT_EQ(not_converged_message(p, "web", true, 5000),
            "verify: 0/1 tasks running after 5s: tasks are still starting (the service exists: see "
            "`miniswarm "
            "service ps web`)");
}

}  // namespace
}  // namespace miniswarm::cli
