/**
 * @file cgroup_v2_test.cpp
 * @brief cgroup v2 against a fake cgroupfs: a temporary directory of plain files that
 * looks like /sys/fs/cgroup on a pure v2 host, so these run without root and without
 * touching the real hierarchy.
 *
 * The fake plays the kernel's part through CgroupLayout's test hooks: a new directory
 * gets the knob files of the controllers its parent enabled in cgroup.subtree_control,
 * and before rmdir(2) the knob files are taken away again. What the fake cannot do is
 * react to writes (freeze, EBUSY); those are covered by the ROOT_ tests on a real
 * hierarchy where the host has one.
 */
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <sstream>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {
namespace {

std::string read(const std::string& path) {
  auto text = sys::read_file(path);
  return text.ok() ? *text : "<" + text.error().what() + ">";
}

void put(const std::string& path, const std::string& text) {
  ASSERT_TRUE(sys::write_file(path, text).ok()) << path;
}

bool is_cgroup_dir(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && sys::path_exists(path + "/cgroup.procs");
}

class CgroupV2Fake : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/minirun-fake-cgroup2-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    put(root_ + "/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    put(root_ + "/cgroup.subtree_control", "cpuset cpu io memory pids\n");
    put(root_ + "/cgroup.procs", "1\n");
    own_ = root_ + "/kit.scope";
    ASSERT_EQ(::mkdir(own_.c_str(), 0755), 0);
    populate(own_);
    layout_.unified_mount = root_;
    layout_.own_paths[""] = "/kit.scope";
    layout_.after_mkdir = [this](const std::string& dir) { populate(dir); };
    layout_.before_rmdir = [](const std::string& dir) { depopulate(dir); };
  }
  void TearDown() override { (void)sys::remove_tree(root_); }

  /// What the kernel shows in a new v2 directory: core files, plus the knobs of the
  /// controllers its parent enabled for it.
  void populate(const std::string& dir) {
    std::string parent = dir.substr(0, dir.find_last_of('/'));
    std::istringstream enabled(read(parent + "/cgroup.subtree_control"));
    std::string controllers;
    for (std::string c; enabled >> c;) controllers += (controllers.empty() ? "" : " ") + (c[0] == '+' ? c.substr(1) : c);
    put(dir + "/cgroup.controllers", controllers + "\n");
    put(dir + "/cgroup.subtree_control", "");
    put(dir + "/cgroup.procs", "");
    put(dir + "/cgroup.freeze", "0\n");
    put(dir + "/cgroup.events", "populated 0\nfrozen 0\n");
    put(dir + "/cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
    auto has = [&](const std::string& c) { return (" " + controllers + " ").find(" " + c + " ") != std::string::npos; };
    if (has("memory")) {
      for (const char* knob : {"memory.max", "memory.high"}) put(dir + "/" + knob, "max\n");
      put(dir + "/memory.low", "0\n");
      put(dir + "/memory.current", "0\n");
      put(dir + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
      if (swap_accounting_) put(dir + "/memory.swap.max", "max\n");
    }
    if (has("cpu")) {
      put(dir + "/cpu.weight", "100\n");
      put(dir + "/cpu.max", "max 100000\n");
    }
    if (has("cpuset")) {
      put(dir + "/cpuset.cpus", "");
      put(dir + "/cpuset.mems", "");
    }
    if (has("pids")) {
      put(dir + "/pids.max", "max\n");
      put(dir + "/pids.current", "0\n");
    }
    if (after_populate_) after_populate_(dir);
  }

  /// rmdir(2) on a real cgroup ignores its knob files; here they must go first. A
  /// directory that still has a child cgroup keeps them (rmdir fails, as it would).
  static void depopulate(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return;
    std::vector<std::string> entries;
    bool has_child = false;
    while (auto* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (is_cgroup_dir(dir + "/" + name)) has_child = true;
      else entries.push_back(dir + "/" + name);
    }
    ::closedir(d);
    if (has_child) return;
    for (const auto& e : entries) (void)sys::remove_tree(e);
  }

  std::unique_ptr<Cgroup> make(const std::string& id = "web", const std::string& cgroups_path = "") {
    auto cgroup = make_cgroup(layout_, cgroups_path, id);
    EXPECT_TRUE(cgroup.ok()) << cgroup.error().what();
    return cgroup.ok() ? std::move(*cgroup) : nullptr;
  }

  std::string root_, own_;
  CgroupLayout layout_;
  bool swap_accounting_ = true;
  std::function<void(const std::string&)> after_populate_;
};

Resources limits() {
  Resources r;
  r.memory_limit = 64 << 20;
  r.memory_swap = 96 << 20;
  r.memory_reservation = 32 << 20;
  r.cpu_shares = 1024;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  r.cpuset_cpus = "0-1";
  r.cpuset_mems = "0";
  r.pids_limit = 32;
  r.unified["memory.high"] = "50331648";
  return r;
}

TEST_F(CgroupV2Fake, CreateWritesEachKnob) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(limits()).ok());
  std::string leaf = own_ + "/minirun/web";
  EXPECT_EQ(cgroup->paths(), std::vector<std::string>{leaf});
  EXPECT_EQ(read(leaf + "/memory.max"), "67108864");
  EXPECT_EQ(read(leaf + "/memory.swap.max"), "33554432");  // swap - limit: v2 counts swap alone
  EXPECT_EQ(read(leaf + "/memory.low"), "33554432");
  EXPECT_EQ(read(leaf + "/cpu.weight"), "39");  // runc's map of shares 1024
  EXPECT_EQ(read(leaf + "/cpu.max"), "50000 100000");
  EXPECT_EQ(read(leaf + "/cpuset.cpus"), "0-1");
  EXPECT_EQ(read(leaf + "/cpuset.mems"), "0");
  EXPECT_EQ(read(leaf + "/pids.max"), "32");
  EXPECT_EQ(read(leaf + "/memory.high"), "50331648");
}

TEST_F(CgroupV2Fake, ControllersAreEnabledOnTheWayDown) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(limits()).ok());
  // Kernel order of cgroup.controllers; io is offered but not wanted.
  EXPECT_EQ(read(own_ + "/cgroup.subtree_control"), "+cpuset +cpu +memory +pids");
  EXPECT_EQ(read(own_ + "/minirun/cgroup.subtree_control"), "+cpuset +cpu +memory +pids");
  EXPECT_EQ(read(own_ + "/minirun/web/cgroup.subtree_control"), "");  // the leaf holds processes
}

TEST_F(CgroupV2Fake, CloneIntoFdIsTheLeafDirectory) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  int fd = cgroup->clone_into_fd();
  ASSERT_GE(fd, 0);
  struct stat by_fd {}, by_path {};
  ASSERT_EQ(::fstat(fd, &by_fd), 0);
  ASSERT_EQ(::stat((own_ + "/minirun/web").c_str(), &by_path), 0);
  EXPECT_EQ(by_fd.st_ino, by_path.st_ino);
  ASSERT_TRUE(cgroup->destroy().ok());
  EXPECT_EQ(cgroup->clone_into_fd(), -1);
}

TEST_F(CgroupV2Fake, FailedKnobWriteNamesFieldAndFile) {
  after_populate_ = [](const std::string& dir) {
    if (dir.size() > 4 && dir.substr(dir.size() - 4) == "/web") {
      ::unlink((dir + "/memory.max").c_str());
      ::mkdir((dir + "/memory.max").c_str(), 0755);  // write(2) to it fails: EISDIR
    }
  };
  auto cgroup = make();
  auto created = cgroup->create(limits());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().what().rfind("linux.resources.memory.limit: ", 0), 0u) << created.error().what();
  EXPECT_NE(created.error().what().find(own_ + "/minirun/web/memory.max`"), std::string::npos) << created.error().what();
}

TEST_F(CgroupV2Fake, FailedCreateLeavesNothingBehind) {
  after_populate_ = [](const std::string& dir) {
    if (dir.size() > 4 && dir.substr(dir.size() - 4) == "/web") ::unlink((dir + "/pids.max").c_str());
  };
  auto cgroup = make();
  ASSERT_FALSE(cgroup->create(limits()).ok());
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun"));
  EXPECT_TRUE(sys::path_exists(own_ + "/cgroup.procs"));  // the kit's own cgroup is untouched
  EXPECT_EQ(cgroup->clone_into_fd(), -1);
}

TEST_F(CgroupV2Fake, DestroyRemovesLeafAndEmptySharedParent) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(limits()).ok());
  ASSERT_TRUE(cgroup->destroy().ok());
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun/web"));
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun"));
  EXPECT_TRUE(cgroup->destroy().ok());  // twice is fine
}

TEST_F(CgroupV2Fake, SharedParentStaysWhileAnotherContainerUsesIt) {
  auto a = make("a"), b = make("b");
  ASSERT_TRUE(a->create(Resources{}).ok());
  ASSERT_TRUE(b->create(Resources{}).ok());
  ASSERT_TRUE(a->destroy().ok());
  EXPECT_TRUE(is_cgroup_dir(own_ + "/minirun/b"));
  ASSERT_TRUE(b->destroy().ok());
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun"));
}

TEST_F(CgroupV2Fake, DestructorRemovesUntilReleased) {
  ASSERT_TRUE(make("gone")->create(Resources{}).ok());
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun/gone"));
  {
    auto kept = make("kept");
    ASSERT_TRUE(kept->create(Resources{}).ok());
    kept->release();
  }
  EXPECT_TRUE(is_cgroup_dir(own_ + "/minirun/kept"));
  auto reopened = open_cgroup(layout_, {own_ + "/minirun/kept"});
  ASSERT_TRUE(reopened.ok()) << reopened.error().what();
  ASSERT_TRUE((*reopened)->destroy().ok());
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun"));
}

TEST_F(CgroupV2Fake, ExistingCgroupIsNotAdopted) {
  put(own_ + "/cgroup.subtree_control", "cpuset cpu memory pids\n");
  ASSERT_EQ(::mkdir((own_ + "/minirun").c_str(), 0755), 0);
  populate(own_ + "/minirun");
  put(own_ + "/minirun/cgroup.subtree_control", "cpuset cpu memory pids\n");
  ASSERT_EQ(::mkdir((own_ + "/minirun/web").c_str(), 0755), 0);
  populate(own_ + "/minirun/web");
  auto cgroup = make();
  auto created = cgroup->create(limits());
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().what().find("already exists"), std::string::npos) << created.error().what();
  EXPECT_EQ(read(own_ + "/minirun/web/pids.max"), "max\n");  // nothing written into it
  EXPECT_TRUE(cgroup->destroy().ok());
  EXPECT_TRUE(is_cgroup_dir(own_ + "/minirun/web"));  // and destroy() leaves it alone
}

TEST_F(CgroupV2Fake, ControllerNotOfferedIsNamedBeforeAnythingIsMade) {
  put(own_ + "/cgroup.controllers", "cpu memory\n");
  auto cgroup = make();
  Resources r;
  r.pids_limit = 10;
  auto created = cgroup->create(r);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().what().find("linux.resources.pids.limit: the `pids` controller is not available"),
            std::string::npos)
      << created.error().what();
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun"));
}

TEST_F(CgroupV2Fake, SwapLimitWithoutSwapAccountingIsAnError) {
  swap_accounting_ = false;
  auto cgroup = make();
  auto created = cgroup->create(limits());
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().what().find("swap accounting is off"), std::string::npos) << created.error().what();
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun"));
}

TEST_F(CgroupV2Fake, SwapEqualToLimitNeedsNoSwapAccounting) {
  swap_accounting_ = false;
  Resources r;
  r.memory_limit = 64 << 20;
  r.memory_swap = 64 << 20;  // "no swap"
  auto cgroup = make();
  EXPECT_TRUE(cgroup->create(r).ok());
}

TEST_F(CgroupV2Fake, UnifiedKeyCannotLeaveTheDirectory) {
  for (const char* key : {"../memory.max", "memory.max/x", "..", "nodot"}) {
    Resources r;
    r.unified[key] = "1";
    auto cgroup = make();
    auto created = cgroup->create(r);
    ASSERT_FALSE(created.ok()) << key;
    EXPECT_NE(created.error().what().find("linux.resources.unified"), std::string::npos);
  }
  EXPECT_FALSE(sys::path_exists(own_ + "/minirun"));
}

TEST_F(CgroupV2Fake, FreezeWritesCgroupFreezeAndWaitsForEvents) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  std::string leaf = own_ + "/minirun/web";
  put(leaf + "/cgroup.events", "populated 1\nfrozen 1\n");  // what the kernel would report
  ASSERT_TRUE(cgroup->freeze().ok());
  EXPECT_EQ(read(leaf + "/cgroup.freeze"), "1");
  EXPECT_TRUE(*cgroup->frozen());
  put(leaf + "/cgroup.events", "populated 1\nfrozen 0\n");
  ASSERT_TRUE(cgroup->thaw().ok());
  EXPECT_EQ(read(leaf + "/cgroup.freeze"), "0");
  EXPECT_FALSE(*cgroup->frozen());
}

TEST_F(CgroupV2Fake, StatsReadUsageAndOomKills) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(limits()).ok());
  std::string leaf = own_ + "/minirun/web";
  put(leaf + "/memory.current", "1234\n");
  put(leaf + "/cpu.stat", "usage_usec 250\nuser_usec 200\n");
  put(leaf + "/pids.current", "3\n");
  put(leaf + "/memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n");
  auto stats = cgroup->stats();
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  EXPECT_EQ(stats->memory_bytes, 1234u);
  EXPECT_EQ(stats->memory_limit_bytes, 64u << 20);
  EXPECT_EQ(stats->cpu_usage_ns, 250000u);
  EXPECT_EQ(stats->pids_current, 3u);
  EXPECT_EQ(stats->pids_limit, 32u);
  EXPECT_EQ(stats->oom_kills, 2u);
  auto kills = cgroup->oom_kills();  // the monitor's one-file read of the same figure
  ASSERT_TRUE(kills.ok()) << kills.error().what();
  EXPECT_EQ(*kills, 2u);
  put(leaf + "/memory.max", "max\n");
  EXPECT_EQ(cgroup->stats()->memory_limit_bytes, 0u);  // unlimited
}

TEST_F(CgroupV2Fake, ProcessesAndAddProcessUseCgroupProcs) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  std::string leaf = own_ + "/minirun/web";
  ASSERT_TRUE(cgroup->add_process(4242).ok());
  EXPECT_EQ(read(leaf + "/cgroup.procs"), "4242");
  put(leaf + "/cgroup.procs", "12\n34\n");
  EXPECT_EQ(*cgroup->processes(), (std::vector<pid_t>{12, 34}));
}

TEST(CgroupV2Plan, SharesBecomeWeightAsInRunc) {
  auto weight = [](uint64_t shares) {
    Resources r;
    r.cpu_shares = shares;
    auto plan = plan_v2_writes(r);
    return plan.ok() && plan->size() == 1 ? plan->front().value : "?";
  };
  EXPECT_EQ(weight(2), "1");
  EXPECT_EQ(weight(1024), "39");
  EXPECT_EQ(weight(262144), "10000");
  EXPECT_EQ(weight(1), "1");  // clamped to the v1 minimum
}

TEST(CgroupV2Plan, UnlimitedValuesAreMax) {
  Resources r;
  r.memory_limit = -1;
  r.memory_swap = -1;
  r.cpu_quota = -1;
  r.cpu_period = 100000;
  r.pids_limit = 0;
  auto plan = plan_v2_writes(r);
  ASSERT_TRUE(plan.ok()) << plan.error().what();
  std::map<std::string, std::string> values;
  for (const auto& w : *plan) values[w.knob] = w.value;
  EXPECT_EQ(values["memory.max"], "max");
  EXPECT_EQ(values["memory.swap.max"], "max");
  EXPECT_EQ(values["cpu.max"], "max 100000");
  EXPECT_EQ(values["pids.max"], "max");
}

TEST(CgroupV2Plan, SwapNeedsAMemoryLimitAndMustNotBeBelowIt) {
  Resources r;
  r.memory_swap = 64 << 20;
  auto plan = plan_v2_writes(r);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().what().find("linux.resources.memory.swap"), std::string::npos);
  r.memory_limit = 128 << 20;
  plan = plan_v2_writes(r);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().what().find("is below linux.resources.memory.limit"), std::string::npos);
}

TEST(CgroupV2Plan, DeviceRulesAreAcceptedButNotEnforced) {
  Resources r;
  r.devices.push_back(DeviceRule{});  // deny all
  auto plan = plan_v2_writes(r);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());  // needs eBPF: see cgroup_v2.cpp
}

}  // namespace
}  // namespace minirun::runtime
