// go-units HumanDuration, as `docker service ps` ages its CURRENT STATE column.
#include <gtest/gtest.h>

#include "miniswarm/cli/human_duration.hpp"

namespace miniswarm::cli {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

TEST(HumanDuration, SecondsAreTruncated) {
  EXPECT_EQ(human_duration(999), "Less than a second");
  EXPECT_EQ(human_duration(1 * kSecond), "1 second");
  EXPECT_EQ(human_duration(1999), "1 second");
  EXPECT_EQ(human_duration(5 * kSecond), "5 seconds");
  EXPECT_EQ(human_duration(59 * kSecond + 999), "59 seconds");
}

TEST(HumanDuration, MinutesFromSixtySeconds) {
  EXPECT_EQ(human_duration(60 * kSecond), "About a minute");
  EXPECT_EQ(human_duration(119 * kSecond), "About a minute");
  EXPECT_EQ(human_duration(2 * kMinute), "2 minutes");
  EXPECT_EQ(human_duration(59 * kMinute), "59 minutes");
}

TEST(HumanDuration, HoursAreRoundedToTheNearest) {
  EXPECT_EQ(human_duration(60 * kMinute), "About an hour");
  EXPECT_EQ(human_duration(89 * kMinute), "About an hour");
  EXPECT_EQ(human_duration(90 * kMinute), "2 hours");
  EXPECT_EQ(human_duration(47 * kHour), "47 hours");
}

TEST(HumanDuration, DaysWeeksMonthsYears) {
  EXPECT_EQ(human_duration(48 * kHour), "2 days");
  EXPECT_EQ(human_duration(13 * kDay), "13 days");
  EXPECT_EQ(human_duration(14 * kDay), "2 weeks");
  EXPECT_EQ(human_duration(60 * kDay), "2 months");
  EXPECT_EQ(human_duration(800 * kDay), "2 years");
}

TEST(HumanDuration, AClockAheadOfOursCountsAsNow) {
  EXPECT_EQ(human_duration(-5 * kSecond), "Less than a second");
}

TEST(TaskStateAge, CapitalisedStateThenLowerCasedAge) {
  TaskStatus status;
  status.state = TaskState::kRunning;
  status.timestamp_ms = 1'000'000;
  EXPECT_EQ(task_state_age(status, 1'000'000 + 5 * kSecond), "Running 5 seconds ago");
  EXPECT_EQ(task_state_age(status, 1'000'000 + 70 * kSecond), "Running about a minute ago");
  status.state = TaskState::kPending;
  EXPECT_EQ(task_state_age(status, 1'000'000 + 200), "Pending less than a second ago");
}

}  // namespace
}  // namespace miniswarm::cli
