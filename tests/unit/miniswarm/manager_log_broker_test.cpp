// The log broker without HTTP (log_broker.hpp): who is asked, when a subscription is
// finished, what a silent or DOWN node turns into, and the bounds on a slow client.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "miniswarm/manager/log_broker.hpp"

namespace miniswarm::manager {
namespace {

using namespace std::chrono_literals;
using Status = PublishOutcome::Status;

class LogBrokerTest : public ::testing::Test {
 protected:
  LogBrokerLimits limits(size_t max_messages = 100, size_t max_bytes = 1 << 20) {
    LogBrokerLimits l;
    l.max_messages = max_messages;
    l.max_bytes = max_bytes;
    l.node_deadline_ms = 5000;
    l.clock = [this] { return now_; };
    return l;
  }

  static LogBatch lines(const std::string& task, std::vector<std::string> texts, bool done = false) {
    LogBatch batch;
    for (auto& t : texts) batch.messages.push_back(LogMessage{task, "", "stdout", 1, t});
    batch.done = done;
    return batch;
  }

  const std::vector<LogTarget> two_nodes_ = {{"t1", "n1"}, {"t2", "n2"}, {"t3", "n2"}};
  const std::map<std::string, LogNode> nodes_ = {{"n1", {"node-1", false}}, {"n2", {"node-2", false}}};
  int64_t now_ = 1'000'000;
};

TEST_F(LogBrokerTest, EachNodeSeesOnlyItsOwnTasks) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {});
  auto n2 = broker.subscriptions_for("n2", 0, 0ms);
  ASSERT_EQ(n2.subscriptions.size(), 1u);
  EXPECT_EQ(n2.subscriptions[0].id, id);
  EXPECT_EQ(n2.subscriptions[0].task_ids, (std::vector<std::string>{"t2", "t3"}));
  EXPECT_TRUE(broker.subscriptions_for("n3", 0, 0ms).subscriptions.empty());
}

TEST_F(LogBrokerTest, ALongPollReturnsWhenASubscriptionOpens) {
  LogBroker broker(limits());
  uint64_t version = broker.subscriptions_for("n1", 0, 0ms).version;
  std::thread client([&] {
    std::this_thread::sleep_for(50ms);
    broker.subscribe(two_nodes_, nodes_, {});
  });
  auto start = std::chrono::steady_clock::now();
  auto answer = broker.subscriptions_for("n1", version, 5000ms);
  client.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
  EXPECT_EQ(answer.subscriptions.size(), 1u);
}

TEST_F(LogBrokerTest, LinesArriveInOrderWithTheSendersNodeId) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {});
  LogBatch batch = lines("t2", {"a", "b"});
  batch.messages[0].node_id = "n1";  // a lie in the body: the certificate wins
  ASSERT_EQ(broker.publish(id, "n2", batch).status, Status::kAccepted);
  auto drained = broker.take(id, 0ms);
  ASSERT_EQ(drained.messages.size(), 2u);
  EXPECT_EQ(drained.messages[0].line, "a");
  EXPECT_EQ(drained.messages[1].line, "b");
  EXPECT_EQ(drained.messages[0].node_id, "n2");
  EXPECT_FALSE(drained.finished);
}

TEST_F(LogBrokerTest, ANodeCannotSendLinesOfAnotherNodesTask) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {});
  EXPECT_EQ(broker.publish(id, "n1", lines("t2", {"not mine"})).status, Status::kRefused);
  EXPECT_TRUE(broker.take(id, 0ms).messages.empty());
}

TEST_F(LogBrokerTest, FinishedOnlyWhenEveryNodeSaidDone) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {});
  broker.publish(id, "n1", lines("t1", {"x"}, /*done=*/true));
  EXPECT_FALSE(broker.take(id, 0ms).finished);
  broker.publish(id, "n2", lines("t2", {}, /*done=*/true));
  EXPECT_TRUE(broker.take(id, 0ms).finished);
}

TEST_F(LogBrokerTest, ANodeThatSaidDoneLeavesItsList) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {});
  broker.publish(id, "n1", lines("t1", {}, true));
  EXPECT_TRUE(broker.subscriptions_for("n1", 0, 0ms).subscriptions.empty());
  EXPECT_EQ(broker.publish(id, "n1", lines("t1", {"late"})).status, Status::kGone);
}

TEST_F(LogBrokerTest, ADownNodeIsGivenUpAtOnceWithAWarning) {
  LogBroker broker(limits());
  auto nodes = nodes_;
  nodes["n2"].down = true;
  std::string id = broker.subscribe(two_nodes_, nodes, {});
  broker.publish(id, "n1", lines("t1", {"x"}, true));
  auto drained = broker.take(id, 0ms);
  EXPECT_TRUE(drained.finished);
  ASSERT_EQ(drained.warnings.size(), 1u);
  EXPECT_EQ(drained.warnings[0], "node-2 did not send its logs (node is down)");
  EXPECT_TRUE(broker.subscriptions_for("n2", 0, 0ms).subscriptions.empty());
}

TEST_F(LogBrokerTest, ASilentNodeIsGivenUpAfterTheDeadline) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {});
  broker.publish(id, "n1", lines("t1", {"x"}, true));
  now_ += 4999;
  EXPECT_FALSE(broker.take(id, 0ms).finished);
  now_ += 1;
  auto drained = broker.take(id, 0ms);
  EXPECT_TRUE(drained.finished);
  ASSERT_EQ(drained.warnings.size(), 1u);
  EXPECT_EQ(drained.warnings[0], "node-2 did not send its logs (no answer in 5 s)");
}

TEST_F(LogBrokerTest, ANodeStillSendingIsNotGivenUp) {
  LogBroker broker(limits());
  std::string id = broker.subscribe({{"t1", "n1"}}, nodes_, {});
  for (int i = 0; i < 5; ++i) {
    now_ += 3000;
    ASSERT_EQ(broker.publish(id, "n1", lines("t1", {"more"})).status, Status::kAccepted);
    EXPECT_TRUE(broker.take(id, 0ms).warnings.empty());
  }
}

TEST_F(LogBrokerTest, AFollowedNodeMayStayQuietAfterItsFirstContact) {
  LogBroker broker(limits());
  std::string id = broker.subscribe({{"t1", "n1"}}, nodes_, {.follow = true});
  broker.publish(id, "n1", lines("t1", {}));
  now_ += 60'000;
  auto drained = broker.take(id, 0ms);
  EXPECT_TRUE(drained.warnings.empty());
  EXPECT_FALSE(drained.finished);
  EXPECT_EQ(broker.subscriptions_for("n1", 0, 0ms).subscriptions.size(), 1u);
}

TEST_F(LogBrokerTest, AFollowedSubscriptionIsNeverFinishedByDone) {
  LogBroker broker(limits());
  std::string id = broker.subscribe({{"t1", "n1"}}, nodes_, {.follow = true});
  broker.publish(id, "n1", lines("t1", {"last"}, true));
  EXPECT_FALSE(broker.take(id, 0ms).finished);
}

TEST_F(LogBrokerTest, OverflowingTheLineLimitDropsTheSubscription) {
  LogBroker broker(limits(/*max_messages=*/3));
  std::string id = broker.subscribe({{"t1", "n1"}}, nodes_, {});
  EXPECT_EQ(broker.publish(id, "n1", lines("t1", {"1", "2"})).status, Status::kAccepted);
  auto outcome = broker.publish(id, "n1", lines("t1", {"3", "4"}));
  EXPECT_EQ(outcome.status, Status::kDropped);
  auto drained = broker.take(id, 0ms);
  EXPECT_NE(drained.error.find("reads too slowly"), std::string::npos) << drained.error;
  EXPECT_TRUE(broker.subscriptions_for("n1", 0, 0ms).subscriptions.empty());
}

TEST_F(LogBrokerTest, OverflowingTheByteLimitDropsTheSubscription) {
  LogBroker broker(limits(/*max_messages=*/1000, /*max_bytes=*/10));
  std::string id = broker.subscribe({{"t1", "n1"}}, nodes_, {});
  EXPECT_EQ(broker.publish(id, "n1", lines("t1", {std::string(11, 'x')})).status, Status::kDropped);
}

TEST_F(LogBrokerTest, TakingFreesTheBufferForMoreLines) {
  LogBroker broker(limits(/*max_messages=*/3));
  std::string id = broker.subscribe({{"t1", "n1"}}, nodes_, {});
  for (int i = 0; i < 5; ++i) {
    auto outcome = broker.publish(id, "n1", lines("t1", {"a", "b"}));
    ASSERT_EQ(outcome.status, Status::kAccepted) << outcome.message;
    EXPECT_EQ(outcome.response.buffered, 2u);
    EXPECT_EQ(outcome.response.max_buffered, 3u);
    broker.take(id, 0ms);
  }
}

TEST_F(LogBrokerTest, AClosedSubscriptionTurnsAwayItsNodes) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {.follow = true});
  broker.close(id);
  EXPECT_TRUE(broker.subscriptions_for("n1", 0, 0ms).subscriptions.empty());
  EXPECT_EQ(broker.publish(id, "n1", lines("t1", {"x"})).status, Status::kGone);
  EXPECT_TRUE(broker.summaries().empty());
}

TEST_F(LogBrokerTest, CloseAllEndsStreamsAndWakesLongPolls) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {.follow = true});
  uint64_t version = broker.subscriptions_for("n1", 0, 0ms).version;
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    broker.close_all("the manager is stopping");
  });
  auto start = std::chrono::steady_clock::now();
  auto answer = broker.subscriptions_for("n1", version, 5000ms);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
  EXPECT_TRUE(answer.subscriptions.empty());
  EXPECT_EQ(broker.take(id, 0ms).error, "the manager is stopping");
}

TEST_F(LogBrokerTest, TakeWakesWhenLinesArrive) {
  LogBroker broker(limits());
  std::string id = broker.subscribe({{"t1", "n1"}}, nodes_, {.follow = true});
  std::thread node([&] {
    std::this_thread::sleep_for(50ms);
    broker.publish(id, "n1", lines("t1", {"hello"}));
  });
  auto start = std::chrono::steady_clock::now();
  auto drained = broker.take(id, 5000ms);
  node.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2000ms);
  ASSERT_EQ(drained.messages.size(), 1u);
}

TEST_F(LogBrokerTest, SummariesNameTheNodesStillAwaited) {
  LogBroker broker(limits());
  std::string id = broker.subscribe(two_nodes_, nodes_, {});
  broker.publish(id, "n1", lines("t1", {"x"}, true));
  auto list = broker.summaries();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].tasks, 3u);
  EXPECT_EQ(list[0].waiting_for, (std::vector<std::string>{"node-2"}));
  EXPECT_EQ(list[0].buffered, 1u);
}

}  // namespace
}  // namespace miniswarm::manager
