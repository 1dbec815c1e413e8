// HEALTHCHECK: config, merge with --health-* flags, and Docker's probe state machine.
#include "minirun/engine/health.hpp"

#include <gtest/gtest.h>

namespace minirun::engine {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

HealthConfig shell_check() {
  HealthConfig config;
  config.test = {"CMD-SHELL", "curl -f http://localhost/"};
  return config;
}

HealthProbe probe(int exit_code, std::string output = "") {
  return {"2024-05-01T10:00:00.000000001Z", "2024-05-01T10:00:00.5Z", exit_code, std::move(output)};
}

TEST(HealthConfig, DefaultsAreDockers) {
  HealthConfig config;
  EXPECT_EQ(config.interval_ns, 30 * kSecond);
  EXPECT_EQ(config.timeout_ns, 30 * kSecond);
  EXPECT_EQ(config.start_period_ns, 0);
  EXPECT_EQ(config.start_interval_ns, 5 * kSecond);
  EXPECT_EQ(config.retries, 3);
  EXPECT_FALSE(config.enabled());
}

TEST(HealthConfig, ToJsonUsesInspectNamesAndNanoseconds) {
  HealthConfig config = shell_check();
  config.interval_ns = 10 * kSecond;
  auto json = config.to_json();
  EXPECT_EQ(json["Test"], nlohmann::json({"CMD-SHELL", "curl -f http://localhost/"}));
  EXPECT_EQ(json["Interval"], 10 * kSecond);
  EXPECT_EQ(json["Timeout"], 30 * kSecond);
  EXPECT_EQ(json["StartPeriod"], 0);
  EXPECT_EQ(json["StartInterval"], 5 * kSecond);
  EXPECT_EQ(json["Retries"], 3);
}

TEST(HealthConfig, FromJsonReadsBackToJson) {
  HealthConfig config;
  config.test = {"CMD", "/bin/check", "--quick"};
  config.interval_ns = 2 * kSecond;
  config.timeout_ns = 3 * kSecond;
  config.start_period_ns = 4 * kSecond;
  config.start_interval_ns = kSecond;
  config.retries = 7;
  auto back = HealthConfig::from_json(config.to_json());
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(back->to_json(), config.to_json());
}

TEST(HealthConfig, FromJsonMissingOrZeroFieldsTakeDefaults) {
  auto config = HealthConfig::from_json({{"Test", {"CMD", "true"}}, {"Interval", 0}, {"Retries", 0}});
  ASSERT_TRUE(config.ok()) << config.error().what();
  EXPECT_EQ(config->interval_ns, kDefaultHealthIntervalNs);
  EXPECT_EQ(config->timeout_ns, kDefaultHealthTimeoutNs);
  EXPECT_EQ(config->start_interval_ns, kDefaultHealthStartIntervalNs);
  EXPECT_EQ(config->retries, kDefaultHealthRetries);
}

TEST(HealthConfig, FromJsonRejectsNegativeDurationNamingTheField) {
  auto config = HealthConfig::from_json({{"Test", {"CMD", "true"}}, {"Timeout", -5}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().what().find("Healthcheck.Timeout"), std::string::npos) << config.error().what();
}

TEST(HealthConfig, FromJsonRejectsDurationUnderOneMillisecond) {
  auto config = HealthConfig::from_json({{"Test", {"CMD", "true"}}, {"Interval", 999'999}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().what().find("1ms"), std::string::npos) << config.error().what();
}

TEST(HealthConfig, FromJsonRejectsNegativeRetries) {
  auto config = HealthConfig::from_json({{"Test", {"CMD", "true"}}, {"Retries", -1}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().what().find("Retries"), std::string::npos);
}

TEST(HealthConfig, FromJsonRejectsUnknownTestKind) {
  auto config = HealthConfig::from_json({{"Test", {"RUN", "true"}}});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().what().find("`RUN`"), std::string::npos) << config.error().what();
}

TEST(HealthConfig, FromJsonRejectsCmdWithoutCommand) {
  EXPECT_FALSE(HealthConfig::from_json({{"Test", {"CMD"}}}).ok());
  EXPECT_FALSE(HealthConfig::from_json({{"Test", {"CMD-SHELL", ""}}}).ok());
}

TEST(HealthConfig, EnabledNeedsATestThatIsNotNone) {
  HealthConfig config;
  EXPECT_FALSE(config.enabled());
  config.test = {"NONE"};
  EXPECT_FALSE(config.enabled());
  EXPECT_TRUE(config.argv().empty());
  config.test = {"CMD", "true"};
  EXPECT_TRUE(config.enabled());
}

TEST(HealthConfig, CmdArgvIsItsArgumentsWithoutAShell) {
  HealthConfig config;
  config.test = {"CMD", "/bin/check", "--port", "80"};
  EXPECT_EQ(config.argv(), (std::vector<std::string>{"/bin/check", "--port", "80"}));
}

TEST(HealthConfig, CmdShellArgvRunsThroughBinShDashC) {
  EXPECT_EQ(shell_check().argv(), (std::vector<std::string>{"/bin/sh", "-c", "curl -f http://localhost/"}));
}

TEST(MergeHealth, FlagsOverrideTheImageFieldByField) {
  HealthConfig image = shell_check();
  image.interval_ns = 10 * kSecond;
  image.retries = 5;
  HealthConfig flags = HealthConfig::unset();
  flags.interval_ns = 2 * kSecond;
  auto merged = merge_health(image, flags, false);
  EXPECT_EQ(merged.test, image.test);  // not given on the command line: inherited
  EXPECT_EQ(merged.interval_ns, 2 * kSecond);
  EXPECT_EQ(merged.retries, 5);
}

TEST(MergeHealth, FlagTestReplacesImageTest) {
  HealthConfig flags = HealthConfig::unset();
  flags.test = {"CMD", "/bin/other"};
  EXPECT_EQ(merge_health(shell_check(), flags, false).test, flags.test);
}

TEST(MergeHealth, FieldsSetInNeitherTakeDefaults) {
  HealthConfig image = HealthConfig::unset();
  image.test = {"CMD", "true"};
  auto merged = merge_health(image, HealthConfig::unset(), false);
  EXPECT_EQ(merged.interval_ns, kDefaultHealthIntervalNs);
  EXPECT_EQ(merged.timeout_ns, kDefaultHealthTimeoutNs);
  EXPECT_EQ(merged.start_period_ns, kDefaultHealthStartPeriodNs);
  EXPECT_EQ(merged.start_interval_ns, kDefaultHealthStartIntervalNs);
  EXPECT_EQ(merged.retries, kDefaultHealthRetries);
}

TEST(MergeHealth, NoHealthcheckDisablesEvenAnImageCheck) {
  auto merged = merge_health(shell_check(), HealthConfig::unset(), true);
  EXPECT_EQ(merged.test, std::vector<std::string>{"NONE"});
  EXPECT_FALSE(merged.enabled());
}

TEST(RecordProbe, SuccessMakesHealthyAndResetsTheStreak) {
  HealthState state;
  state.failing_streak = 2;
  record_probe(state, shell_check(), probe(0, "ok"), false);
  EXPECT_EQ(state.status, "healthy");
  EXPECT_EQ(state.failing_streak, 0);
}

TEST(RecordProbe, FailuresBecomeUnhealthyWhenTheStreakReachesRetries) {
  HealthState state;
  HealthConfig config = shell_check();  // retries 3
  record_probe(state, config, probe(1), false);
  record_probe(state, config, probe(1), false);
  EXPECT_EQ(state.status, "starting");
  EXPECT_EQ(state.failing_streak, 2);
  record_probe(state, config, probe(1), false);
  EXPECT_EQ(state.status, "unhealthy");
  EXPECT_EQ(state.failing_streak, 3);
}

TEST(RecordProbe, OneFailureAfterHealthyStaysHealthyWithAStreak) {
  HealthState state;
  record_probe(state, shell_check(), probe(0), false);
  record_probe(state, shell_check(), probe(2), false);
  EXPECT_EQ(state.status, "healthy");
  EXPECT_EQ(state.failing_streak, 1);
}

TEST(RecordProbe, ZeroRetriesMeansDockersThree) {
  HealthState state;
  HealthConfig config = shell_check();
  config.retries = 0;
  record_probe(state, config, probe(1), false);
  record_probe(state, config, probe(1), false);
  EXPECT_EQ(state.status, "starting");
  record_probe(state, config, probe(1), false);
  EXPECT_EQ(state.status, "unhealthy");
}

TEST(RecordProbe, FailuresDuringTheStartPeriodDoNotCount) {
  HealthState state;
  HealthConfig config = shell_check();
  config.retries = 1;
  record_probe(state, config, probe(1), true);
  record_probe(state, config, probe(1), true);
  EXPECT_EQ(state.status, "starting");
  EXPECT_EQ(state.failing_streak, 0);
  EXPECT_EQ(state.log.size(), 2u);  // still logged
}

TEST(RecordProbe, SuccessDuringTheStartPeriodMakesHealthy) {
  HealthState state;
  record_probe(state, shell_check(), probe(0), true);
  EXPECT_EQ(state.status, "healthy");
}

TEST(RecordProbe, StartPeriodNoLongerForgivesOnceHealthy) {
  HealthState state;
  HealthConfig config = shell_check();
  config.retries = 1;
  record_probe(state, config, probe(0), true);
  record_probe(state, config, probe(1), true);
  EXPECT_EQ(state.status, "unhealthy");
  EXPECT_EQ(state.failing_streak, 1);
}

TEST(RecordProbe, TimeoutIsAFailureWithDockersMessage) {
  HealthState state;
  HealthConfig config = shell_check();
  config.retries = 1;
  record_probe(state, config, probe(-1, describe_probe_timeout(config.timeout_ns)), false);
  EXPECT_EQ(state.status, "unhealthy");
  EXPECT_EQ(state.log.back().exit_code, -1);
  EXPECT_EQ(state.log.back().output, "Health check exceeded timeout (30s)");
}

TEST(RecordProbe, LogKeepsTheLastFiveProbes) {
  HealthState state;
  for (int i = 1; i <= 7; ++i) record_probe(state, shell_check(), probe(0, "run " + std::to_string(i)), false);
  ASSERT_EQ(state.log.size(), 5u);
  EXPECT_EQ(state.log.front().output, "run 3");
  EXPECT_EQ(state.log.back().output, "run 7");
}

TEST(RecordProbe, OutputIsCutAt4096BytesAndMarked) {
  HealthState state;
  record_probe(state, shell_check(), probe(0, std::string(10000, 'x')), false);
  EXPECT_EQ(state.log.back().output, std::string(4096, 'x') + "...");
  record_probe(state, shell_check(), probe(0, std::string(4096, 'y')), false);
  EXPECT_EQ(state.log.back().output, std::string(4096, 'y'));
}

TEST(NextProbeDelay, StartIntervalWhileStartingInTheStartPeriod) {
  HealthConfig config = shell_check();
  config.start_interval_ns = 2 * kSecond;
  EXPECT_EQ(next_probe_delay(HealthState{}, config, true), 2 * kSecond);
}

TEST(NextProbeDelay, IntervalAfterTheStartPeriodOrOnceHealthy) {
  HealthConfig config = shell_check();
  config.interval_ns = 7 * kSecond;
  HealthState starting;
  EXPECT_EQ(next_probe_delay(starting, config, false), 7 * kSecond);
  HealthState healthy;
  healthy.status = "healthy";
  EXPECT_EQ(next_probe_delay(healthy, config, true), 7 * kSecond);
}

TEST(HealthState, ToJsonUsesInspectNames) {
  HealthState state;
  record_probe(state, shell_check(), probe(1, "refused"), false);
  auto json = state.to_json();
  EXPECT_EQ(json["Status"], "starting");
  EXPECT_EQ(json["FailingStreak"], 1);
  ASSERT_EQ(json["Log"].size(), 1u);
  EXPECT_EQ(json["Log"][0]["Start"], "2024-05-01T10:00:00.000000001Z");
  EXPECT_EQ(json["Log"][0]["End"], "2024-05-01T10:00:00.5Z");
  EXPECT_EQ(json["Log"][0]["ExitCode"], 1);
  EXPECT_EQ(json["Log"][0]["Output"], "refused");
}

TEST(HealthState, FromJsonReadsBackToJson) {
  HealthState state;
  record_probe(state, shell_check(), probe(0, "fine"), false);
  record_probe(state, shell_check(), probe(3, "bad"), false);
  auto back = HealthState::from_json(state.to_json());
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(back->to_json(), state.to_json());
}

TEST(HealthState, FromJsonRejectsAnUnknownStatus) {
  auto state = HealthState::from_json({{"Status", "sick"}, {"FailingStreak", 0}, {"Log", nlohmann::json::array()}});
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.error().what().find("`sick`"), std::string::npos);
}

TEST(HealthState, FromJsonRejectsAMalformedLogEntry) {
  auto state = HealthState::from_json({{"Status", "healthy"}, {"Log", {{{"Start", "x"}, {"ExitCode", "0"}}}}});
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.error().what().find("State.Health.Log"), std::string::npos);
}

TEST(ProbeTimeout, MessageAddsTheOutputSoFar) {
  EXPECT_EQ(describe_probe_timeout(3 * kSecond, "half a line"), "Health check exceeded timeout (3s): half a line");
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(format_go_duration(0), "0s");
  EXPECT_EQ(format_go_duration(30 * kSecond), "30s");
  EXPECT_EQ(format_go_duration(90 * kSecond), "1m30s");
  EXPECT_EQ(format_go_duration(3600 * kSecond), "1h0m0s");
  EXPECT_EQ(format_go_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_go_duration(500'000'000), "500ms");
  EXPECT_EQ(format_go_duration(1'500), "1.5\u00b5s");
  EXPECT_EQ(format_go_duration(42), "42ns");
  EXPECT_EQ(format_go_duration(-2 * kSecond), "-2s");
}

}  // namespace
}  // namespace minirun::engine
