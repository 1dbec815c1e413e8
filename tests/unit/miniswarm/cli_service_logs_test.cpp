// `miniswarm service logs` without a swarm (service_logs.hpp): Docker's line format and
// flags, the --since forms, and the command against a fake manager that streams events.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>

#include "miniswarm/cli/service_logs.hpp"
#include "tests/unit/miniswarm/cli_fake_manager.hpp"

namespace miniswarm::cli {
namespace {

using testing_support::FakeManager;

constexpr int64_t kSecond = 1'000'000'000;
const std::string kTaskId = "k2j4xyz0abcdefghijklmnopq";  // 25 characters, like Swarm's

LogLineFormatter formatter_with_tasks(ServiceLogsOptions options) {
  LogLineFormatter f(std::move(options));
  f.set_tasks({{kTaskId, "web.1", "node-2"}, {"zzzzzzzzzzzzzzzzzzzzzzzzz", "web.10", "node-10"}});
  return f;
}

LogMessage message(const std::string& task, const std::string& line, const std::string& stream = "stdout") {
  return LogMessage{task, "n", stream, 1'700'000'000 * kSecond + 5, line};
}

// ---- format ----------------------------------------------------------------------

TEST(ServiceLogsFormat, PrefixIsTaskNameShortIdAndNode) {
  auto f = formatter_with_tasks({});
  EXPECT_EQ(f.prefix(kTaskId), "web.1.k2j4xyz0abcd@node-2");
}

TEST(ServiceLogsFormat, NoTaskIdsDropsTheId) {
  auto f = formatter_with_tasks({.no_task_ids = true});
  EXPECT_EQ(f.prefix(kTaskId), "web.1@node-2");
}

TEST(ServiceLogsFormat, NoTruncKeepsTheWholeId) {
  auto f = formatter_with_tasks({.no_trunc = true});
  EXPECT_EQ(f.prefix(kTaskId), "web.1." + kTaskId + "@node-2");
}

TEST(ServiceLogsFormat, PrefixesArePaddedToOneColumn) {
  auto f = formatter_with_tasks({});
  std::string a = f.line(message(kTaskId, "hello"));
  std::string b = f.line(message("zzzzzzzzzzzzzzzzzzzzzzzzz", "world"));
  EXPECT_EQ(a, "web.1.k2j4xyz0abcd@node-2      | hello\n");
  EXPECT_EQ(a.find('|'), b.find('|'));
}

TEST(ServiceLogsFormat, RawPrintsTheLineAlone) {
  auto f = formatter_with_tasks({.raw = true});
  EXPECT_EQ(f.line(message(kTaskId, "hello")), "hello\n");
}

TEST(ServiceLogsFormat, TimestampsComeFirstWithNineDigits) {
  auto f = formatter_with_tasks({.timestamps = true, .raw = true});
  EXPECT_EQ(f.line(message(kTaskId, "hello")), "2023-11-14T22:13:20.000000005Z hello\n");
}

TEST(ServiceLogsFormat, TheEpochFormatsAsRfc3339Nano) {
  EXPECT_EQ(format_log_timestamp(0), "1970-01-01T00:00:00.000000000Z");
}

// ---- flags -----------------------------------------------------------------------

TEST(ServiceLogsFlags, SinceTakesRfc3339InUtc) {
  EXPECT_EQ(*parse_since("2023-11-14T22:13:20Z", 0), 1'700'000'000 * kSecond);
  EXPECT_EQ(*parse_since("2023-11-14T22:13:20.5Z", 0), 1'700'000'000 * kSecond + kSecond / 2);
}

TEST(ServiceLogsFlags, SinceHonoursAZoneOffset) {
  EXPECT_EQ(*parse_since("2023-11-14T23:13:20+01:00", 0), 1'700'000'000 * kSecond);
}

TEST(ServiceLogsFlags, SinceTakesUnixSeconds) {
  EXPECT_EQ(*parse_since("1700000000.25", 0), 1'700'000'000 * kSecond + kSecond / 4);
}

TEST(ServiceLogsFlags, SinceTakesADurationBeforeNow) {
  EXPECT_EQ(*parse_since("10m", 1000 * kSecond), 400 * kSecond);
}

TEST(ServiceLogsFlags, ADateAloneIsLocalMidnight) {
  auto since = parse_since("2023-11-14", 0);
  ASSERT_TRUE(since.ok());
  struct tm tm {};
  tm.tm_year = 123, tm.tm_mon = 10, tm.tm_mday = 14, tm.tm_isdst = -1;
  EXPECT_EQ(*since, static_cast<int64_t>(::mktime(&tm)) * kSecond);
}

TEST(ServiceLogsFlags, ABadSinceNamesTheFlag) {
  auto since = parse_since("yesterday", 0);
  ASSERT_FALSE(since.ok());
  EXPECT_NE(since.error().what().find("--since"), std::string::npos) << since.error().what();
}

TEST(ServiceLogsFlags, TailAllAddsNothingToTheQuery) {
  EXPECT_EQ(*logs_query({}, 0), "");
}

TEST(ServiceLogsFlags, QueryCarriesTailSinceAndFollow) {
  ServiceLogsOptions o{.follow = true, .tail = "10", .since = "1700000000"};
  EXPECT_EQ(*logs_query(o, 0), "?tail=10&since=1700000000000000000&follow=1");
}

TEST(ServiceLogsFlags, ANegativeTailMeansAllAsInDocker) {
  EXPECT_EQ(*logs_query({.tail = "-1"}, 0), "");
}

TEST(ServiceLogsFlags, ATailThatIsNotANumberNamesTheFlag) {
  auto q = logs_query({.tail = "ten"}, 0);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().what().find("--tail"), std::string::npos) << q.error().what();
}

// ---- the command against a fake manager -------------------------------------------

/// A route that streams `lines` (each a LogEvent) and ends.
FakeManager::Handler stream_of(std::vector<LogEvent> events) {
  return [events](const httplib::Request&, httplib::Response& res) {
    std::string body;
    for (const auto& e : events) body += log_event_line(e);
    res.set_chunked_content_provider("application/x-ndjson", [body](size_t, httplib::DataSink& sink) {
      sink.write(body.data(), body.size());
      sink.done();
      return true;
    });
  };
}

LogEvent tasks_event() {
  LogEvent e;
  e.tasks = {{kTaskId, "web.1", "node-2"}};
  return e;
}

LogEvent line_event(const std::string& line, const std::string& stream = "stdout") {
  LogEvent e;
  e.message = message(kTaskId, line, stream);
  return e;
}

TEST(ServiceLogsCommand, LinesGoToTheirStreamAndWarningsToStderr) {
  FakeManager fake;
  fake.get(R"(/v1/services/web/logs)",
           stream_of({tasks_event(), line_event("hello"), line_event("oops", "stderr"),
                      LogEvent{.warning = "node-3 did not send its logs (node is down)"}}));
  ASSERT_TRUE(fake.start());
  std::ostringstream out, err;
  auto done = service_logs(fake.state_dir() + "/manager.sock", "web", {}, out, err);
  ASSERT_TRUE(done.ok()) << done.error().what();
  EXPECT_EQ(out.str(), "web.1.k2j4xyz0abcd@node-2    | hello\n");
  EXPECT_EQ(err.str(),
            "web.1.k2j4xyz0abcd@node-2    | oops\nwarning: node-3 did not send its logs (node is down)\n");
}

TEST(ServiceLogsCommand, FlagsReachTheManagerAsAQuery) {
  FakeManager fake;
  fake.get(R"(/v1/services/web/logs)", stream_of({tasks_event()}));
  ASSERT_TRUE(fake.start());
  std::ostringstream out, err;
  ASSERT_TRUE(service_logs(fake.state_dir() + "/manager.sock", "web", {.tail = "3"}, out, err).ok());
  auto seen = fake.requests("GET");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].query, "tail=3");
}

TEST(ServiceLogsCommand, ATaskIdIsTriedWhenNoServiceHasThatName) {
  FakeManager fake;
  fake.get(R"(/v1/services/([^/]+)/logs)", FakeManager::reply({{"message", "service `k2j4` not found"}}, 404));
  fake.get(R"(/v1/tasks/k2j4/logs)", stream_of({tasks_event(), line_event("from the task")}));
  ASSERT_TRUE(fake.start());
  std::ostringstream out, err;
  auto done = service_logs(fake.state_dir() + "/manager.sock", "k2j4", {}, out, err);
  ASSERT_TRUE(done.ok()) << done.error().what();
  EXPECT_EQ(out.str(), "web.1.k2j4xyz0abcd@node-2    | from the task\n");
}

TEST(ServiceLogsCommand, AnUnknownNameIsAClearError) {
  FakeManager fake;
  fake.get(R"(/v1/services/([^/]+)/logs)", FakeManager::reply({{"message", "service `nope` not found"}}, 404));
  fake.get(R"(/v1/tasks/([^/]+)/logs)", FakeManager::reply({{"message", "task `nope` not found"}}, 404));
  ASSERT_TRUE(fake.start());
  std::ostringstream out, err;
  auto done = service_logs(fake.state_dir() + "/manager.sock", "nope", {}, out, err);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().what().find("no such service or task: `nope`"), std::string::npos) << done.error().what();
}

TEST(ServiceLogsCommand, AnErrorEventEndsTheCommandWithIt) {
  FakeManager fake;
  fake.get(R"(/v1/services/web/logs)",
           stream_of({tasks_event(), line_event("before"), LogEvent{.error = "the client reads too slowly"},
                      line_event("never printed")}));
  ASSERT_TRUE(fake.start());
  std::ostringstream out, err;
  auto done = service_logs(fake.state_dir() + "/manager.sock", "web", {}, out, err);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().what(), "the client reads too slowly");
  EXPECT_EQ(out.str(), "web.1.k2j4xyz0abcd@node-2    | before\n");
}

TEST(ServiceLogsCommand, AFollowEndsWhenTheCallerStopsIt) {
  FakeManager fake;
  std::atomic<int> sent{0};
  fake.get(R"(/v1/services/web/logs)", [&sent](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/x-ndjson", [&sent](size_t, httplib::DataSink& sink) {
      std::string line = log_event_line(sent == 0 ? tasks_event() : line_event("tick " + std::to_string(sent.load())));
      ++sent;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return sink.write(line.data(), line.size());  // never done: a follow
    });
  });
  ASSERT_TRUE(fake.start());
  std::ostringstream out, err;
  int asked = 0;
  auto done = service_logs(fake.state_dir() + "/manager.sock", "web", {.follow = true}, out, err,
                           [&] { return ++asked < 5; });
  ASSERT_TRUE(done.ok()) << done.error().what();
  EXPECT_NE(out.str().find("tick 1\n"), std::string::npos) << out.str();
}

TEST(ServiceLogsCommand, NoManagerSaysWhatToDo) {
  std::ostringstream out, err;
  auto done = service_logs("/nonexistent/manager.sock", "web", {}, out, err);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().what().find("miniswarm init"), std::string::npos) << done.error().what();
}

}  // namespace
}  // namespace miniswarm::cli
