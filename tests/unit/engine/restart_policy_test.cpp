// `--restart` policies and Docker's restart back-off.
#include "minirun/engine/restart_policy.hpp"

#include <gtest/gtest.h>

namespace minirun::engine {
namespace {

constexpr int64_t kMillisecond = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;

RestartPolicy policy(std::string name, int max_retries = 0) { return {std::move(name), max_retries}; }

TEST(RestartPolicy, DefaultIsNo) {
  RestartPolicy p;
  EXPECT_EQ(p.name, "no");
  EXPECT_EQ(p.max_retries, 0);
}

TEST(DecideRestart, NoNeverRestarts) {
  auto failed = decide_restart(policy("no"), 1, false, 0);
  EXPECT_FALSE(failed.restart);
  EXPECT_NE(failed.reason.find("no: policy is no"), std::string::npos) << failed.reason;
  EXPECT_FALSE(decide_restart(policy("no"), 0, false, 0).restart);
}

TEST(DecideRestart, AlwaysRestartsOnSuccessAndFailure) {
  EXPECT_TRUE(decide_restart(policy("always"), 0, false, 0).restart);
  auto failed = decide_restart(policy("always"), 137, false, 4);
  EXPECT_TRUE(failed.restart);
  EXPECT_EQ(failed.reason, "always: exit code 137, restart 5, no limit");
}

TEST(DecideRestart, UnlessStoppedRestartsLikeAlwaysAndSaysWhich) {
  auto decision = decide_restart(policy("unless-stopped"), 0, false, 0);
  EXPECT_TRUE(decision.restart);
  EXPECT_EQ(decision.reason.rfind("unless-stopped:", 0), 0u) << decision.reason;
}

TEST(DecideRestart, OnFailureRestartsOnNonZeroExit) {
  auto decision = decide_restart(policy("on-failure", 5), 1, false, 1);
  EXPECT_TRUE(decision.restart);
  EXPECT_EQ(decision.reason, "on-failure: exit code 1, restart 2 of 5");
}

TEST(DecideRestart, OnFailureDoesNotRestartAfterSuccess) {
  auto decision = decide_restart(policy("on-failure"), 0, false, 0);
  EXPECT_FALSE(decision.restart);
  EXPECT_NE(decision.reason.find("success"), std::string::npos);
}

TEST(DecideRestart, OnFailureStopsAtMaxRetries) {
  EXPECT_TRUE(decide_restart(policy("on-failure", 3), 1, false, 2).restart);
  auto spent = decide_restart(policy("on-failure", 3), 1, false, 3);
  EXPECT_FALSE(spent.restart);
  EXPECT_NE(spent.reason.find("all 3 restarts used"), std::string::npos) << spent.reason;
}

TEST(DecideRestart, OnFailureWithZeroMaxRetriesHasNoLimit) {
  auto decision = decide_restart(policy("on-failure", 0), 2, false, 1000);
  EXPECT_TRUE(decision.restart);
  EXPECT_NE(decision.reason.find("no limit"), std::string::npos);
}

TEST(DecideRestart, AUserStopNeverRestarts) {
  for (const char* name : {"no", "on-failure", "always", "unless-stopped"}) {
    auto decision = decide_restart(policy(name), 143, true, 0);
    EXPECT_FALSE(decision.restart) << name;
    EXPECT_NE(decision.reason.find("stopped by the user"), std::string::npos) << decision.reason;
  }
}

TEST(DecideRestart, UnknownPolicyDoesNotRestartAndSaysSo) {
  auto decision = decide_restart(policy("sometimes"), 1, false, 0);
  EXPECT_FALSE(decision.restart);
  EXPECT_NE(decision.reason.find("unknown restart policy `sometimes`"), std::string::npos);
}

TEST(RestartDelay, FirstRestartWaits100Milliseconds) {
  EXPECT_EQ(restart_delay_ns(0, 0), 100 * kMillisecond);
}

TEST(RestartDelay, DoublesEachTime) {
  EXPECT_EQ(restart_delay_ns(100 * kMillisecond, kSecond), 200 * kMillisecond);
  EXPECT_EQ(restart_delay_ns(800 * kMillisecond, kSecond), 1600 * kMillisecond);
}

TEST(RestartDelay, IsCappedAtOneMinute) {
  int64_t delay = 0;
  for (int i = 0; i < 20; ++i) delay = restart_delay_ns(delay, 0);
  EXPECT_EQ(delay, 60 * kSecond);
  EXPECT_EQ(restart_delay_ns(51'200 * kMillisecond, 0), 60 * kSecond);  // 102.4 s would be too long
}

TEST(RestartDelay, ResetsAfterRunningTenSeconds) {
  EXPECT_EQ(restart_delay_ns(60 * kSecond, 10 * kSecond), 100 * kMillisecond);
  EXPECT_EQ(restart_delay_ns(60 * kSecond, 10 * kSecond - 1), 60 * kSecond);
}

}  // namespace
}  // namespace minirun::engine
