// Flag values read and written as Docker does: sizes, durations, CPUs, KEY=VALUE.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "miniswarm/cli/flag_parsing.hpp"

namespace miniswarm::cli {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

int64_t size_of(const char* text) {
  auto bytes = parse_size("--limit-memory", text);
  EXPECT_TRUE(bytes.ok()) << text << ": " << (bytes.ok() ? "" : bytes.error().what());
  return bytes.ok() ? *bytes : -1;
}

int64_t ms_of(const char* text) {
  auto ms = parse_duration("--restart-delay", text);
  EXPECT_TRUE(ms.ok()) << text << ": " << (ms.ok() ? "" : ms.error().what());
  return ms.ok() ? *ms : -1;
}

TEST(ParseSize, UnitsAreBinaryMultiples) {
  EXPECT_EQ(size_of("64m"), 64 * kMiB);
  EXPECT_EQ(size_of("512k"), 512 * 1024);
  EXPECT_EQ(size_of("1g"), 1024 * kMiB);
  EXPECT_EQ(size_of("2t"), int64_t{2} << 40);
}

TEST(ParseSize, AcceptsDockersSpellings) {
  EXPECT_EQ(size_of("64M"), 64 * kMiB);
  EXPECT_EQ(size_of("64MiB"), 64 * kMiB);
  EXPECT_EQ(size_of("64mb"), 64 * kMiB);
  EXPECT_EQ(size_of("64 m"), 64 * kMiB);
  EXPECT_EQ(size_of("100"), 100);
  EXPECT_EQ(size_of("100b"), 100);
}

TEST(ParseSize, FractionsScaleTheUnit) {
  EXPECT_EQ(size_of("1.5g"), 1536 * kMiB);
}

TEST(ParseSize, ErrorNamesTheFlagAndAValueThatWorks) {
  auto bytes = parse_size("--reserve-memory", "12q");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().what(), "--reserve-memory: `12q` is not a size (try 64m, 512k or 1g)");
}

TEST(ParseSize, RefusesNegativeEmptyAndUnitOnly) {
  EXPECT_FALSE(parse_size("--limit-memory", "-64m").ok());
  EXPECT_FALSE(parse_size("--limit-memory", "").ok());
  EXPECT_FALSE(parse_size("--limit-memory", "m").ok());
  EXPECT_FALSE(parse_size("--limit-memory", "64mm").ok());
}

TEST(ParseSize, OverflowIsAnErrorNotAWrap) {
  auto bytes = parse_size("--limit-memory", "99999999999p");
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.error().what().find("too large"), std::string::npos);
}

TEST(ParseDuration, ReadsGoDurations) {
  EXPECT_EQ(ms_of("500ms"), 500);
  EXPECT_EQ(ms_of("5s"), 5000);
  EXPECT_EQ(ms_of("1m30s"), 90'000);
  EXPECT_EQ(ms_of("2h"), 7'200'000);
  EXPECT_EQ(ms_of("1.5s"), 1500);
  EXPECT_EQ(ms_of("1.5h"), 5'400'000);
  EXPECT_EQ(ms_of("1h30m"), 5'400'000);
  EXPECT_EQ(ms_of("0"), 0);
  EXPECT_EQ(ms_of("+2s"), 2000);
}

TEST(ParseDuration, SubMillisecondPartsAreDropped) {
  EXPECT_EQ(ms_of("1500us"), 1);
  EXPECT_EQ(ms_of("999999ns"), 0);
  EXPECT_EQ(ms_of("2000\xC2\xB5s"), 2);  // µs, as Go accepts it
}

TEST(ParseDuration, BareNumberAsksForAUnit) {
  auto ms = parse_duration("--restart-delay", "5");
  ASSERT_FALSE(ms.ok());
  EXPECT_EQ(ms.error().what(),
            "--restart-delay: `5` has no unit (try 5s; units: ns, us, ms, s, m, h)");
}

TEST(ParseDuration, UnknownUnitIsNamed) {
  auto ms = parse_duration("--restart-window", "5d");
  ASSERT_FALSE(ms.ok());
  EXPECT_NE(ms.error().what().find("--restart-window: `5d`: unknown unit `d`"), std::string::npos);
}

TEST(ParseDuration, RefusesNegativeEmptyAndGarbage) {
  EXPECT_FALSE(parse_duration("--timeout", "-5s").ok());
  EXPECT_FALSE(parse_duration("--timeout", "").ok());
  EXPECT_FALSE(parse_duration("--timeout", "abc").ok());
  EXPECT_FALSE(parse_duration("--timeout", ".s").ok());
  EXPECT_FALSE(parse_duration("--timeout", "5s3").ok());
}

TEST(ParseDuration, TooLongIsAnError) {
  EXPECT_FALSE(parse_duration("--timeout", "9999999999999h").ok());
}

TEST(ParseNanoCpus, DecimalCpusBecomeNanoCpus) {
  EXPECT_EQ(*parse_nano_cpus("--reserve-cpu", "0.5"), 500'000'000);
  EXPECT_EQ(*parse_nano_cpus("--reserve-cpu", "2"), 2'000'000'000);
  EXPECT_EQ(*parse_nano_cpus("--reserve-cpu", "1.25"), 1'250'000'000);
  EXPECT_EQ(*parse_nano_cpus("--reserve-cpu", ".5"), 500'000'000);
  EXPECT_EQ(*parse_nano_cpus("--reserve-cpu", "0.000000001"), 1);
}

TEST(ParseNanoCpus, MoreThanNineDecimalsIsTooPrecise) {
  auto cpus = parse_nano_cpus("--limit-cpu", "0.0000000001");
  ASSERT_FALSE(cpus.ok());
  EXPECT_NE(cpus.error().what().find("--limit-cpu: `0.0000000001` is too precise"),
            std::string::npos);
  EXPECT_EQ(*parse_nano_cpus("--limit-cpu", "0.5000000000"),
            500'000'000);  // zeros are not precision
}

TEST(ParseNanoCpus, RefusesNegativeAndGarbage) {
  EXPECT_FALSE(parse_nano_cpus("--limit-cpu", "-1").ok());
  EXPECT_FALSE(parse_nano_cpus("--limit-cpu", "half").ok());
  EXPECT_FALSE(parse_nano_cpus("--limit-cpu", ".").ok());
  EXPECT_FALSE(parse_nano_cpus("--limit-cpu", "").ok());
  EXPECT_FALSE(parse_nano_cpus("--limit-cpu", "1e9").ok());
}

TEST(ParseCount, OnlyWholeNumbersAtLeastZero) {
  EXPECT_EQ(*parse_count("--replicas", "3"), 3u);
  EXPECT_EQ(*parse_count("--replicas", "0"), 0u);
  for (const char* bad : {"-1", "3.5", "x", "", " 3"}) {
    auto n = parse_count("--replicas", bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_NE(n.error().what().find("--replicas: `"), std::string::npos);
  }
}

TEST(ParseKeyValue, SplitsAtTheFirstEquals) {
  auto pair = parse_key_value("--label", "url=a=b");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->first, "url");
  EXPECT_EQ(pair->second, "a=b");
}

TEST(ParseKeyValue, KeyAloneHasAnEmptyValue) {
  auto pair = parse_key_value("--label", "edge");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->first, "edge");
  EXPECT_EQ(pair->second, "");
}

TEST(ParseKeyValue, EmptyKeyIsAnErrorNamingTheFlag) {
  auto pair = parse_key_value("--label-add", "=x");
  ASSERT_FALSE(pair.ok());
  EXPECT_EQ(pair.error().what(), "--label-add: `=x` has no key (use KEY=VALUE)");
}

TEST(ParseLabels, LaterKeyWins) {
  auto labels = parse_labels("--label", {"a=1", "b=2", "a=3"});
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(*labels, (std::map<std::string, std::string>{{"a", "3"}, {"b", "2"}}));
}

TEST(ParseEnv, KeyValuePassesThrough) {
  EXPECT_EQ(*parse_env("--env", "GREETING=hi there"), "GREETING=hi there");
}

TEST(ParseEnv, KeyAloneCopiesOurEnvironment) {
  ::setenv("MINISWARM_CLI_TEST_VAR", "copied", 1);
  EXPECT_EQ(*parse_env("--env", "MINISWARM_CLI_TEST_VAR"), "MINISWARM_CLI_TEST_VAR=copied");
  ::unsetenv("MINISWARM_CLI_TEST_VAR");
}

TEST(ParseEnv, KeyAloneNotInOurEnvironmentIsAnError) {
  ::unsetenv("MINISWARM_CLI_TEST_UNSET");
  auto env = parse_env("--env", "MINISWARM_CLI_TEST_UNSET");
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().what().find("use MINISWARM_CLI_TEST_UNSET=value"), std::string::npos);
  EXPECT_FALSE(parse_env("--env", "=x").ok());
}

TEST(ParseScaleTarget, ReadsServiceEqualsReplicas) {
  auto target = parse_scale_target("web=3");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->first, "web");
  EXPECT_EQ(target->second, 3u);
}

TEST(ParseScaleTarget, MissingOrBadCountIsAnError) {
  auto missing = parse_scale_target("web");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().what().find("try web=3"), std::string::npos);
  EXPECT_FALSE(parse_scale_target("web=x").ok());
  EXPECT_FALSE(parse_scale_target("=3").ok());
}

TEST(ParseChoice, ErrorListsTheAllowedNames) {
  EXPECT_EQ(*parse_choice<NodeAvailability>("--availability", "drain", "active, pause, drain"),
            NodeAvailability::kDrain);
  auto bad = parse_choice<NodeAvailability>("--availability", "off", "active, pause, drain");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().what(), "--availability: `off` is not one of active, pause, drain");
}

TEST(FormatDuration, WritesGoDurationStrings) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(500), "500ms");
  EXPECT_EQ(format_duration(5000), "5s");
  EXPECT_EQ(format_duration(1500), "1.5s");
  EXPECT_EQ(format_duration(90'000), "1m30s");
  EXPECT_EQ(format_duration(60'000), "1m0s");
  EXPECT_EQ(format_duration(3'600'000), "1h0m0s");
}

TEST(FormatDuration, ParsesBackToTheSameValue) {
  for (int64_t ms : {1, 999, 1000, 1001, 59'999, 61'500, 3'723'004}) {
    auto back = parse_duration("--x", format_duration(ms));
    ASSERT_TRUE(back.ok()) << format_duration(ms);
    EXPECT_EQ(*back, ms);
  }
}

TEST(FormatSize, WritesBinaryUnitsWithFourDigits) {
  EXPECT_EQ(format_size(64 * kMiB), "64MiB");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(1536), "1.5KiB");
  EXPECT_EQ(format_size(2047 * kMiB), "1.999GiB");
}

TEST(FormatNanoCpus, WritesDecimalCpus) {
  EXPECT_EQ(format_nano_cpus(500'000'000), "0.5");
  EXPECT_EQ(format_nano_cpus(2'000'000'000), "2");
  EXPECT_EQ(format_nano_cpus(1'250'000'000), "1.25");
  EXPECT_EQ(format_nano_cpus(0), "0");
}

}  // namespace
}  // namespace miniswarm::cli
