// What survives a killed manager, and what a bad path says (cluster_store.hpp,
// cluster_store_schema.cpp). The writer runs in a forked child that is SIGKILLed, as a
// crashed manager would be; the parent reopens the file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "miniswarm/store/cluster_store.hpp"
#include "miniswarm/store/sqlite_db.hpp"
#include "store_test_support.hpp"

namespace miniswarm {
namespace {

using namespace testing_support;

/// Runs `child` in a forked process that reports on a pipe when it has done its part,
/// then waits to be killed; the parent SIGKILLs it once the byte arrives.
/// `child` returns false to report failure (exit status 1 instead of the kill).
template <class F>
void run_then_sigkill(F child) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    // A separate connection opened after fork(): SQLite connections must not cross it.
    bool ok = child([&] { (void)!::write(ready[1], "x", 1); });
    if (!ok) ::_exit(1);
    (void)!::write(ready[1], "x", 1);
    while (true) ::pause();
  }
  ::close(ready[1]);
  char byte = 0;
  ssize_t n = ::read(ready[0], &byte, 1);
  ::close(ready[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(n, 1) << "the child failed before it was ready";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
}

TEST(StoreDurability, CommittedTransactionsSurviveSigkillOfTheWriter) {
  TempDir dir;
  std::string path = dir.file("state.db");
  run_then_sigkill([&](auto) {
    auto store = ClusterStore::open(path);
    if (!store) return false;
    for (int i = 0; i < 50; ++i) {
      Task task = full_task("task-" + std::to_string(i));
      if (!(*store)->update([&](StoreTx& tx) { return tx.create(task); })) return false;
    }
    return true;  // killed with the connection open and the WAL not checkpointed
  });
  auto reopened = ClusterStore::open(path);
  ASSERT_TRUE(reopened) << reopened.error().what();
  EXPECT_EQ((*reopened)->tasks()->size(), 50u);
  EXPECT_EQ((*reopened)->last_seq(), 50u);
  auto last = (*reopened)->task("task-49");
  ASSERT_TRUE(last && last->has_value());
  EXPECT_EQ(**last, [] {
    Task t = full_task("task-49");
    t.version = 1;
    return t;
  }());
}

TEST(StoreDurability, TransactionInFlightAtSigkillLeavesNothingAndNoLock) {
  TempDir dir;
  std::string path = dir.file("state.db");
  run_then_sigkill([&](auto signal_ready) {
    auto store = ClusterStore::open(path);
    if (!store) return false;
    Node kept = full_node("kept");
    if (!(*store)->update([&](StoreTx& tx) { return tx.create(kept); })) return false;
    (void)(*store)->update([&](StoreTx& tx) -> Result<void> {
      for (int i = 0; i < 1000; ++i) {
        Task task = full_task("lost-" + std::to_string(i));
        MINIRUN_TRY(tx.create(task), "create");
      }
      signal_ready();  // the parent kills us here, mid-transaction
      while (true) ::pause();
    });
    return false;
  });
  auto reopened = ClusterStore::open(path);
  ASSERT_TRUE(reopened) << reopened.error().what();
  EXPECT_EQ((*reopened)->nodes()->size(), 1u);
  EXPECT_TRUE((*reopened)->tasks()->empty());
  EXPECT_EQ((*reopened)->last_seq(), 1u);
  // The dead writer's lock went with it: a new write goes through at once.
  Node next = full_node("next");
  auto done = (*reopened)->update([&](StoreTx& tx) { return tx.create(next); });
  EXPECT_TRUE(done) << done.error().what();
}

TEST(StoreOpen, MissingDirectoryNamesThePathAndTheCause) {
  TempDir dir;
  std::string path = dir.file("no-such-dir/state.db");
  auto store = ClusterStore::open(path);
  ASSERT_FALSE(store);
  std::string what = store.error().what();
  EXPECT_NE(what.find("open cluster store `" + path + "`: unable to open database file"),
            std::string::npos)
      << what;
  EXPECT_NE(what.find("does the directory exist"), std::string::npos) << what;
}

TEST(StoreOpen, PathThroughARegularFileIsRefused) {
  // Unwritable even for root: the "directory" is a file (ENOTDIR).
  TempDir dir;
  std::ofstream(dir.file("plain")) << "not a directory";
  auto store = ClusterStore::open(dir.file("plain/state.db"));
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().what().find("unable to open database file"), std::string::npos)
      << store.error().what();
}

TEST(StoreOpen, CorruptFileNamesThePathAndSqlitesWords) {
  TempDir dir;
  std::string path = dir.file("state.db");
  std::ofstream(path) << std::string(8192, 'z');
  auto store = ClusterStore::open(path);
  ASSERT_FALSE(store);
  std::string what = store.error().what();
  EXPECT_NE(what.find("open cluster store `" + path + "`"), std::string::npos) << what;
  EXPECT_NE(what.find("file is not a database"), std::string::npos) << what;
}

TEST(StoreOpen, ForeignSqliteDatabaseIsNotTakenForAStore) {
  TempDir dir;
  std::string path = dir.file("other.db");
  {
    auto db = sqlite::Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("CREATE TABLE recipes (name TEXT)"));
  }
  auto store = ClusterStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().what().find("not a cluster store"), std::string::npos)
      << store.error().what();
}

TEST(StoreOpen, NewerSchemaVersionIsRefused) {
  TempDir dir;
  std::string path = dir.file("state.db");
  ASSERT_TRUE(ClusterStore::open(path));
  {
    auto db = sqlite::Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec("PRAGMA user_version = 99"));
  }
  auto store = ClusterStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().what().find("schema version 99"), std::string::npos)
      << store.error().what();
}

TEST(StoreOpen, CorruptRowIsReportedNotThrown) {
  TempDir dir;
  std::string path = dir.file("state.db");
  {
    auto store = ClusterStore::open(path);
    ASSERT_TRUE(store);
    Node node = full_node();
    ASSERT_TRUE((*store)->update([&](StoreTx& tx) { return tx.create(node); }));
  }
  {
    auto db = sqlite::Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->exec(R"(UPDATE nodes SET body = '{"id":"node-1","role":"boss"}')"));
  }
  auto store = ClusterStore::open(path);
  ASSERT_TRUE(store);
  auto node = (*store)->node("node-1");
  ASSERT_FALSE(node);
  std::string what = node.error().what();
  EXPECT_NE(what.find("node `node-1`"), std::string::npos) << what;
  EXPECT_NE(what.find("field `role`"), std::string::npos) << what;
}

}  // namespace
}  // namespace miniswarm
