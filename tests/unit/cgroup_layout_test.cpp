/**
 * @file cgroup_layout_test.cpp
 * @brief Finding the cgroup hierarchies (CgroupLayout::parse) and placing a container's
 * cgroup in them (make_cgroup / open_cgroup), on texts and paths only: no cgroup is
 * made here, so no root is needed.
 */
#include <gtest/gtest.h>

#include <algorithm>

#include "minirun/runtime/cgroup.hpp"

namespace minirun::runtime {
namespace {

// This lab VM: v1 controllers each on their own mount, name=systemd, an empty cgroup2.
const char* kHybridMountinfo =
    "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
const char* kHybridSelf =
    "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
    "4:memory:/process_api/9ae9\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";

// Debian 12 / Ubuntu 22.04: one cgroup2 tree, the shell in a session scope.
const char* kPureV2Mountinfo =
    "25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
const char* kPureV2Self = "0::/user.slice/user-0.slice/session-3.scope\n";

CgroupLayout parsed(const char* mountinfo, const char* self) {
  auto layout = CgroupLayout::parse(mountinfo, self);
  EXPECT_TRUE(layout.ok()) << layout.error().what();
  return layout.ok() ? *layout : CgroupLayout{};
}

std::vector<std::string> paths_for(const CgroupLayout& layout, const std::string& cgroups_path, const std::string& id) {
  auto cgroup = make_cgroup(layout, cgroups_path, id);
  EXPECT_TRUE(cgroup.ok()) << cgroup.error().what();
  if (!cgroup) return {};
  auto paths = (*cgroup)->paths();
  std::sort(paths.begin(), paths.end());
  return paths;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(CgroupLayout, HybridMapsEachControllerToItsMount) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  EXPECT_TRUE(layout.uses_v1());
  EXPECT_EQ(layout.v1_mounts.at("memory"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(layout.v1_mounts.at("cpu"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(layout.v1_mounts.at("cpuacct"), "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(layout.v1_mounts.at("pids"), "/sys/fs/cgroup/pids");
  EXPECT_EQ(layout.unified_mount, "/sys/fs/cgroup/unified");
}

TEST(CgroupLayout, NamedHierarchyIsNotAController) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  for (const auto& [name, mount] : layout.v1_mounts) {
    EXPECT_EQ(name.find("name="), std::string::npos) << name;
    EXPECT_NE(mount, "/sys/fs/cgroup/systemd");
  }
  EXPECT_EQ(layout.v1_mounts.count("systemd"), 0u);
}

TEST(CgroupLayout, OwnPathsComeFromProcSelfCgroup) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  EXPECT_EQ(layout.own_paths.at("memory"), "/process_api/9ae9");
  EXPECT_EQ(layout.own_paths.at("pids"), "/");
  EXPECT_EQ(layout.own_paths.at(""), "/");
}

TEST(CgroupLayout, JoinedControllersShareOneMount) {
  auto layout = parsed(
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,clone_children,memory\n",
      "3:memory:/\n2:cpu,cpuacct:/ci/job-7\n");
  EXPECT_EQ(layout.v1_mounts.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout.v1_mounts.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout.v1_mounts.count("clone_children"), 0u);
  EXPECT_EQ(layout.own_paths.at("cpu"), "/ci/job-7");
  EXPECT_EQ(layout.own_paths.at("cpuacct"), "/ci/job-7");
  EXPECT_TRUE(layout.unified_mount.empty());
}

TEST(CgroupLayout, PureV2HasOnlyTheUnifiedMount) {
  CgroupLayout layout = parsed(kPureV2Mountinfo, kPureV2Self);
  EXPECT_FALSE(layout.uses_v1());
  EXPECT_EQ(layout.unified_mount, "/sys/fs/cgroup");
  EXPECT_EQ(layout.own_paths.at(""), "/user.slice/user-0.slice/session-3.scope");
}

TEST(CgroupLayout, OwnPathIsRelativeToWhatIsMounted) {
  // Inside a container the mount shows only the container's subtree (root field).
  auto layout = parsed("90 80 0:31 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n"
                       "91 80 0:22 /docker/abc /sys/fs/cgroup/unified ro - cgroup2 cgroup2 rw\n",
                       "4:memory:/docker/abc/inner\n0::/docker/abc\n");
  EXPECT_EQ(layout.own_paths.at("memory"), "/inner");
  EXPECT_EQ(layout.own_paths.at(""), "/");
}

TEST(CgroupLayout, EscapedMountPointIsDecoded) {
  auto layout = parsed("34 30 0:31 / /mnt/my\\040cgroups rw - cgroup cgroup rw,memory\n", "4:memory:/\n");
  EXPECT_EQ(layout.v1_mounts.at("memory"), "/mnt/my cgroups");
}

TEST(CgroupLayout, NoCgroupMountIsAnError) {
  auto layout = CgroupLayout::parse("22 1 0:21 / /sys rw - sysfs sysfs rw\n", "0::/\n");
  ASSERT_FALSE(layout.ok());
  EXPECT_NE(layout.error().what().find("no cgroup filesystem"), std::string::npos);
}

TEST(CgroupLayout, DetectReadsThisMachine) {
  auto layout = CgroupLayout::detect();
  ASSERT_TRUE(layout.ok()) << layout.error().what();
  EXPECT_TRUE(layout->uses_v1() || !layout->unified_mount.empty());
}

TEST(CgroupPath, DefaultIsOwnCgroupThenMinirunThenId) {
  auto paths = paths_for(parsed(kHybridMountinfo, kHybridSelf), "", "web");
  EXPECT_TRUE(contains(paths, "/sys/fs/cgroup/memory/process_api/9ae9/minirun/web"));
  EXPECT_TRUE(contains(paths, "/sys/fs/cgroup/pids/minirun/web"));
  EXPECT_TRUE(contains(paths, "/sys/fs/cgroup/cpuacct/minirun/web"));
  // Only the controllers the kit uses: no blkio, no systemd, no unified on a v1 host.
  EXPECT_EQ(paths.size(), 7u);
  EXPECT_FALSE(contains(paths, "/sys/fs/cgroup/blkio/minirun/web"));
}

TEST(CgroupPath, AbsoluteIsFromTheHierarchyRoot) {
  auto paths = paths_for(parsed(kHybridMountinfo, kHybridSelf), "/tenants/a/web", "web");
  EXPECT_TRUE(contains(paths, "/sys/fs/cgroup/memory/tenants/a/web"));
  EXPECT_TRUE(contains(paths, "/sys/fs/cgroup/pids/tenants/a/web"));
}

TEST(CgroupPath, RelativeIsBelowOwnCgroup) {
  auto paths = paths_for(parsed(kHybridMountinfo, kHybridSelf), "jobs/web", "web");
  EXPECT_TRUE(contains(paths, "/sys/fs/cgroup/memory/process_api/9ae9/jobs/web"));
  EXPECT_TRUE(contains(paths, "/sys/fs/cgroup/pids/jobs/web"));
}

TEST(CgroupPath, PureV2GivesOneDirectory) {
  auto layout = parsed(kPureV2Mountinfo, kPureV2Self);
  EXPECT_EQ(paths_for(layout, "", "web"),
            std::vector<std::string>{"/sys/fs/cgroup/user.slice/user-0.slice/session-3.scope/minirun/web"});
  EXPECT_EQ(paths_for(layout, "/minirun.slice/web", "web"), std::vector<std::string>{"/sys/fs/cgroup/minirun.slice/web"});
}

TEST(CgroupPath, JoinedControllersGetOneDirectory) {
  auto layout = parsed("31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n", "2:cpu,cpuacct:/\n");
  EXPECT_EQ(paths_for(layout, "", "web"), std::vector<std::string>{"/sys/fs/cgroup/cpu,cpuacct/minirun/web"});
}

TEST(CgroupPath, DotDotIsRejected) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  for (const char* bad : {"../escape", "/a/../../b", "jobs/..", "/.."}) {
    auto cgroup = make_cgroup(layout, bad, "web");
    ASSERT_FALSE(cgroup.ok()) << bad;
    EXPECT_NE(cgroup.error().what().find("`..` is not allowed"), std::string::npos) << cgroup.error().what();
  }
}

TEST(CgroupPath, BadIdIsRejected) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  for (const char* bad : {"", ".", "..", "a/b"}) EXPECT_FALSE(make_cgroup(layout, "", bad).ok()) << bad;
}

TEST(CgroupPath, HierarchyRootIsRejected) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  EXPECT_FALSE(make_cgroup(layout, "/", "web").ok());
  EXPECT_FALSE(make_cgroup(layout, "//./", "web").ok());
}

TEST(CgroupPath, SystemdStylePathIsExplained) {
  auto cgroup = make_cgroup(parsed(kHybridMountinfo, kHybridSelf), "system.slice:docker:web", "web");
  ASSERT_FALSE(cgroup.ok());
  EXPECT_NE(cgroup.error().what().find("systemd"), std::string::npos);
}

TEST(CgroupPath, OpenFindsTheHierarchyOfEachPath) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  auto made = paths_for(layout, "", "web");
  auto opened = open_cgroup(layout, made);
  ASSERT_TRUE(opened.ok()) << opened.error().what();
  auto paths = (*opened)->paths();
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, made);
  EXPECT_EQ((*opened)->clone_into_fd(), -1);
}

TEST(CgroupPath, OpenRejectsPathsOutsideTheHierarchies) {
  CgroupLayout layout = parsed(kHybridMountinfo, kHybridSelf);
  EXPECT_FALSE(open_cgroup(layout, {"/tmp/evil"}).ok());
  EXPECT_FALSE(open_cgroup(layout, {"/sys/fs/cgroup/memory/../../../etc"}).ok());
  EXPECT_FALSE(open_cgroup(layout, {"/sys/fs/cgroup/memory"}).ok());  // the root itself
  EXPECT_FALSE(open_cgroup(layout, {"relative/web"}).ok());
  EXPECT_FALSE(open_cgroup(layout, {}).ok());
}

}  // namespace
}  // namespace minirun::runtime
