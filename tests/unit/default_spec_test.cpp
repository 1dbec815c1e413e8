/**
 * @file default_spec_test.cpp
 * @brief default_spec(), the config `minirun-oci spec` writes: it parses, and it says
 * what runc's template and Docker's defaults say (with the differences documented in
 * default_spec.cpp).
 */
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>

#include "minirun/runtime/capabilities.hpp"
#include "minirun/runtime/spec.hpp"
#include "tests/unit/spec_test_support.hpp"

namespace minirun::runtime {
namespace {

using json = nlohmann::json;
using testing::Succeeds;
using testing::TempBundle;

const Mount* find_mount(const Spec& spec, const std::string& destination) {
  for (const auto& m : spec.mounts)
    if (m.destination == destination) return &m;
  return nullptr;
}

TEST(SpecDefault, RoundTripsThroughParseSpec) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(false));
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->oci_version, "1.0.2");
  EXPECT_EQ(spec->root.path, bundle.path() + "/rootfs");
  EXPECT_TRUE(spec->root.readonly);
  EXPECT_EQ(spec->hostname, "minirun");
  EXPECT_EQ(spec->process.args, std::vector<std::string>{"sh"});
  EXPECT_EQ(spec->process.cwd, "/");
  EXPECT_TRUE(spec->process.no_new_privileges);
  EXPECT_TRUE(spec->ignored.empty()) << "the parser should read every field the kit writes";
}

TEST(SpecDefault, SurvivesJsonTextRoundTrip) {
  TempBundle bundle;
  bundle.write_file("config.json", default_spec(false).dump(2));
  EXPECT_TRUE(Succeeds(load_spec(bundle.path())));
}

TEST(SpecDefault, TerminalIsOffSoRunWorksWithoutTty) {
  EXPECT_EQ(default_spec(false)["process"]["terminal"], false);
}

TEST(SpecDefault, KeepsDockersFourteenCapabilities) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(false));
  ASSERT_TRUE(Succeeds(spec));
  ASSERT_TRUE(spec->process.capabilities.has_value());
  std::vector<std::string> names;
  for (int cap : spec->process.capabilities->bounding) names.push_back(capability_name(cap));
  std::sort(names.begin(), names.end());
  std::vector<std::string> expected = {"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
                                       "CAP_FSETID", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE",
                                       "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
                                       "CAP_SETUID", "CAP_SYS_CHROOT"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(spec->process.capabilities->effective, spec->process.capabilities->bounding);
  EXPECT_EQ(spec->process.capabilities->permitted, spec->process.capabilities->bounding);
  EXPECT_TRUE(spec->process.capabilities->ambient.empty());
  auto& bounding = spec->process.capabilities->bounding;
  EXPECT_EQ(std::find(bounding.begin(), bounding.end(), 21), bounding.end()) << "CAP_SYS_ADMIN must not be kept";
}

TEST(SpecDefault, NofileRlimitIs1024) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(false));
  ASSERT_TRUE(Succeeds(spec));
  ASSERT_EQ(spec->process.rlimits.size(), 1u);
  EXPECT_EQ(spec->process.rlimits[0].name, "RLIMIT_NOFILE");
  EXPECT_EQ(spec->process.rlimits[0].soft, 1024u);
  EXPECT_EQ(spec->process.rlimits[0].hard, 1024u);
}

TEST(SpecDefault, MountsAreRuncsWithDecodedFlags) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(false));
  ASSERT_TRUE(Succeeds(spec));
  std::vector<std::string> destinations;
  for (const auto& m : spec->mounts) destinations.push_back(m.destination);
  EXPECT_EQ(destinations, (std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                                                    "/sys/fs/cgroup"}));
  const Mount* dev = find_mount(*spec, "/dev");
  EXPECT_EQ(dev->flags, static_cast<unsigned long>(MS_NOSUID | MS_STRICTATIME));
  EXPECT_EQ(dev->data, "mode=755,size=65536k");
  const Mount* pts = find_mount(*spec, "/dev/pts");
  EXPECT_EQ(pts->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC));
  EXPECT_EQ(pts->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  const Mount* shm = find_mount(*spec, "/dev/shm");
  EXPECT_EQ(shm->source, "shm");
  EXPECT_EQ(shm->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV));
  EXPECT_EQ(shm->data, "mode=1777,size=65536k");
  EXPECT_EQ(find_mount(*spec, "/sys")->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  EXPECT_EQ(find_mount(*spec, "/sys/fs/cgroup")->flags,
            static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY));
}

TEST(SpecDefault, AllNamespacesButUserAndTime) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(false));
  ASSERT_TRUE(Succeeds(spec));
  for (auto type : {NamespaceType::pid, NamespaceType::network, NamespaceType::ipc, NamespaceType::uts,
                    NamespaceType::mount, NamespaceType::cgroup}) {
    const Namespace* ns = spec->linux.find_namespace(type);
    ASSERT_NE(ns, nullptr) << proc_ns_name(type);
    EXPECT_TRUE(ns->path.empty());
  }
  EXPECT_EQ(spec->linux.find_namespace(NamespaceType::user), nullptr);
  EXPECT_EQ(spec->linux.find_namespace(NamespaceType::time), nullptr);
}

TEST(SpecDefault, MasksAndProtectsRuncsPaths) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(false));
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->linux.masked_paths,
            (std::vector<std::string>{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                      "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}));
  EXPECT_EQ(spec->linux.readonly_paths,
            (std::vector<std::string>{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
}

TEST(SpecDefault, RootlessMapsCallerToRootInNewUserNamespace) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(true));
  ASSERT_TRUE(Succeeds(spec));
  const Namespace* user = spec->linux.find_namespace(NamespaceType::user);
  ASSERT_NE(user, nullptr);
  EXPECT_TRUE(user->path.empty());
  ASSERT_EQ(spec->linux.uid_mappings.size(), 1u);
  EXPECT_EQ(spec->linux.uid_mappings[0].container_id, 0u);
  EXPECT_EQ(spec->linux.uid_mappings[0].host_id, ::geteuid());
  EXPECT_EQ(spec->linux.uid_mappings[0].size, 1u);
  ASSERT_EQ(spec->linux.gid_mappings.size(), 1u);
  EXPECT_EQ(spec->linux.gid_mappings[0].host_id, ::getegid());
}

TEST(SpecDefault, RootlessDropsNetworkNamespaceAndCgroupMount) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(true));
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->linux.find_namespace(NamespaceType::network), nullptr);
  EXPECT_EQ(find_mount(*spec, "/sys/fs/cgroup"), nullptr);
  EXPECT_FALSE(spec->linux.resources.has_value());
}

TEST(SpecDefault, RootlessBindsHostSysAndDropsDevptsGid) {
  TempBundle bundle;
  auto spec = bundle.parse(default_spec(true));
  ASSERT_TRUE(Succeeds(spec));
  const Mount* sys = find_mount(*spec, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_TRUE(sys->bind);
  EXPECT_TRUE(sys->recursive_bind);
  EXPECT_EQ(sys->source, "/sys");
  EXPECT_NE(sys->flags & MS_RDONLY, 0ul);
  const Mount* pts = find_mount(*spec, "/dev/pts");
  ASSERT_NE(pts, nullptr);
  EXPECT_EQ(pts->data, "newinstance,ptmxmode=0666,mode=0620");
}

}  // namespace
}  // namespace minirun::runtime
