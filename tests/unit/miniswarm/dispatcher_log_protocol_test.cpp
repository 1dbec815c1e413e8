// The log messages' JSON (log_protocol.hpp): every type survives a round trip, missing
// keys keep their defaults, a stream line is one short JSON object and a newline.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "miniswarm/dispatcher/log_protocol.hpp"

namespace miniswarm {
namespace {

template <class T>
T round_trip(const T& value) {
  nlohmann::json j = value;
  return nlohmann::json::parse(j.dump()).get<T>();
}

TEST(LogProtocol, SubscriptionsResponseRoundTrips) {
  LogSubscriptionsResponse v;
  v.version = 7;
  v.subscriptions.push_back({"sub1", {"t1", "t2"}, {true, 10, 1700000000000000000}});
  EXPECT_EQ(round_trip(v), v);
}

TEST(LogProtocol, BatchRoundTrips) {
  LogBatch v;
  v.messages.push_back({"t1", "n1", "stderr", 123456789, "oops \"quoted\""});
  v.warnings.push_back("task web.1.x: no container");
  v.done = true;
  EXPECT_EQ(round_trip(v), v);
}

TEST(LogProtocol, BatchResponseRoundTrips) {
  LogBatchResponse v{12, 10000};
  EXPECT_EQ(round_trip(v), v);
}

TEST(LogProtocol, MissingKeysKeepTheirDefaults) {
  auto options = nlohmann::json::object().get<LogStreamOptions>();
  EXPECT_FALSE(options.follow);
  EXPECT_EQ(options.tail, -1);
  EXPECT_EQ(options.since_ns, 0);
  auto message = nlohmann::json{{"line", "x"}}.get<LogMessage>();
  EXPECT_EQ(message.stream, "stdout");
}

TEST(LogProtocol, AWrongTypeIsRefused) {
  EXPECT_THROW((void)nlohmann::json({{"done", "yes"}}).get<LogBatch>(), nlohmann::json::exception);
}

TEST(LogProtocol, AnEventWritesOnlyThePartItCarries) {
  EXPECT_EQ(log_event_line(LogEvent{.warning = "node-3 did not send its logs"}),
            "{\"warning\":\"node-3 did not send its logs\"}\n");
  EXPECT_EQ(log_event_line(LogEvent{}), "{}\n");
}

TEST(LogProtocol, EventsRoundTripThroughAStreamLine) {
  LogEvent tasks;
  tasks.tasks.push_back({"t1", "web.1", "node-2"});
  LogEvent message;
  message.message = LogMessage{"t1", "n2", "stdout", 5, "hello"};
  for (const auto& event : {tasks, message, LogEvent{.error = "dropped"}}) {
    std::string line = log_event_line(event);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one event is one line";
    EXPECT_EQ(nlohmann::json::parse(line).get<LogEvent>(), event);
  }
}

TEST(LogProtocol, InvalidUtf8InALineDoesNotBreakTheStream) {
  LogEvent event;
  event.message = LogMessage{"t1", "n1", "stdout", 1, std::string("bad \xff byte")};
  std::string line = log_event_line(event);
  EXPECT_TRUE(nlohmann::json::accept(line)) << line;
}

}  // namespace
}  // namespace miniswarm
