// The store's change log and its wake-ups (store_change.hpp, cluster_store.hpp): changes
// come in commit order with the right kind and action, rollbacks leave none, old ones
// are trimmed and said to be, and wait_for_change wakes on a commit and only then.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "miniswarm/store/cluster_store.hpp"
#include "store_test_support.hpp"

namespace miniswarm {
namespace {

using namespace testing_support;
using namespace std::chrono_literals;
using StoreChangesTest = StoreFixture;

Change change(uint64_t seq, ObjectKind kind, ChangeAction action, std::string id) {
  return Change{seq, kind, action, std::move(id)};
}

/// Creates a node with this id in its own transaction.
void add_node(ClusterStore& store, const std::string& id) {
  Node node = full_node(id);
  auto done = store.update([&](StoreTx& tx) { return tx.create(node); });
  ASSERT_TRUE(done) << done.error().what();
}

TEST_F(StoreChangesTest, ChangesComeInCommitOrderWithKindAndAction) {
  Cluster cluster = full_cluster();
  Service service = full_service();
  Task task = full_task();
  ASSERT_TRUE(store->update([&](StoreTx& tx) -> Result<void> {
    MINIRUN_TRY(tx.put(cluster), "put");
    MINIRUN_TRY(tx.create(service), "service");
    return tx.create(task);
  }));
  add_node(*store, "node-1");
  ASSERT_TRUE(store->update([&](StoreTx& tx) -> Result<void> {
    task.node_id = "node-1";
    MINIRUN_TRY(tx.update(task), "assign");
    MINIRUN_TRY(tx.remove_service(service.id), "remove service");
    return tx.remove_node("node-1");
  }));
  auto changes = store->changes_since(0);
  ASSERT_TRUE(changes) << changes.error().what();
  std::vector<Change> expected{
      change(1, ObjectKind::kCluster, ChangeAction::kCreate, "cluster-1"),
      change(2, ObjectKind::kService, ChangeAction::kCreate, "svc-1"),
      change(3, ObjectKind::kTask, ChangeAction::kCreate, "task-1"),
      change(4, ObjectKind::kNode, ChangeAction::kCreate, "node-1"),
      change(5, ObjectKind::kTask, ChangeAction::kUpdate, "task-1"),
      change(6, ObjectKind::kService, ChangeAction::kDelete, "svc-1"),
      change(7, ObjectKind::kNode, ChangeAction::kDelete, "node-1"),
  };
  EXPECT_EQ(*changes, expected);
  EXPECT_EQ(store->last_seq(), 7u);
}

TEST_F(StoreChangesTest, ChangesSinceStartsAfterTheGivenSeqAndHonoursTheLimit) {
  for (int i = 0; i < 5; ++i) add_node(*store, "n" + std::to_string(i));
  auto after_two = store->changes_since(2, 2);
  ASSERT_TRUE(after_two);
  ASSERT_EQ(after_two->size(), 2u);
  EXPECT_EQ((*after_two)[0].seq, 3u);
  EXPECT_EQ((*after_two)[1].seq, 4u);
  EXPECT_TRUE(store->changes_since(5)->empty());
}

TEST_F(StoreChangesTest, RolledBackTransactionLeavesNoChangeAndNoGapInSeq) {
  add_node(*store, "a");
  auto failed = store->update([](StoreTx& tx) -> Result<void> {
    Node node = full_node("b");
    MINIRUN_TRY(tx.create(node), "create");
    return Error("abandon");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(store->last_seq(), 1u);
  add_node(*store, "c");
  auto changes = store->changes_since(0);
  ASSERT_TRUE(changes);
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[1], change(2, ObjectKind::kNode, ChangeAction::kCreate, "c"));
}

TEST_F(StoreChangesTest, TransactionWithoutWritesAddsNoChange) {
  ASSERT_TRUE(store->update([](StoreTx& tx) -> Result<void> {
    auto nodes = tx.nodes();
    if (!nodes) return std::move(nodes).error();
    return minirun::sys::ok();
  }));
  EXPECT_EQ(store->last_seq(), 0u);
}

TEST(StoreChangesTrim, OldChangesAreTrimmedAndAskingForThemSaysSo) {
  TempDir dir;
  ClusterStoreOptions options;
  options.kept_changes = 3;
  auto store = ClusterStore::open(dir.file("state.db"), options);
  ASSERT_TRUE(store) << store.error().what();
  for (int i = 0; i < 6; ++i) add_node(**store, "n" + std::to_string(i));
  auto kept = (*store)->changes_since(3);
  ASSERT_TRUE(kept) << kept.error().what();
  ASSERT_EQ(kept->size(), 3u);
  EXPECT_EQ(kept->front().seq, 4u);
  auto lost = (*store)->changes_since(1);
  ASSERT_FALSE(lost);
  EXPECT_TRUE(is_changes_trimmed(lost.error())) << lost.error().what();
  EXPECT_NE(lost.error().what().find("changes 2 to 3 were trimmed"), std::string::npos)
      << lost.error().what();
}

TEST(StoreChangesTrim, LastSeqSurvivesReopen) {
  TempDir dir;
  {
    auto store = ClusterStore::open(dir.file("state.db"));
    ASSERT_TRUE(store);
    for (int i = 0; i < 3; ++i) add_node(**store, "n" + std::to_string(i));
  }
  auto reopened = ClusterStore::open(dir.file("state.db"));
  ASSERT_TRUE(reopened) << reopened.error().what();
  EXPECT_EQ((*reopened)->last_seq(), 3u);
  add_node(**reopened, "n3");
  EXPECT_EQ((*reopened)->last_seq(), 4u);
}

TEST_F(StoreChangesTest, WaitForChangeWakesOnACommitFromAnotherThread) {
  uint64_t seq = store->last_seq();
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    add_node(*store, "late");
  });
  auto start = std::chrono::steady_clock::now();
  uint64_t now = store->wait_for_change(seq, 10s);
  auto waited = std::chrono::steady_clock::now() - start;
  writer.join();
  EXPECT_GT(now, seq);
  EXPECT_LT(waited, 5s);  // woken by the commit, not by the timeout
}

TEST_F(StoreChangesTest, WaitForChangeTimesOutWhenNothingIsCommitted) {
  add_node(*store, "before");
  uint64_t seq = store->last_seq();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store->wait_for_change(seq, 30ms), seq);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
}

TEST_F(StoreChangesTest, WaitForChangeDoesNotWakeOnARolledBackTransaction) {
  uint64_t seq = store->last_seq();
  std::thread writer([&] {
    (void)store->update([](StoreTx& tx) -> Result<void> {
      Node node = full_node();
      MINIRUN_TRY(tx.create(node), "create");
      return Error("abandon");
    });
  });
  EXPECT_EQ(store->wait_for_change(seq, 100ms), seq);
  writer.join();
}

TEST_F(StoreChangesTest, WaitForChangeReturnsAtOnceWhenAlreadyBehind) {
  add_node(*store, "a");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store->wait_for_change(0, 10s), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace miniswarm
