/**
 * @file cgroup_v1_fake_test.cpp
 * @brief cgroup v1 against a fake cgroupfs (plain files in a temporary directory laid
 * out like this lab VM's /sys/fs/cgroup/{memory,cpu,cpuacct,...}), and the v1 write
 * plan on its own: which knob gets which value, in which order.
 *
 * The real v1 hierarchy is exercised by tests/integration/cgroup_v1_test.cpp (root).
 * Here the fake plays the kernel through CgroupLayout's test hooks: a new directory
 * gets the knob files of its hierarchy (a v1 cpuset directory starts with empty
 * cpuset.cpus and cpuset.mems, as the kernel's does), and loses them before rmdir(2).
 * A plain file keeps only the last value written, so the *order* of writes is checked
 * on the plan, and the fake tree checks that each value lands in the right file.
 */
#include <algorithm>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

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

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

class CgroupV1Fake : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/minirun-fake-cgroup1-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    // cpu and cpuacct mounted together, as many distros do; the rest one per mount.
    for (const char* h : {"memory", "cpu,cpuacct", "pids", "cpuset", "freezer", "devices"}) {
      std::string mount = root_ + "/" + h;
      ASSERT_EQ(::mkdir(mount.c_str(), 0755), 0);
      populate(mount);
    }
    put(root_ + "/cpuset/cpuset.cpus", "0-3\n");
    put(root_ + "/cpuset/cpuset.mems", "0\n");
    // The kit runs in /user/1 in the memory hierarchy and in the root elsewhere.
    ASSERT_EQ(::mkdir((root_ + "/memory/user").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/memory/user/1").c_str(), 0755), 0);
    populate(root_ + "/memory/user/1");
    for (const char* c : {"memory", "pids", "cpuset", "freezer", "devices"}) layout_.v1_mounts[c] = root_ + "/" + c;
    layout_.v1_mounts["cpu"] = layout_.v1_mounts["cpuacct"] = root_ + "/cpu,cpuacct";
    for (const auto& [c, mount] : layout_.v1_mounts) layout_.own_paths[c] = "/";
    layout_.own_paths["memory"] = "/user/1";
    layout_.after_mkdir = [this](const std::string& dir) { populate(dir); };
    layout_.before_rmdir = [](const std::string& dir) { depopulate(dir); };
  }
  void TearDown() override { (void)sys::remove_tree(root_); }

  /// The knob files the kernel shows in a new directory of each v1 hierarchy.
  void populate(const std::string& dir) {
    std::string rest = dir.substr(root_.size() + 1);
    std::string hierarchy = rest.substr(0, rest.find('/'));
    put(dir + "/cgroup.procs", "");
    put(dir + "/tasks", "");
    if (hierarchy == "memory") {
      put(dir + "/memory.limit_in_bytes", "9223372036854771712\n");
      if (swap_accounting_) put(dir + "/memory.memsw.limit_in_bytes", "9223372036854771712\n");
      put(dir + "/memory.soft_limit_in_bytes", "9223372036854771712\n");
      put(dir + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
      put(dir + "/memory.usage_in_bytes", "0\n");
    } else if (hierarchy == "cpu,cpuacct") {
      put(dir + "/cpu.shares", "1024\n");
      put(dir + "/cpu.cfs_period_us", "100000\n");
      put(dir + "/cpu.cfs_quota_us", "-1\n");
      put(dir + "/cpuacct.usage", "0\n");
    } else if (hierarchy == "pids") {
      put(dir + "/pids.max", "max\n");
      put(dir + "/pids.current", "0\n");
    } else if (hierarchy == "cpuset") {
      put(dir + "/cpuset.cpus", "");  // empty in a new v1 cpuset: the quirk the code handles
      put(dir + "/cpuset.mems", "");
    } else if (hierarchy == "freezer") {
      put(dir + "/freezer.state", "THAWED\n");
    } else if (hierarchy == "devices") {
      put(dir + "/devices.allow", "");
      put(dir + "/devices.deny", "");
      put(dir + "/devices.list", "a *:* rwm\n");
    }
    if (after_populate_) after_populate_(dir);
  }

  /// Takes the knob files away so rmdir(2) can work, unless a child cgroup is inside.
  static void depopulate(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return;
    std::vector<std::string> entries;
    bool has_child = false;
    while (auto* e = ::readdir(d)) {
      std::string name = e->d_name, path = dir + "/" + name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && sys::path_exists(path + "/cgroup.procs"))
        has_child = true;
      else
        entries.push_back(path);
    }
    ::closedir(d);
    if (!has_child)
      for (const auto& e : entries) (void)sys::remove_tree(e);
  }

  std::unique_ptr<Cgroup> make(const std::string& id = "web") {
    auto cgroup = make_cgroup(layout_, "", id);
    EXPECT_TRUE(cgroup.ok()) << cgroup.error().what();
    return cgroup.ok() ? std::move(*cgroup) : nullptr;
  }

  /// The container's directory in one hierarchy.
  std::string leaf(const std::string& hierarchy, const std::string& id = "web") const {
    return root_ + "/" + hierarchy + (hierarchy == "memory" ? "/user/1" : "") + "/minirun/" + id;
  }

  bool any_minirun_dir_left() const {
    for (const char* h : {"cpu,cpuacct", "pids", "cpuset", "freezer", "devices"})
      if (sys::path_exists(root_ + "/" + h + "/minirun")) return true;
    return sys::path_exists(root_ + "/memory/user/1/minirun");
  }

  std::string root_;
  CgroupLayout layout_;
  bool swap_accounting_ = true;
  std::function<void(const std::string&)> after_populate_;
};

Resources limits() {
  Resources r;
  r.memory_limit = 64 << 20;
  r.memory_swap = 128 << 20;
  r.memory_reservation = 32 << 20;
  r.disable_oom_killer = true;
  r.cpu_shares = 512;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  r.pids_limit = 32;
  return r;
}

TEST_F(CgroupV1Fake, LimitsLandInTheRightFiles) {
  auto cgroup = make();
  auto created = cgroup->create(limits());
  ASSERT_TRUE(created.ok()) << created.error().what();
  EXPECT_EQ(read(leaf("memory") + "/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(read(leaf("memory") + "/memory.memsw.limit_in_bytes"), "134217728");
  EXPECT_EQ(read(leaf("memory") + "/memory.soft_limit_in_bytes"), "33554432");
  EXPECT_EQ(read(leaf("memory") + "/memory.oom_control"), "1");
  EXPECT_EQ(read(leaf("cpu,cpuacct") + "/cpu.shares"), "512");
  EXPECT_EQ(read(leaf("cpu,cpuacct") + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(read(leaf("cpu,cpuacct") + "/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(read(leaf("pids") + "/pids.max"), "32");
}

TEST_F(CgroupV1Fake, OneDirectoryPerMountedHierarchy) {
  auto cgroup = make();
  auto paths = cgroup->paths();
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> expected;
  for (const char* h : {"cpu,cpuacct", "cpuset", "devices", "freezer", "memory", "pids"}) expected.push_back(leaf(h));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(paths, expected);
  EXPECT_EQ(cgroup->clone_into_fd(), -1);
}

TEST_F(CgroupV1Fake, CpusetIsNotJoinedUnlessAsked) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  EXPECT_FALSE(sys::path_exists(leaf("cpuset")));
  for (const auto& p : cgroup->paths()) EXPECT_EQ(p.find("/cpuset/"), std::string::npos) << p;
  EXPECT_TRUE(sys::path_exists(leaf("memory")));
}

TEST_F(CgroupV1Fake, PlanFixesThePathsBeforeAnythingIsMade) {
  // A caller may need the final paths before anything exists (the runtime made the v1
  // cgroup after clone in an earlier design): plan() chooses the hierarchies, makes nothing.
  Resources r;
  r.cpu_shares = 512;
  auto cgroup = make();
  ASSERT_TRUE(cgroup->plan(r).ok());
  EXPECT_FALSE(sys::path_exists(leaf("memory"))) << "plan() made a directory";
  auto planned = cgroup->paths();
  EXPECT_NE(std::find(planned.begin(), planned.end(), leaf("cpu,cpuacct")), planned.end()) << "CPU limit, cpu not joined";
  EXPECT_EQ(std::find(planned.begin(), planned.end(), leaf("cpuset")), planned.end()) << "cpuset joined unasked";
  ASSERT_TRUE(cgroup->create(r).ok());
  EXPECT_EQ(cgroup->paths(), planned) << "create() made other directories than plan() said";
  for (const auto& p : planned) EXPECT_TRUE(sys::path_exists(p)) << p;
}

TEST_F(CgroupV1Fake, CpusetIsCopiedFromTheParent) {
  Resources r;
  r.cpuset_mems = "0";  // asking for memory nodes only: the CPUs come from the parent
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(r).ok());
  EXPECT_EQ(read(root_ + "/cpuset/minirun/cpuset.cpus"), "0-3");
  EXPECT_EQ(read(root_ + "/cpuset/minirun/cpuset.mems"), "0");
  EXPECT_EQ(read(leaf("cpuset") + "/cpuset.cpus"), "0-3");
  EXPECT_EQ(read(leaf("cpuset") + "/cpuset.mems"), "0");
}

TEST_F(CgroupV1Fake, OwnCpusetIsWrittenAfterTheCopy) {
  Resources r;
  r.cpuset_cpus = "1";
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(r).ok());
  EXPECT_EQ(read(root_ + "/cpuset/minirun/cpuset.cpus"), "0-3");
  EXPECT_EQ(read(leaf("cpuset") + "/cpuset.cpus"), "1");
}

TEST_F(CgroupV1Fake, DeviceRulesReachDevicesAllowAndDeny) {
  Resources r;
  r.devices.push_back(DeviceRule{false, 'a', std::nullopt, std::nullopt, "rwm"});
  r.devices.push_back(DeviceRule{true, 'c', 1, 3, "rwm"});
  r.devices.push_back(DeviceRule{true, 'c', 136, std::nullopt, "rw"});
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(r).ok());
  // A plain file keeps the last write of each; the order is checked on the plan below.
  EXPECT_EQ(read(leaf("devices") + "/devices.deny"), "a *:* rwm");
  EXPECT_EQ(read(leaf("devices") + "/devices.allow"), "c 136:* rw");
}

TEST_F(CgroupV1Fake, FailedCreateLeavesNothingBehind) {
  after_populate_ = [](const std::string& dir) {
    if (ends_with(dir, "/pids/minirun/web")) {
      ::unlink((dir + "/pids.max").c_str());
      ::mkdir((dir + "/pids.max").c_str(), 0755);  // write(2) fails with EISDIR
    }
  };
  auto cgroup = make();
  auto created = cgroup->create(limits());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().what().rfind("linux.resources.pids.limit: ", 0), 0u) << created.error().what();
  EXPECT_NE(created.error().what().find("/pids/minirun/web/pids.max`"), std::string::npos) << created.error().what();
  EXPECT_FALSE(any_minirun_dir_left());
  EXPECT_TRUE(sys::path_exists(root_ + "/memory/user/1/cgroup.procs"));  // own cgroup untouched
}

TEST_F(CgroupV1Fake, MissingControllerIsNamedBeforeAnythingIsMade) {
  layout_.v1_mounts.erase("pids");
  auto cgroup = make();
  Resources r;
  r.pids_limit = 10;
  auto created = cgroup->create(r);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().what().find("linux.resources.pids.limit: the `pids` cgroup controller is not mounted"),
            std::string::npos)
      << created.error().what();
  EXPECT_FALSE(any_minirun_dir_left());
}

TEST_F(CgroupV1Fake, SwapLimitWithoutSwapAccountingIsAnError) {
  swap_accounting_ = false;
  auto cgroup = make();
  auto created = cgroup->create(limits());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().what().rfind("linux.resources.memory.swap: ", 0), 0u) << created.error().what();
  EXPECT_NE(created.error().what().find("swap accounting is off"), std::string::npos);
  EXPECT_FALSE(any_minirun_dir_left());
}

TEST_F(CgroupV1Fake, SwapEqualToLimitIsSkippedWithoutSwapAccounting) {
  swap_accounting_ = false;
  Resources r;
  r.memory_limit = 64 << 20;
  r.memory_swap = 64 << 20;
  EXPECT_TRUE(make()->create(r).ok());
}

TEST_F(CgroupV1Fake, ExistingCgroupIsNotAdopted) {
  ASSERT_EQ(::mkdir((root_ + "/pids/minirun").c_str(), 0755), 0);
  populate(root_ + "/pids/minirun");
  ASSERT_EQ(::mkdir(leaf("pids").c_str(), 0755), 0);
  populate(leaf("pids"));
  auto cgroup = make();
  auto created = cgroup->create(limits());
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().what().find("already exists: another container with this id?"), std::string::npos)
      << created.error().what();
  EXPECT_EQ(read(leaf("pids") + "/pids.max"), "max\n");  // the other one is untouched
  EXPECT_TRUE(cgroup->destroy().ok());
  EXPECT_TRUE(sys::path_exists(leaf("pids") + "/cgroup.procs"));
  EXPECT_FALSE(sys::path_exists(leaf("memory")));  // what this create() made is gone
}

TEST_F(CgroupV1Fake, DestroyRemovesEveryDirectory) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(limits()).ok());
  ASSERT_TRUE(cgroup->destroy().ok());
  EXPECT_FALSE(any_minirun_dir_left());
  EXPECT_TRUE(cgroup->destroy().ok());
}

TEST_F(CgroupV1Fake, SharedParentStaysWhileAnotherContainerUsesIt) {
  auto a = make("a"), b = make("b");
  ASSERT_TRUE(a->create(Resources{}).ok());
  ASSERT_TRUE(b->create(Resources{}).ok());
  ASSERT_TRUE(a->destroy().ok());
  EXPECT_TRUE(sys::path_exists(leaf("pids", "b")));
  EXPECT_FALSE(sys::path_exists(leaf("pids", "a")));
  ASSERT_TRUE(b->destroy().ok());
  EXPECT_FALSE(any_minirun_dir_left());
}

TEST_F(CgroupV1Fake, DestructorRemovesUntilReleased) {
  ASSERT_TRUE(make("gone")->create(Resources{}).ok());
  EXPECT_FALSE(any_minirun_dir_left());
  std::vector<std::string> kept_paths;
  {
    auto kept = make("kept");
    ASSERT_TRUE(kept->create(Resources{}).ok());
    kept->release();
    kept_paths = kept->paths();
  }
  EXPECT_TRUE(sys::path_exists(leaf("memory", "kept")));
  auto reopened = open_cgroup(layout_, kept_paths);
  ASSERT_TRUE(reopened.ok()) << reopened.error().what();
  ASSERT_TRUE((*reopened)->destroy().ok());
  EXPECT_FALSE(any_minirun_dir_left());
}

TEST_F(CgroupV1Fake, FreezeAndThawWriteFreezerState) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  ASSERT_TRUE(cgroup->freeze().ok());
  EXPECT_EQ(read(leaf("freezer") + "/freezer.state"), "FROZEN");
  EXPECT_TRUE(*cgroup->frozen());
  ASSERT_TRUE(cgroup->thaw().ok());
  EXPECT_FALSE(*cgroup->frozen());
}

TEST_F(CgroupV1Fake, StatsReadUsageLimitsAndOomKills) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  put(leaf("memory") + "/memory.usage_in_bytes", "4096\n");
  put(leaf("memory") + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  put(leaf("cpu,cpuacct") + "/cpuacct.usage", "123456789\n");
  put(leaf("pids") + "/pids.current", "5\n");
  put(leaf("pids") + "/pids.max", "20\n");
  auto stats = cgroup->stats();
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  EXPECT_EQ(stats->memory_bytes, 4096u);
  EXPECT_EQ(stats->memory_limit_bytes, 0u);  // 9223372036854771712: v1's "unlimited"
  EXPECT_EQ(stats->oom_kills, 3u);
  EXPECT_EQ(stats->cpu_usage_ns, 123456789u);
  EXPECT_EQ(stats->pids_current, 5u);
  EXPECT_EQ(stats->pids_limit, 20u);
  auto kills = cgroup->oom_kills();  // the monitor's one-file read of the same figure
  ASSERT_TRUE(kills.ok()) << kills.error().what();
  EXPECT_EQ(*kills, 3u);
}

TEST_F(CgroupV1Fake, AddProcessWritesEveryHierarchy) {
  auto cgroup = make();
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  ASSERT_TRUE(cgroup->add_process(4242).ok());
  for (const auto& dir : cgroup->paths()) EXPECT_EQ(read(dir + "/cgroup.procs"), "4242") << dir;
  put(leaf("pids") + "/cgroup.procs", "7\n8\n");
  EXPECT_EQ(*cgroup->processes(), (std::vector<pid_t>{7, 8}));
}

// --- the plan: order and values, no files

std::vector<std::string> knob_sequence(const Resources& r) {
  auto plan = plan_v1_writes(r);
  EXPECT_TRUE(plan.ok()) << plan.error().what();
  std::vector<std::string> out;
  if (plan.ok())
    for (const auto& w : *plan) out.push_back(w.knob + "=" + w.value);
  return out;
}

TEST(CgroupV1Plan, MemoryBeforeSwapAndPeriodBeforeQuota) {
  EXPECT_EQ(knob_sequence(limits()), (std::vector<std::string>{
                                         "memory.limit_in_bytes=67108864",
                                         "memory.memsw.limit_in_bytes=134217728",
                                         "memory.soft_limit_in_bytes=33554432",
                                         "memory.oom_control=1",
                                         "cpu.shares=512",
                                         "cpu.cfs_period_us=100000",
                                         "cpu.cfs_quota_us=50000",
                                         "pids.max=32",
                                     }));
}

TEST(CgroupV1Plan, DevicesDenyAllThenEachRuleInOrder) {
  Resources r;
  r.devices.push_back(DeviceRule{false, 'a', std::nullopt, std::nullopt, "rwm"});
  r.devices.push_back(DeviceRule{true, 'c', 1, 3, "rwm"});
  r.devices.push_back(DeviceRule{true, 'c', std::nullopt, std::nullopt, "m"});
  r.devices.push_back(DeviceRule{false, 'b', 8, 0, "rw"});
  EXPECT_EQ(knob_sequence(r), (std::vector<std::string>{
                                  "devices.deny=a",
                                  "devices.deny=a *:* rwm",
                                  "devices.allow=c 1:3 rwm",
                                  "devices.allow=c *:* m",
                                  "devices.deny=b 8:0 rw",
                              }));
}

TEST(CgroupV1Plan, BadDeviceRuleIsNamed) {
  Resources r;
  r.devices.push_back(DeviceRule{true, 'c', 1, 3, "rwx"});
  auto plan = plan_v1_writes(r);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().what().find("linux.resources.devices[0].access"), std::string::npos);
}

TEST(CgroupV1Plan, UnlimitedPidsIsMax) {
  for (int64_t limit : {int64_t{-1}, int64_t{0}}) {
    Resources r;
    r.pids_limit = limit;
    EXPECT_EQ(knob_sequence(r), std::vector<std::string>{"pids.max=max"});
  }
}

TEST(CgroupV1Plan, SwapBelowMemoryIsRejected) {
  Resources r;
  r.memory_limit = 128 << 20;
  r.memory_swap = 64 << 20;
  auto plan = plan_v1_writes(r);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().what().rfind("linux.resources.memory.swap", 0), 0u);
}

TEST(CgroupV1Plan, UnifiedKnobsAreRejectedOnV1) {
  Resources r;
  r.unified["memory.high"] = "1";
  auto plan = plan_v1_writes(r);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().what().find("linux.resources.unified"), std::string::npos);
}

}  // namespace
}  // namespace minirun::runtime
