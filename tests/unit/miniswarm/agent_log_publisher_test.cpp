// The agent's side of `service logs` (log_publisher.hpp) over a fake manager link and
// fake task logs: what is sent for a subscription, in what batches, when `done` comes,
// and when a worker stops.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "miniswarm/agent/log_publisher.hpp"

namespace miniswarm::agent {
namespace {

using minirun::engine::LogEntry;
using minirun::engine::LogQuery;

class FakeLogLink : public LogLink {
 public:
  Result<LogSubscriptionsResponse> log_subscriptions(uint64_t, int64_t) override {
    std::lock_guard lock(mu_);
    return answer_;
  }
  Result<LogBatchResponse> publish_logs(const std::string& id, const LogBatch& batch) override {
    std::lock_guard lock(mu_);
    ++publish_calls_;
    if (refuse_) return Error("the manager answered 404: closed");
    batches_.emplace_back(id, batch);
    return LogBatchResponse{0, 100};
  }
  void list(std::vector<LogSubscription> subscriptions) {
    std::lock_guard lock(mu_);
    answer_.version++;
    answer_.subscriptions = std::move(subscriptions);
  }
  std::vector<std::pair<std::string, LogBatch>> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  /// Every line sent, in order.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& [id, b] : batches())
      for (const auto& m : b.messages) out.push_back(m.task_id + ":" + m.stream + ":" + m.line);
    return out;
  }
  int done_batches() const {
    int n = 0;
    for (const auto& [id, b] : batches()) n += b.done;
    return n;
  }

  mutable std::mutex mu_;
  LogSubscriptionsResponse answer_;
  std::vector<std::pair<std::string, LogBatch>> batches_;
  bool refuse_ = false;
  int publish_calls_ = 0;
};

class FakeTaskLogs : public TaskLogSource {
 public:
  Result<std::vector<LogEntry>> read(const std::string& task_id, const LogQuery& query) override {
    std::lock_guard lock(mu_);
    queries_.push_back(query);
    auto it = logs_.find(task_id);
    if (it == logs_.end()) return Error("no container on this node (removed, and its log with it)");
    return it->second;
  }
  Result<void> follow(const std::string& task_id, const LogQuery& query,
                      const std::function<bool(const LogEntry&)>& on_entry,
                      const std::function<bool()>& keep_going) override {
    auto entries = read(task_id, query);
    if (!entries) return std::move(entries.error());
    for (const auto& e : *entries) on_entry(e);
    while (keep_going()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return minirun::sys::ok();
  }

  std::mutex mu_;
  std::map<std::string, std::vector<LogEntry>> logs_;
  std::vector<LogQuery> queries_;
};

LogEntry entry(const std::string& text, const std::string& stream = "stdout") {
  return LogEntry{stream, text, "", 1};
}

class LogPublisherTest : public ::testing::Test {
 protected:
  LogPublisherTest() {
    options_.retry_ms = 1;
    options_.flush_ms = 10;
    source_.logs_["t1"] = {entry("a\n"), entry("b\n", "stderr")};
    source_.logs_["t2"] = {entry("c\n")};
  }
  LogPublisherOptions options_;
  FakeLogLink link_;
  FakeTaskLogs source_;
};

TEST_F(LogPublisherTest, ASubscriptionIsAnsweredWithItsTasksLinesThenDone) {
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t1", "t2"}, {}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  ASSERT_TRUE(publisher.wait_for_workers(5000));
  EXPECT_EQ(link_.lines(), (std::vector<std::string>{"t1:stdout:a", "t1:stderr:b", "t2:stdout:c"}));
  auto batches = link_.batches();
  ASSERT_FALSE(batches.empty());
  EXPECT_TRUE(batches.back().second.done);
  EXPECT_EQ(link_.done_batches(), 1);
}

TEST_F(LogPublisherTest, BatchesHoldAtMostBatchLines) {
  options_.batch_lines = 2;
  source_.logs_["t1"] = {entry("1\n"), entry("2\n"), entry("3\n"), entry("4\n"), entry("5\n")};
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t1"}, {}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  ASSERT_TRUE(publisher.wait_for_workers(5000));
  std::vector<size_t> sizes;
  for (const auto& [id, b] : link_.batches()) sizes.push_back(b.messages.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
}

TEST_F(LogPublisherTest, TailAndSinceReachTheLogReader) {
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t1"}, {.tail = 3, .since_ns = 42}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  ASSERT_TRUE(publisher.wait_for_workers(5000));
  ASSERT_EQ(source_.queries_.size(), 1u);
  EXPECT_EQ(source_.queries_[0].tail, 3);
  EXPECT_EQ(source_.queries_[0].since_ns, 42);
}

TEST_F(LogPublisherTest, ATaskWithoutAContainerBecomesAWarning) {
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"gone-task-id-1234", "t2"}, {}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  ASSERT_TRUE(publisher.wait_for_workers(5000));
  std::vector<std::string> warnings;
  for (const auto& [id, b] : link_.batches()) warnings.insert(warnings.end(), b.warnings.begin(), b.warnings.end());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("task gone-task-i"), std::string::npos) << warnings[0];
  EXPECT_EQ(link_.lines(), (std::vector<std::string>{"t2:stdout:c"}));
}

TEST_F(LogPublisherTest, AFinishedSubscriptionStillListedIsNotSentTwice) {
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t2"}, {}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  ASSERT_TRUE(publisher.wait_for_workers(5000));
  link_.list({{"s1", {"t2"}, {}}});  // computed before the manager saw `done`
  ASSERT_TRUE(publisher.poll_once().ok());
  ASSERT_TRUE(publisher.wait_for_workers(5000));
  EXPECT_EQ(link_.lines().size(), 1u);
  EXPECT_EQ(link_.done_batches(), 1);
}

TEST_F(LogPublisherTest, AFollowSaysHelloBeforeAnyLine) {
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t1"}, {.follow = true}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  for (int i = 0; i < 200 && link_.lines().size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto batches = link_.batches();
  ASSERT_GE(batches.size(), 2u);
  EXPECT_TRUE(batches[0].second.messages.empty());
  EXPECT_FALSE(batches[0].second.done);
  EXPECT_EQ(link_.lines(), (std::vector<std::string>{"t1:stdout:a", "t1:stderr:b"}));
  publisher.stop();
}

TEST_F(LogPublisherTest, AFollowStopsWhenItsSubscriptionLeavesTheList) {
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t1", "t2"}, {.follow = true}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  EXPECT_FALSE(publisher.wait_for_workers(100)) << "a follow goes on by itself";
  link_.list({});  // the client went away
  ASSERT_TRUE(publisher.poll_once().ok());
  EXPECT_TRUE(publisher.wait_for_workers(5000));
  EXPECT_EQ(publisher.active_workers(), 0u);
  EXPECT_EQ(link_.done_batches(), 0) << "a gone subscription is not told done";
}

TEST_F(LogPublisherTest, AWorkerGivesUpWhenItsBatchesAreRefused) {
  link_.refuse_ = true;
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t1", "t2"}, {}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  ASSERT_TRUE(publisher.wait_for_workers(5000));
  std::lock_guard lock(link_.mu_);
  EXPECT_EQ(link_.publish_calls_, options_.send_attempts) << "one batch tried, then given up";
}

TEST_F(LogPublisherTest, StopEndsEveryFollow) {
  LogPublisher publisher(link_, source_, options_);
  link_.list({{"s1", {"t1"}, {.follow = true}}, {"s2", {"t2"}, {.follow = true}}});
  ASSERT_TRUE(publisher.poll_once().ok());
  EXPECT_EQ(publisher.active_workers(), 2u);
  auto start = std::chrono::steady_clock::now();
  publisher.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(publisher.active_workers(), 0u);
}

}  // namespace
}  // namespace miniswarm::agent
