// A node is DOWN after three missed heartbeat periods, not before (heartbeats.hpp).
#include <gtest/gtest.h>

#include "miniswarm/dispatcher/heartbeats.hpp"

namespace miniswarm {
namespace {

TEST(HeartbeatTracker, NodeExpiresOnlyAfterThreeMissedPeriods) {
  HeartbeatTracker tracker(1000);
  tracker.beat("n1", 10'000);
  EXPECT_TRUE(tracker.expired(12'999).empty());
  EXPECT_TRUE(tracker.expired(13'000).empty());
  EXPECT_EQ(tracker.expired(13'001), std::vector<std::string>{"n1"});
}

TEST(HeartbeatTracker, EachBeatRestartsTheGracePeriod) {
  HeartbeatTracker tracker(1000);
  tracker.beat("n1", 0);
  tracker.beat("n1", 2500);
  EXPECT_TRUE(tracker.expired(5000).empty());
  EXPECT_EQ(tracker.expired(5501).size(), 1u);
}

TEST(HeartbeatTracker, LateBeatDoesNotMoveTimeBack) {
  HeartbeatTracker tracker(1000);
  tracker.beat("n1", 5000);
  tracker.beat("n1", 1000);
  EXPECT_EQ(tracker.last_beat("n1"), 5000);
}

TEST(HeartbeatTracker, StartGivesEveryKnownNodeAFreshGracePeriod) {
  HeartbeatTracker tracker(5000);
  tracker.start({"a", "b"}, 100'000);
  EXPECT_TRUE(tracker.expired(115'000).empty());
  EXPECT_EQ(tracker.expired(115'001).size(), 2u);
  EXPECT_EQ(tracker.next_deadline(), 115'000);
}

TEST(HeartbeatTracker, ForgottenNodeNeverExpires) {
  HeartbeatTracker tracker(1000);
  tracker.beat("n1", 0);
  tracker.forget("n1");
  EXPECT_TRUE(tracker.expired(1'000'000).empty());
  EXPECT_EQ(tracker.next_deadline(), 0);
}

TEST(ApplyHeartbeat, FirstHeartbeatMakesNodeReadyAndRecordsWhatItReports) {
  Node node;
  node.status = NodeStatus::kUnknown;
  HeartbeatRequest beat;
  beat.hostname = "node-2";
  beat.addr = "10.10.0.3";
  beat.total = {2'000'000'000, 1 << 30};
  beat.arch = "x86_64";
  EXPECT_TRUE(apply_heartbeat(node, beat, 42));
  EXPECT_EQ(node.status, NodeStatus::kReady);
  EXPECT_EQ(node.hostname, "node-2");
  EXPECT_EQ(node.total.memory_bytes, 1 << 30);
  EXPECT_EQ(node.last_heartbeat_ms, 42);
}

TEST(ApplyHeartbeat, SameHeartbeatAgainIsNotAChange) {
  Node node;
  HeartbeatRequest beat;
  beat.hostname = "h";
  beat.arch = "x86_64";
  ASSERT_TRUE(apply_heartbeat(node, beat, 1));
  EXPECT_FALSE(apply_heartbeat(node, beat, 2));
  EXPECT_EQ(node.last_heartbeat_ms, 1);
}

TEST(ApplyHeartbeat, DownNodeComesBackReady) {
  Node node;
  node.status = NodeStatus::kDown;
  node.status_message = "heartbeat failure";
  HeartbeatRequest beat;
  EXPECT_TRUE(apply_heartbeat(node, beat, 7));
  EXPECT_EQ(node.status, NodeStatus::kReady);
  EXPECT_TRUE(node.status_message.empty());
}

TEST(MarkNodeDown, SaysWhyAndOnlyOnce) {
  Node node;
  node.status = NodeStatus::kReady;
  EXPECT_TRUE(mark_node_down(node, 1000, 3000));
  EXPECT_EQ(node.status, NodeStatus::kDown);
  EXPECT_NE(node.status_message.find("3.0 s"), std::string::npos) << node.status_message;
  EXPECT_FALSE(mark_node_down(node, 1000, 3000));
}

}  // namespace
}  // namespace miniswarm
