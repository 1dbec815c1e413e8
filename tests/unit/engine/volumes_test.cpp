// Named and anonymous volumes (the local driver), and seeding a new volume from the
// image. No root needed: the volume store and the "rootfs" are temporary directories.
#include "minirun/engine/volumes.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "minirun/sys/file.hpp"

namespace minirun::engine {
namespace {

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

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

std::vector<std::string> names_of(const std::vector<Volume>& volumes) {
  std::vector<std::string> names;
  for (const Volume& v : volumes) names.push_back(v.name);
  return names;
}

class Volumes : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/minirun-volumes-test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    base_ = dir_template;
    store_root_ = base_ + "/volumes";
    outside_ = "/tmp/outside-" + std::to_string(::getpid());
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    marker_ = outside_ + "/marker";
    write_text(marker_, "host secret\n");
  }
  void TearDown() override {
    ASSERT_TRUE(sys::remove_tree(base_).ok());
    ASSERT_TRUE(sys::remove_tree(outside_).ok());
  }

  std::string base_, store_root_, outside_, marker_;
};

TEST_F(Volumes, CreateMakesDataDirectoryAndStateFile) {
  VolumeStore store(store_root_);
  bool created = false;
  auto v = store.create("pgdata", {{"app", "db"}}, &created);
  ASSERT_TRUE(v.ok()) << v.error().what();
  EXPECT_TRUE(created);
  EXPECT_EQ(v->mountpoint, store_root_ + "/pgdata/_data");
  struct stat st {};
  ASSERT_EQ(::stat(v->mountpoint.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  auto state = nlohmann::json::parse(read_text(store_root_ + "/pgdata/volume.json"));
  EXPECT_EQ(state["Name"], "pgdata");
  EXPECT_EQ(state["Driver"], "local");
  EXPECT_EQ(state["Scope"], "local");
  EXPECT_EQ(state["Anonymous"], false);
  EXPECT_EQ(state["Labels"]["app"], "db");
  EXPECT_EQ(state["Mountpoint"], v->mountpoint);
  // RFC 3339 in UTC: 2024-05-01T10:00:00Z
  std::string created_at = state["CreatedAt"];
  EXPECT_EQ(created_at.size(), 20u) << created_at;
  EXPECT_EQ(created_at[10], 'T');
  EXPECT_EQ(created_at.back(), 'Z');
}

TEST_F(Volumes, CreateOfExistingVolumeReturnsItUnchanged) {
  VolumeStore store(store_root_);
  bool created = false;
  ASSERT_TRUE(store.create("data", {{"first", "1"}}, &created).ok());
  EXPECT_TRUE(created);
  write_text(store_root_ + "/data/_data/kept", "kept\n");
  auto again = store.create("data", {{"second", "2"}}, &created);
  ASSERT_TRUE(again.ok()) << again.error().what();
  EXPECT_FALSE(created);
  EXPECT_EQ(again->labels, (std::map<std::string, std::string>{{"first", "1"}}));
  EXPECT_EQ(read_text(store_root_ + "/data/_data/kept"), "kept\n");
}

TEST_F(Volumes, InspectShowsDockersFields) {
  VolumeStore store(store_root_);
  ASSERT_TRUE(store.create("web", {}).ok());
  auto v = store.inspect("web");
  ASSERT_TRUE(v.ok()) << v.error().what();
  nlohmann::json shown = v->to_json();
  EXPECT_EQ(shown["Name"], "web");
  EXPECT_EQ(shown["Driver"], "local");
  EXPECT_EQ(shown["Scope"], "local");
  EXPECT_EQ(shown["Mountpoint"], store_root_ + "/web/_data");
  EXPECT_TRUE(shown["Labels"].is_object());
  EXPECT_TRUE(shown["Options"].is_null());
  EXPECT_FALSE(shown["CreatedAt"].get<std::string>().empty());
  EXPECT_FALSE(shown.contains("Anonymous"));  // not a docker volume inspect field
}

TEST_F(Volumes, InspectOfMissingVolumeSaysNoSuchVolume) {
  VolumeStore store(store_root_);
  auto v = store.inspect("nope");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().what(), "no such volume: nope");
}

TEST_F(Volumes, BadNamesAreRefusedAndNamed) {
  VolumeStore store(store_root_);
  for (const std::string& bad : std::vector<std::string>{"a", "-x", "_x", ".hidden", "a/b", "../up", "a b", "x$", std::string(256, 'a')}) {
    auto v = store.create(bad, {});
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_NE(v.error().what().find("`" + bad + "`"), std::string::npos) << v.error().what();
  }
  EXPECT_TRUE(entries_of(store_root_).empty());
  EXPECT_FALSE(store.inspect("../up").ok());
}

TEST_F(Volumes, GoodNamesUseDockersCharacters) {
  VolumeStore store(store_root_);
  for (const std::string& good : std::vector<std::string>{"ab", "my_vol.1-x", "0data", std::string(255, 'z')}) {
    auto v = store.create(good, {});
    EXPECT_TRUE(v.ok()) << good << ": " << v.error().what();
  }
}

TEST_F(Volumes, AnonymousVolumeIsNamedBy64RandomHexDigits) {
  VolumeStore store(store_root_);
  auto a = store.create("", {});
  auto b = store.create("", {});
  ASSERT_TRUE(a.ok()) << a.error().what();
  ASSERT_TRUE(b.ok()) << b.error().what();
  EXPECT_EQ(a->name.size(), 64u);
  EXPECT_EQ(a->name.find_first_not_of("0123456789abcdef"), std::string::npos) << a->name;
  EXPECT_NE(a->name, b->name);
  EXPECT_TRUE(a->anonymous);
  auto again = store.inspect(a->name);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->anonymous);
}

TEST_F(Volumes, ListIsSortedAndSkipsHalfMadeVolumes) {
  VolumeStore store(store_root_);
  ASSERT_TRUE(store.create("bb", {}).ok());
  ASSERT_TRUE(store.create("aa", {}).ok());
  ASSERT_EQ(::mkdir((store_root_ + "/cc").c_str(), 0700), 0);  // a creator died here
  ASSERT_EQ(::mkdir((store_root_ + "/.removing-0123").c_str(), 0700), 0);
  EXPECT_EQ(names_of(store.list()), (std::vector<std::string>{"aa", "bb"}));
}

TEST_F(Volumes, ListOfMissingStoreIsEmpty) {
  VolumeStore store(store_root_ + "/never-made");
  EXPECT_TRUE(store.list().empty());
}

TEST_F(Volumes, HalfMadeVolumeIsCleanedAndFinishedByNextCreate) {
  VolumeStore store(store_root_);
  ASSERT_TRUE(sys::make_directories(store_root_ + "/cc/_data").ok());
  write_text(store_root_ + "/cc/_data/stale", "from a crashed create\n");
  bool created = false;
  auto v = store.create("cc", {}, &created);
  ASSERT_TRUE(v.ok()) << v.error().what();
  EXPECT_TRUE(created);
  EXPECT_TRUE(entries_of(v->mountpoint).empty());
  EXPECT_EQ(names_of(store.list()), (std::vector<std::string>{"cc"}));
}

TEST_F(Volumes, ConcurrentCreatesOfOneNameMakeOneVolume) {
  // Many rounds of threads released together, each round racing on a fresh name: the
  // window between one creator's mkdir and its volume.json is small, so one round
  // alone would rarely catch a second "creator".
  constexpr int kRounds = 40, kThreads = 6;
  std::vector<std::string> expected;
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "shared" + std::to_string(100 + round);
    expected.push_back(name);
    std::atomic<bool> go{false};
    std::atomic<int> made{0}, failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        VolumeStore own(store_root_);  // own fds: flock(2) locks are per open file
        while (!go.load()) std::this_thread::yield();
        bool created = false;
        auto v = own.create(name, {}, &created);
        if (!v) ++failed;
        if (v && created) ++made;
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    ASSERT_EQ(failed.load(), 0) << name;
    ASSERT_EQ(made.load(), 1) << name;
  }
  EXPECT_EQ(names_of(VolumeStore(store_root_).list()), expected);
}

TEST_F(Volumes, RemoveDeletesTheVolumeAndItsData) {
  VolumeStore store(store_root_);
  auto v = store.create("gone", {});
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(sys::make_directories(v->mountpoint + "/deep/er").ok());
  write_text(v->mountpoint + "/deep/er/file", "data\n");
  auto r = store.remove("gone", {});
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_TRUE(entries_of(store_root_).empty());
  EXPECT_FALSE(store.inspect("gone").ok());
}

TEST_F(Volumes, RemoveDoesNotFollowLinksAContainerLeftInTheData) {
  VolumeStore store(store_root_);
  auto v = store.create("evil", {});
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(::symlink(outside_.c_str(), (v->mountpoint + "/escape").c_str()), 0);
  ASSERT_EQ(::symlink(marker_.c_str(), (v->mountpoint + "/marker-link").c_str()), 0);
  ASSERT_TRUE(store.remove("evil", {}).ok());
  EXPECT_EQ(read_text(marker_), "host secret\n");
  EXPECT_TRUE(entries_of(store_root_).empty());
}

TEST_F(Volumes, RemoveRefusesVolumeInUseAndNamesTheContainers) {
  VolumeStore store(store_root_);
  ASSERT_TRUE(store.create("busy", {}).ok());
  auto r = store.remove("busy", {"web", "db"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("volume busy is in use by container(s) web, db"), std::string::npos)
      << r.error().what();
  EXPECT_TRUE(store.inspect("busy").ok());
}

TEST_F(Volumes, RemoveOfMissingVolumeSaysNoSuchVolume) {
  VolumeStore store(store_root_);
  auto r = store.remove("nope", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().what(), "no such volume: nope");
}

TEST_F(Volumes, NameIsFreeAgainRightAfterRemove) {
  VolumeStore store(store_root_);
  ASSERT_TRUE(store.create("again", {{"n", "1"}}).ok());
  ASSERT_TRUE(store.remove("again", {}).ok());
  bool created = false;
  auto v = store.create("again", {{"n", "2"}}, &created);
  ASSERT_TRUE(v.ok()) << v.error().what();
  EXPECT_TRUE(created);
  EXPECT_EQ(v->labels.at("n"), "2");
}

// ---- seeding from the image ----

class VolumeSeeding : public Volumes {
 protected:
  void SetUp() override {
    Volumes::SetUp();
    rootfs_ = base_ + "/rootfs";
    image_dir_ = rootfs_ + "/var/lib/app";
    ASSERT_TRUE(sys::make_directories(image_dir_ + "/conf").ok());
    ::chmod(image_dir_.c_str(), 0750);
    write_text(image_dir_ + "/conf/app.ini", "port=80\n");
    ::chmod((image_dir_ + "/conf/app.ini").c_str(), 0640);
    const struct timespec times[2] = {{1000000000, 0}, {1100000000, 0}};
    ::utimensat(AT_FDCWD, (image_dir_ + "/conf/app.ini").c_str(), times, 0);
    ASSERT_EQ(::symlink("conf/app.ini", (image_dir_ + "/current").c_str()), 0);
    auto v = VolumeStore(store_root_).create("seeded", {});
    ASSERT_TRUE(v.ok()) << v.error().what();
    data_ = v->mountpoint;
  }
  std::string rootfs_, image_dir_, data_;
};

TEST_F(VolumeSeeding, NewVolumeGetsTheImageContentWithModesTimesAndLinks) {
  auto r = seed_volume_from_image(data_, image_dir_);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(data_ + "/conf/app.ini"), "port=80\n");
  struct stat st {};
  ASSERT_EQ(::lstat((data_ + "/conf/app.ini").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1100000000);
  EXPECT_EQ(st.st_uid, ::getuid());
  ASSERT_EQ(::lstat((data_ + "/current").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST_F(VolumeSeeding, VolumeRootTakesTheImageDirectoryMode) {
  ASSERT_TRUE(seed_volume_from_image(data_, image_dir_).ok());
  struct stat st {};
  ASSERT_EQ(::stat(data_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
}

TEST_F(VolumeSeeding, VolumeThatIsNotEmptyIsLeftAlone) {
  write_text(data_ + "/mine", "already here\n");
  ASSERT_TRUE(seed_volume_from_image(data_, image_dir_).ok());
  EXPECT_EQ(entries_of(data_), (std::vector<std::string>{"mine"}));
}

TEST_F(VolumeSeeding, MissingImagePathCopiesNothing) {
  ASSERT_TRUE(seed_volume_from_image(data_, rootfs_ + "/no/such/dir").ok());
  EXPECT_TRUE(entries_of(data_).empty());
}

TEST_F(VolumeSeeding, RootfsPathIsResolvedInsideTheRoot) {
  ASSERT_EQ(::symlink("/var/lib/app", (rootfs_ + "/data").c_str()), 0);
  auto r = seed_volume_from_rootfs(data_, rootfs_, "/data");
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(read_text(data_ + "/conf/app.ini"), "port=80\n");
}

TEST_F(VolumeSeeding, RootfsLinkToHostPathDoesNotSeedFromTheHost) {
  // Naively, <rootfs>/data -> /tmp/outside-PID is the host directory with the marker.
  ASSERT_EQ(::symlink(outside_.c_str(), (rootfs_ + "/data").c_str()), 0);
  ASSERT_EQ(::symlink("../../../../../../..", (rootfs_ + "/up").c_str()), 0);
  ASSERT_TRUE(seed_volume_from_rootfs(data_, rootfs_, "/data").ok());
  ASSERT_TRUE(seed_volume_from_rootfs(data_, rootfs_, "/up" + outside_).ok());
  EXPECT_TRUE(entries_of(data_).empty());
}

}  // namespace
}  // namespace minirun::engine
