// Container logs in Docker's json-file format: reading (tail, since/until, streams,
// corrupt lines), the time forms of --since/--until, and following with -f.
#include "minirun/engine/json_log.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "minirun/sys/file.hpp"
#include "tests/unit/engine/json_log_test_support.hpp"

namespace minirun::engine {
namespace {

using namespace log_test;

TEST(JsonLogRead, MissingLogIsEmpty) {
  TempDir dir;
  auto entries = read_log(dir.file("never-written.json"), {});
  ASSERT_TRUE(entries.ok()) << entries.error().what();
  EXPECT_TRUE(entries->empty());
}

TEST(JsonLogRead, TailTakesTheLastLinesAcrossRotatedFiles) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path, LogOptions{.max_size = 200, .max_files = 100});  // about two lines a file
  write_numbered_lines(writer, 30);
  EXPECT_EQ(logs_of(read_all(path, LogQuery{.tail = 5})), numbered_lines(25, 30));
}

TEST(JsonLogRead, TailZeroIsNothingAndNegativeIsEverything) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path);
  write_numbered_lines(writer, 4);
  EXPECT_TRUE(read_all(path, LogQuery{.tail = 0}).empty());
  EXPECT_EQ(read_all(path, LogQuery{.tail = -1}).size(), 4u);
}

TEST(JsonLogRead, SinceAndUntilKeepAnInclusiveTimeWindow) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  std::string text;
  for (int second = 1; second <= 5; ++second) {
    text += record("at " + std::to_string(second) + "\n", "stdout",
                   "2026-11-28T05:12:0" + std::to_string(second) + ".000000000Z");
  }
  ASSERT_TRUE(sys::write_file(path, text).ok());
  const int64_t base = 1795842720 * kSecond;  // 2026-11-28T05:12:00Z
  auto window = read_all(path, LogQuery{.since_ns = base + 2 * kSecond, .until_ns = base + 4 * kSecond});
  EXPECT_EQ(logs_of(window), (std::vector<std::string>{"at 2\n", "at 3\n", "at 4\n"}));
}

TEST(JsonLogRead, StreamFilterKeepsOnlyTheChosenStream) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path);
  ASSERT_TRUE(writer.write("stdout", "out 1\n").ok());
  ASSERT_TRUE(writer.write("stderr", "err 1\n").ok());
  ASSERT_TRUE(writer.write("stdout", "out 2\n").ok());
  EXPECT_EQ(logs_of(read_all(path, LogQuery{.stdout_ = false})), (std::vector<std::string>{"err 1\n"}));
  EXPECT_EQ(logs_of(read_all(path, LogQuery{.stderr_ = false})), (std::vector<std::string>{"out 1\n", "out 2\n"}));
}

TEST(JsonLogRead, TailCountsOnlyTheChosenStream) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path);
  ASSERT_TRUE(writer.write("stderr", "err 1\n").ok());
  ASSERT_TRUE(writer.write("stdout", "out 1\nout 2\n").ok());
  EXPECT_EQ(logs_of(read_all(path, LogQuery{.tail = 1, .stdout_ = false})), (std::vector<std::string>{"err 1\n"}));
}

TEST(JsonLogRead, CorruptLinesAreSkippedAndCounted) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  const std::string time = "2026-11-28T05:12:01.000000000Z";
  std::string text = record("first\n", "stdout", time);
  text += "{\"log\":\"half a reco\n";                                      // killed mid-write
  text += "not json at all\n";                                              // garbage
  text += "{\"log\":\"x\\n\",\"stream\":\"stdout\"}\n";                    // no time
  text += record("bad time\n", "stdout", "yesterday");                      // unreadable time
  text += record("bad stream\n", "stdin", time);                            // unknown stream
  text += record("second\n", "stderr", time);
  text += "{\"log\":\"unfinished";                                          // no newline at the end
  ASSERT_TRUE(sys::write_file(path, text).ok());
  LogReadStats stats;
  auto entries = read_log(path, {}, &stats);
  ASSERT_TRUE(entries.ok()) << entries.error().what();
  EXPECT_EQ(logs_of(*entries), (std::vector<std::string>{"first\n", "second\n"}));
  EXPECT_EQ(stats.corrupt_lines, 6);
}

// ---- time ----------------------------------------------------------------------------

TEST(JsonLogTime, FormatIsUtcWithNineFractionalDigits) {
  EXPECT_EQ(format_log_time(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_log_time(1700000000123456789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(format_log_time(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_log_time(1709208000'000000000), "2024-02-29T12:00:00.000000000Z");  // a leap day
  EXPECT_EQ(format_log_time(-86401'000000000), "1969-12-30T23:59:59.000000000Z");
}

TEST(JsonLogTime, FormattedTimesParseBackExactly) {
  for (int64_t ns : {int64_t{0}, int64_t{1795842721'000000001}, int64_t{1700000000'123456789}}) {
    EXPECT_EQ(parse_rfc3339(format_log_time(ns)), std::optional<int64_t>(ns)) << ns;
  }
}

TEST(JsonLogTime, RecordTimesMustBeComplete) {
  EXPECT_FALSE(parse_rfc3339("2026-11-28").has_value());
  EXPECT_FALSE(parse_rfc3339("2026-11-28T05:12:01").has_value());  // no zone
  EXPECT_FALSE(parse_rfc3339("2026-11-28T05:12Z").has_value());     // no seconds
  EXPECT_EQ(parse_rfc3339("2026-11-28T05:12:01.5Z"), std::optional<int64_t>(1795842721 * kSecond + kSecond / 2));
}

TEST(JsonLogTime, FormatEntryPrefixesTheTimeOnRequest) {
  LogEntry entry{.stream = "stdout", .log = "hello\n", .time = "2023-11-14T22:13:20.1Z",
                 .time_ns = 1700000000'100000000};
  EXPECT_EQ(format_entry(entry, false), "hello\n");
  EXPECT_EQ(format_entry(entry, true), "2023-11-14T22:13:20.100000000Z hello\n");
}

// ---- --since / --until ---------------------------------------------------------------

constexpr int64_t kNow = 1800000000 * kSecond;

int64_t parse_ok(std::string_view text) {
  auto ns = parse_log_time(text, "--since", kNow);
  EXPECT_TRUE(ns.ok()) << text << ": " << ns.error().what();
  return ns.ok() ? *ns : 0;
}

TEST(ParseLogTime, Rfc3339WithZoneFractionAndOffset) {
  const int64_t at = 1795842721 * kSecond;  // 2026-11-28T05:12:01Z
  EXPECT_EQ(parse_ok("2026-11-28T05:12:01Z"), at);
  EXPECT_EQ(parse_ok("2026-11-28T05:12:01.5Z"), at + kSecond / 2);
  EXPECT_EQ(parse_ok("2026-11-28T05:12:01.123456789Z"), at + 123456789);
  EXPECT_EQ(parse_ok("2026-11-28T06:12:01+01:00"), at);
  EXPECT_EQ(parse_ok("2026-11-28T00:42:01-04:30"), at);
  EXPECT_EQ(parse_ok("2026-11-28Z"), 1795824000 * kSecond);
}

TEST(ParseLogTime, FormsWithoutAZoneAreLocalTime) {
  // Whatever the local zone, the forms must agree with each other and with mktime(3).
  std::tm midnight{};
  midnight.tm_year = 2026 - 1900;
  midnight.tm_mon = 10;
  midnight.tm_mday = 28;
  midnight.tm_isdst = -1;
  const int64_t local_midnight = static_cast<int64_t>(mktime(&midnight)) * kSecond;
  EXPECT_EQ(parse_ok("2026-11-28"), local_midnight);
  EXPECT_EQ(parse_ok("2026-11-28T05"), local_midnight + 5 * 3600 * kSecond);
  EXPECT_EQ(parse_ok("2026-11-28T05:12"), local_midnight + (5 * 3600 + 12 * 60) * kSecond);
  EXPECT_EQ(parse_ok("2026-11-28T05:12:01.25"), local_midnight + (5 * 3600 + 12 * 60 + 1) * kSecond + kSecond / 4);
}

TEST(ParseLogTime, UnixSecondsWithOptionalFraction) {
  EXPECT_EQ(parse_ok("1700000000"), 1700000000 * kSecond);
  EXPECT_EQ(parse_ok("1700000000.5"), 1700000000 * kSecond + kSecond / 2);
  EXPECT_EQ(parse_ok("1700000000.000000001"), 1700000000 * kSecond + 1);
  EXPECT_EQ(parse_ok("0"), 0);
}

TEST(ParseLogTime, GoDurationsCountBackFromNow) {
  EXPECT_EQ(parse_ok("45s"), kNow - 45 * kSecond);
  EXPECT_EQ(parse_ok("10m"), kNow - 600 * kSecond);
  EXPECT_EQ(parse_ok("1h30m"), kNow - 5400 * kSecond);
  EXPECT_EQ(parse_ok("1.5h"), kNow - 5400 * kSecond);
  EXPECT_EQ(parse_ok("300ms"), kNow - 300'000'000);
  EXPECT_EQ(parse_ok("2h45m30.5s"), kNow - (2 * 3600 + 45 * 60 + 30) * kSecond - kSecond / 2);
}

TEST(ParseLogTime, ErrorsNameTheFlagAndTheValue) {
  for (std::string_view bad : {"yesterday", "10x", "1h30", "-10m", "1700000000.", "2026-11-28T5", "2026-11-28 05:12"}) {
    auto ns = parse_log_time(bad, "--until", kNow);
    ASSERT_FALSE(ns.ok()) << bad;
    EXPECT_NE(ns.error().what().find("--until"), std::string::npos) << ns.error().what();
    EXPECT_NE(ns.error().what().find("`" + std::string(bad) + "`"), std::string::npos) << ns.error().what();
  }
  auto empty = parse_log_time("", "--since", kNow);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().what().find("--since"), std::string::npos) << empty.error().what();
}

TEST(ParseLogTime, DatesThatDoNotExistAreRefused) {
  for (std::string_view bad : {"2026-13-01", "2026-02-29", "2026-11-31", "2026-11-28T24:00:00Z",
                               "2026-11-28T05:60:00Z", "2026-11-28T05:12:01+25:00"}) {
    auto ns = parse_log_time(bad, "--since", kNow);
    ASSERT_FALSE(ns.ok()) << bad;
    EXPECT_NE(ns.error().what().find("--since"), std::string::npos) << ns.error().what();
  }
  EXPECT_TRUE(parse_log_time("2028-02-29", "--since", kNow).ok());  // a leap year
}

TEST(ParseLogTime, ValuesBeyondNanosecondRangeAreRefused) {
  EXPECT_FALSE(parse_log_time("99999999999", "--since", kNow).ok());
  EXPECT_FALSE(parse_log_time("3000-01-01T00:00:00Z", "--since", kNow).ok());
  EXPECT_FALSE(parse_log_time("9999999999h", "--since", kNow).ok());
}

// ---- following -----------------------------------------------------------------------

/// Runs follow_log until `done` is set (and the log drained); returns what it saw.
struct Follower {
  std::vector<std::string> seen;
  Result<void> result = sys::ok();
  std::atomic<bool> done{false};
  std::thread thread;

  void start(const std::string& path, LogQuery query = {}) {
    thread = std::thread([this, path, query] {
      result = follow_log(
          path, query,
          [this](const LogEntry& entry) {
            seen.push_back(entry.log);
            return true;
          },
          [this] { return !done.load(); });
    });
  }
  void stop() {
    done = true;
    thread.join();
  }
};

TEST(JsonLogFollow, SeesOldLinesThenLinesWrittenByAnotherThread) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path);
  write_numbered_lines(writer, 3);
  Follower follower;
  follower.start(path);
  for (int i = 3; i < 20; ++i) {
    ASSERT_TRUE(writer.write("stdout", "line " + std::to_string(i) + "\n").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  follower.stop();
  ASSERT_TRUE(follower.result.ok()) << follower.result.error().what();
  EXPECT_EQ(follower.seen, numbered_lines(0, 20));
}

TEST(JsonLogFollow, FollowsTheLogAcrossRotation) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path, LogOptions{.max_size = 250, .max_files = 2});  // about three lines a file
  Follower follower;
  follower.start(path, LogQuery{.tail = 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let it start watching
  for (int i = 0; i < 24; ++i) {
    ASSERT_TRUE(writer.write("stdout", "line " + std::to_string(i) + "\n").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
  follower.stop();
  ASSERT_TRUE(follower.result.ok()) << follower.result.error().what();
  ASSERT_TRUE(sys::path_exists(path + ".1"));  // rotation really happened
  EXPECT_EQ(follower.seen, numbered_lines(0, 24));
}

TEST(JsonLogFollow, WaitsForTheLogToBeCreated) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  Follower follower;
  follower.start(path);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto writer = open_writer(path);
  ASSERT_TRUE(writer.write("stdout", "first words\n").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  follower.stop();
  ASSERT_TRUE(follower.result.ok()) << follower.result.error().what();
  EXPECT_EQ(follower.seen, (std::vector<std::string>{"first words\n"}));
}

TEST(JsonLogFollow, AsksKeepGoingAtLeastEvery200msAndStopsWhenItSaysNo) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path);
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> calls;
  auto start = Clock::now();
  auto result = follow_log(
      path, {}, [](const LogEntry&) { return true; },
      [&] {
        calls.push_back(Clock::now());
        return calls.size() < 4;
      });
  ASSERT_TRUE(result.ok()) << result.error().what();
  ASSERT_EQ(calls.size(), 4u);  // returned at the first "no"
  for (size_t i = 1; i < calls.size(); ++i) {
    // 200 ms of poll plus scheduling slack on a busy machine.
    EXPECT_LT(calls[i] - calls[i - 1], std::chrono::milliseconds(400));
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST(JsonLogFollow, StopsWhenOnEntryReturnsFalse) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path);
  write_numbered_lines(writer, 5);
  int delivered = 0;
  int keep_going_calls = 0;
  auto result = follow_log(
      path, {},
      [&](const LogEntry&) { return ++delivered < 2; },
      [&] { return ++keep_going_calls < 20; });  // a backstop: 20 calls is about 4 s
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(delivered, 2);
  EXPECT_EQ(keep_going_calls, 0);
}

TEST(JsonLogFollow, AppliesStreamAndSinceFiltersToNewLines) {
  TempDir dir;
  const std::string path = dir.file("log.json");
  auto writer = open_writer(path);
  Follower follower;
  follower.start(path, LogQuery{.since_ns = now_ns() - 60 * kSecond, .stdout_ = false});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(writer.write("stdout", "to stdout\n").ok());
  ASSERT_TRUE(writer.write("stderr", "to stderr\n").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  follower.stop();
  ASSERT_TRUE(follower.result.ok()) << follower.result.error().what();
  EXPECT_EQ(follower.seen, (std::vector<std::string>{"to stderr\n"}));
}

}  // namespace
}  // namespace minirun::engine
