// The container store: names claimed atomically, containers found by name, id or
// unique prefix, state read-modify-writes serialised by the lock, removal frees the
// name. No root: the data root is a temporary directory.
#include "minirun/engine/container_store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdlib.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "minirun/sys/file.hpp"

namespace minirun::engine {
namespace {

std::vector<std::string> entries_of(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* dir = ::opendir(path.c_str())) {
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
  }
  return names;
}

ContainerConfig config_named(const std::string& name, std::string id = ContainerStore::new_id()) {
  ContainerConfig c;
  c.id = std::move(id);
  c.name = name;
  c.image = "busybox";
  c.cmd = {"sh"};
  return c;
}

class ContainerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/minirun-container-store-test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    root_ = dir_template;
  }
  void TearDown() override { ASSERT_TRUE(sys::remove_tree(root_).ok()); }

  std::string root_;
};

TEST(ContainerStoreId, NewIdIs64LowercaseHexAndFresh) {
  const std::string a = ContainerStore::new_id();
  const std::string b = ContainerStore::new_id();
  ASSERT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

TEST(ContainerStoreName, CheckNameFollowsDockersRule) {
  for (const char* good : {"web", "a1", "my_app.v2-x", "0day", "AB"})
    EXPECT_TRUE(ContainerStore::check_name(good).ok()) << good;
  for (const char* bad : {"", "a", "_web", "-web", ".web", "we b", "web/1", "web:1", "..", "wéb"}) {
    auto r = ContainerStore::check_name(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().what().find("--name"), std::string::npos) << r.error().what();
    EXPECT_NE(r.error().what().find(std::string("\"") + bad + "\""), std::string::npos) << r.error().what();
  }
}

TEST_F(ContainerStoreTest, CreateWritesConfigAndACreatedState) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  auto config = store.load_config(c.id);
  ASSERT_TRUE(config.ok()) << config.error().what();
  EXPECT_EQ(config->name, "web");
  EXPECT_EQ(config->cmd, c.cmd);
  auto state = store.load_state(c.id);
  ASSERT_TRUE(state.ok()) << state.error().what();
  EXPECT_EQ(state->status, ContainerStatus::created);
  for (const char* sub : {"/bundle", "/rootfs", "/upper", "/work"})
    EXPECT_TRUE(sys::path_exists(store.dir(c.id) + sub)) << sub;
  EXPECT_EQ(*sys::read_file(root_ + "/names/web"), c.id);
}

TEST_F(ContainerStoreTest, SecondCreateWithTheSameNameFailsAndLeavesNothing) {
  ContainerStore store(root_);
  ContainerConfig first = config_named("web");
  ContainerConfig second = config_named("web");
  ASSERT_TRUE(store.create(first).ok());
  auto r = store.create(second);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("\"web\" is already in use"), std::string::npos) << r.error().what();
  EXPECT_NE(r.error().what().find(first.id.substr(0, 12)), std::string::npos) << r.error().what();
  EXPECT_FALSE(sys::path_exists(store.dir(second.id)));
  EXPECT_EQ(*sys::read_file(root_ + "/names/web"), first.id);
  EXPECT_EQ(store.list_ids(), std::vector<std::string>{first.id});
}

TEST_F(ContainerStoreTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
  ContainerStore store(root_);
  ASSERT_TRUE(store.prepare().ok());
  constexpr int kThreads = 8;
  std::vector<ContainerConfig> configs;
  for (int i = 0; i < kThreads; ++i) configs.push_back(config_named("web"));
  std::atomic<int> winners{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      if (store.create(configs[i]).ok()) ++winners;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(store.list_ids().size(), 1u);
  EXPECT_EQ(*sys::read_file(root_ + "/names/web"), store.list_ids().at(0));
}

TEST_F(ContainerStoreTest, InvalidNameLeavesNothing) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("-bad");
  auto r = store.create(c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("--name"), std::string::npos) << r.error().what();
  EXPECT_FALSE(sys::path_exists(store.dir(c.id)));
  EXPECT_TRUE(entries_of(root_ + "/names").empty());
}

TEST_F(ContainerStoreTest, CreateWithATakenIdLeavesTheOtherContainerAlone) {
  // Ids are random, so this "cannot happen"; if it does, the failed create must not
  // take the existing container's directory with it.
  ContainerStore store(root_);
  ContainerConfig first = config_named("one");
  ContainerConfig clash = config_named("two", first.id);
  ASSERT_TRUE(store.create(first).ok());
  EXPECT_FALSE(store.create(clash).ok());
  EXPECT_TRUE(store.load_config(first.id).ok());
  EXPECT_TRUE(sys::path_exists(root_ + "/names/one"));
  EXPECT_FALSE(sys::path_exists(root_ + "/names/two"));
}

TEST_F(ContainerStoreTest, NewNameIsValidAndFree) {
  ContainerStore store(root_);
  ASSERT_TRUE(store.prepare().ok());
  for (int i = 0; i < 20; ++i) {
    const std::string name = store.new_name();
    EXPECT_TRUE(ContainerStore::check_name(name).ok()) << name;
    ASSERT_TRUE(store.create(config_named(name)).ok()) << name;
  }
  EXPECT_EQ(store.list_ids().size(), 20u);
}

TEST_F(ContainerStoreTest, ResolveFindsByNameFullIdAndUniquePrefix) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web", "abc" + std::string(61, '1'));
  ContainerConfig other = config_named("db", "abd" + std::string(61, '2'));
  ASSERT_TRUE(store.create(c).ok());
  ASSERT_TRUE(store.create(other).ok());
  for (const std::string& query : {std::string("web"), std::string("/web"), c.id, std::string("abc"),
                                   c.id.substr(0, 12)}) {
    auto id = store.resolve(query);
    ASSERT_TRUE(id.ok()) << query << ": " << id.error().what();
    EXPECT_EQ(*id, c.id) << query;
  }
}

TEST_F(ContainerStoreTest, ResolveRefusesAnAmbiguousPrefix) {
  ContainerStore store(root_);
  ASSERT_TRUE(store.create(config_named("web", "abc" + std::string(61, '1'))).ok());
  ASSERT_TRUE(store.create(config_named("db", "abd" + std::string(61, '2'))).ok());
  auto r = store.resolve("ab");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what(), "\"ab\" matches 2 containers: give more of the id, or the name");
}

TEST_F(ContainerStoreTest, ResolveOfAnUnknownContainerSaysSo) {
  ContainerStore store(root_);
  ASSERT_TRUE(store.create(config_named("web")).ok());
  auto r = store.resolve("nothere");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what(), "no such container: nothere (see `minirun ps -a`)");
  EXPECT_FALSE(store.resolve("").ok());
  EXPECT_FALSE(store.resolve("../containers").ok());
}

TEST_F(ContainerStoreTest, SaveAndLoadStateRoundTripAndDropMonitorLost) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  ContainerState s;
  s.status = ContainerStatus::exited;
  s.exit_code = 7;
  s.monitor_lost = true;  // computed by readers: never saved
  ASSERT_TRUE(store.save_state(c.id, s).ok());
  auto back = store.load_state(c.id);
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(back->status, ContainerStatus::exited);
  EXPECT_EQ(back->exit_code, 7);
  EXPECT_FALSE(back->monitor_lost);
}

TEST_F(ContainerStoreTest, UpdateStateUnderTheLockLosesNoIncrement) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  std::atomic<int> failures{0};
  auto bump = [&] {
    for (int i = 0; i < 100; ++i)
      if (!store.update_state(c.id, [](ContainerState& s) { ++s.restart_count; }).ok()) ++failures;
  };
  std::thread a(bump), b(bump);
  a.join();
  b.join();
  EXPECT_EQ(failures, 0);
  auto state = store.load_state(c.id);
  ASSERT_TRUE(state.ok()) << state.error().what();
  EXPECT_EQ(state->restart_count, 200);
}

TEST_F(ContainerStoreTest, UpdateStateOfAMissingContainerIsAnError) {
  ContainerStore store(root_);
  ASSERT_TRUE(store.prepare().ok());
  auto r = store.update_state(std::string(64, 'f'), [](ContainerState& s) { s.exit_code = 1; });
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(sys::path_exists(store.dir(std::string(64, 'f'))));
}

TEST_F(ContainerStoreTest, CorruptStateNamesTheContainer) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  ASSERT_TRUE(sys::write_file_atomic(store.dir(c.id) + "/state.json", "{not json", 0600).ok());
  auto r = store.load_state(c.id);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find(c.id.substr(0, 12)), std::string::npos) << r.error().what();
  EXPECT_NE(r.error().what().find("state.json"), std::string::npos) << r.error().what();
}

TEST_F(ContainerStoreTest, AnEmptyStateReadsAsDeadWithTheReason) {
  // What a power cut can leave of a state rewrite: the container died with the machine.
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  ASSERT_TRUE(sys::write_file(store.dir(c.id) + "/state.json", "").ok());
  auto state = store.load_state(c.id);
  ASSERT_TRUE(state.ok()) << state.error().what();
  EXPECT_EQ(state->status, ContainerStatus::dead);
  EXPECT_EQ(state->pid, 0);
  EXPECT_EQ(state->monitor_pid, 0);
  EXPECT_NE(state->error.find("minirun rm"), std::string::npos) << state->error;
  // The next update starts from that state and writes a whole one again.
  ASSERT_TRUE(store.update_state(c.id, [](ContainerState& s) { s.stop_requested = true; }).ok());
  auto again = store.load_state(c.id);
  ASSERT_TRUE(again.ok()) << again.error().what();
  EXPECT_EQ(again->status, ContainerStatus::dead);
  EXPECT_TRUE(again->stop_requested);
}

TEST_F(ContainerStoreTest, StateRewritesLeaveNoTemporaryFile) {
  // write_file_atomic swaps the new file in (RENAME_EXCHANGE) and unlinks the old one.
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store.update_state(c.id, [&](ContainerState& s) { s.restart_count = i; }).ok());
  EXPECT_EQ(store.load_state(c.id)->restart_count, 3);
  for (const auto& name : entries_of(store.dir(c.id))) EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
}

TEST_F(ContainerStoreTest, AnUpdateThatChangesNothingWritesNothing) {
  // update_state compares the state field by field before and after the change; only a
  // real change is written (a rewrite costs a file swap on disk).
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  ASSERT_TRUE(store.update_state(c.id, [](ContainerState& s) { s.health = HealthState{}; }).ok());
  struct stat before{};
  ASSERT_EQ(::stat((store.dir(c.id) + "/state.json").c_str(), &before), 0);
  ASSERT_TRUE(store.update_state(c.id, [](ContainerState& s) { s.exit_code = s.exit_code; }).ok());
  EXPECT_TRUE(sys::same_file(store.dir(c.id) + "/state.json", before)) << "an unchanged state was rewritten";
  // A change deep inside (one probe in the health log) is a change.
  ASSERT_TRUE(store.update_state(c.id, [](ContainerState& s) { s.health->log.push_back({"a", "b", 0, "ok"}); }).ok());
  EXPECT_FALSE(sys::same_file(store.dir(c.id) + "/state.json", before)) << "a changed health log was not written";
  EXPECT_EQ(store.load_state(c.id)->health->log.size(), 1u);
}

TEST_F(ContainerStoreTest, EraseRemovesTheDirectoryAndFreesTheName) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  ASSERT_TRUE(store.erase(c).ok());
  EXPECT_FALSE(sys::path_exists(store.dir(c.id)));
  EXPECT_FALSE(sys::path_exists(root_ + "/names/web"));
  EXPECT_FALSE(store.resolve("web").ok());
  EXPECT_TRUE(store.create(config_named("web")).ok());
}

TEST_F(ContainerStoreTest, EraseKeepsANameThatNowBelongsToAnother) {
  ContainerStore store(root_);
  ContainerConfig old = config_named("web");
  ASSERT_TRUE(store.create(old).ok());
  // The name file was taken over (e.g. by a newer container after a crash).
  ContainerConfig newer = config_named("web");
  ASSERT_TRUE(sys::write_file_atomic(root_ + "/names/web", newer.id, 0644).ok());
  ASSERT_TRUE(store.erase(old).ok());
  EXPECT_EQ(*sys::read_file(root_ + "/names/web"), newer.id);
}

TEST_F(ContainerStoreTest, RetireHidesTheContainerAtOnceAndLeavesItsFilesToTheCaller) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  auto trash = store.retire(c);
  ASSERT_TRUE(trash.ok()) << trash.error().what();
  EXPECT_EQ(*trash, root_ + "/trash/" + c.id);
  // Gone for every reader: no directory, no id, no name; the name can be taken again.
  EXPECT_FALSE(sys::path_exists(store.dir(c.id)));
  EXPECT_TRUE(store.list_ids().empty());
  EXPECT_FALSE(store.resolve("web").ok());
  EXPECT_TRUE(store.create(config_named("web")).ok());
  // The files are all there, for the caller to delete.
  EXPECT_TRUE(sys::path_exists(*trash + "/config.json"));
  EXPECT_TRUE(sys::path_exists(*trash + "/upper"));
}

TEST_F(ContainerStoreTest, EraseLeavesNothingInTheTrash) {
  ContainerStore store(root_);
  ContainerConfig c = config_named("web");
  ASSERT_TRUE(store.create(c).ok());
  ASSERT_TRUE(store.erase(c).ok());
  EXPECT_TRUE(entries_of(store.trash_dir()).empty());
}

TEST_F(ContainerStoreTest, WhatAKilledCreateLeftIsSweptWithItsName) {
  // A create killed after it claimed the name and made the directory, but before
  // config.json; and one killed right after the name. Beside them, a whole container.
  ContainerStore store(root_);
  ContainerConfig whole = config_named("whole");
  ASSERT_TRUE(store.create(whole).ok());
  const std::string half_id = ContainerStore::new_id(), never_id = ContainerStore::new_id();
  ASSERT_TRUE(sys::make_directories(store.dir(half_id) + "/rootfs").ok());
  ASSERT_TRUE(sys::write_file(root_ + "/names/half", half_id).ok());
  ASSERT_TRUE(sys::write_file(root_ + "/names/never", never_id).ok());
  // Nothing is a minute old: any of them may be a create still at work.
  EXPECT_TRUE(store.sweep_unfinished(std::chrono::seconds(60)).empty());
  EXPECT_TRUE(sys::path_exists(store.dir(half_id)));
  auto swept = store.sweep_unfinished(std::chrono::seconds(0));
  std::sort(swept.begin(), swept.end());
  std::vector<std::string> expected = {half_id, "never"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(swept, expected);
  EXPECT_FALSE(sys::path_exists(store.dir(half_id)));
  EXPECT_EQ(entries_of(root_ + "/names"), std::vector<std::string>{"whole"});
  EXPECT_TRUE(store.load_config(whole.id).ok()) << "a whole container is never swept";
}

TEST_F(ContainerStoreTest, OnlyANameWithoutItsContainerIsDangling) {
  ContainerStore store(root_);
  ContainerConfig whole = config_named("whole");
  ASSERT_TRUE(store.create(whole).ok());
  ASSERT_TRUE(sys::write_file(root_ + "/names/never", ContainerStore::new_id()).ok());
  EXPECT_FALSE(store.free_dangling_name("whole"));
  EXPECT_FALSE(store.free_dangling_name("absent"));
  EXPECT_FALSE(store.free_dangling_name("../names/never"));
  EXPECT_TRUE(store.free_dangling_name("never"));
  EXPECT_EQ(entries_of(root_ + "/names"), std::vector<std::string>{"whole"});
}

TEST_F(ContainerStoreTest, SweepDeletesOnlyTrashOlderThanTheGivenAge) {
  ContainerStore store(root_);
  ContainerConfig old = config_named("old"), fresh = config_named("fresh");
  ASSERT_TRUE(store.create(old).ok());
  ASSERT_TRUE(store.create(fresh).ok());
  ASSERT_TRUE(store.retire(old).ok());
  ASSERT_TRUE(store.retire(fresh).ok());
  // Nothing is a minute old yet: a monitor may still be deleting any of them.
  EXPECT_TRUE(store.sweep_trash(std::chrono::seconds(60)).empty());
  EXPECT_EQ(entries_of(store.trash_dir()).size(), 2u);
  // A runtime state directory a monitor renamed out of the way goes too; a live one stays.
  ASSERT_TRUE(sys::make_directories(store.runtime_root() + "/.removed-" + old.id).ok());
  ASSERT_TRUE(sys::make_directories(store.runtime_root() + "/" + fresh.id).ok());
  // Age zero: everything goes.
  auto swept = store.sweep_trash(std::chrono::seconds(0));
  std::sort(swept.begin(), swept.end());
  std::vector<std::string> expected = {old.id, old.id, fresh.id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(swept, expected);
  EXPECT_TRUE(entries_of(store.trash_dir()).empty());
  EXPECT_EQ(entries_of(store.runtime_root()), std::vector<std::string>{fresh.id});
  EXPECT_TRUE(store.sweep_trash(std::chrono::seconds(0)).empty()) << "an empty or missing trash is fine";
}

}  // namespace
}  // namespace minirun::engine
