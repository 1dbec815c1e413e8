/**
 * @file spec_mounts_test.cpp
 * @brief `mounts`: option words decoded into MS_* flags, propagation and data, and the
 * destinations and bind sources that must be refused.
 */
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "minirun/runtime/rootfs.hpp"
#include "minirun/runtime/spec.hpp"
#include "tests/unit/spec_test_support.hpp"

namespace minirun::runtime {
namespace {

using json = nlohmann::json;
using testing::FailsWith;
using testing::minimal_config;
using testing::Succeeds;
using testing::TempBundle;

/// Takes a vector, not a json: `{object}` as a json would copy the object, not wrap it
/// in an array (C++ list-initialisation prefers the copy constructor).
Result<Spec> parse_with_mounts(const TempBundle& bundle, const std::vector<json>& mounts) {
  auto config = minimal_config();
  config["mounts"] = mounts;
  return bundle.parse(config);
}

json mount_with(const json& options, const char* type = "tmpfs", const char* destination = "/mnt") {
  return {{"destination", destination}, {"type", type}, {"source", type}, {"options", options}};
}

TEST(SpecMounts, MountsFromTheFirstCgroupOneWaitForTheCgroup) {
  // The child makes mounts[0, first_cgroup_mount) before it is in its cgroup, and the
  // rest after (setup_steps.cpp): the split is at the first cgroup or cgroup2 mount.
  Spec spec;
  auto add = [&](const char* dest, const char* type) {
    Mount m;
    m.destination = dest;
    m.type = type;
    spec.mounts.push_back(m);
  };
  EXPECT_EQ(first_cgroup_mount(spec), 0U) << "no mounts: nothing to split";
  add("/proc", "proc");
  add("/dev", "tmpfs");
  EXPECT_EQ(first_cgroup_mount(spec), 2U) << "no cgroup mount: all of them go first";
  add("/sys/fs/cgroup", "cgroup");
  add("/data", "bind");
  add("/sys/fs/cgroup/unified", "cgroup2");
  EXPECT_EQ(first_cgroup_mount(spec), 2U) << "the first cgroup mount and every mount after it wait";
  spec.mounts[2].type = "cgroup2";
  EXPECT_EQ(first_cgroup_mount(spec), 2U);
}

TEST(SpecMounts, FlagOptionsDecodeToMsFlags) {
  TempBundle bundle;
  auto spec = parse_with_mounts(
      bundle, {mount_with({"ro", "nosuid", "nodev", "noexec", "sync", "mand", "noatime", "nodiratime",
                           "relatime", "strictatime", "nosymfollow", "remount"})});
  ASSERT_TRUE(Succeeds(spec));
  const unsigned long expected = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_MANDLOCK |
                                 MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW |
                                 MS_REMOUNT;
  EXPECT_EQ(spec->mounts[0].flags, expected);
  EXPECT_TRUE(spec->mounts[0].data.empty());
  EXPECT_FALSE(spec->mounts[0].bind);
}

TEST(SpecMounts, OppositeOptionsClearFlagsInOrder) {
  TempBundle bundle;
  auto spec = parse_with_mounts(bundle, {mount_with({"ro", "nosuid", "nodev", "noexec", "sync", "mand", "noatime",
                                                     "nodiratime", "relatime", "rw", "suid", "dev", "exec",
                                                     "async", "nomand", "atime", "diratime", "norelatime"})});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].flags, 0ul);
  spec = parse_with_mounts(bundle, {mount_with({"rw", "ro"})});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].flags, static_cast<unsigned long>(MS_RDONLY));
}

TEST(SpecMounts, PropagationOptionsGoToPropagation) {
  TempBundle bundle;
  const std::pair<const char*, unsigned long> cases[] = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},       {"shared", MS_SHARED},
      {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},                     {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (const auto& [option, flags] : cases) {
    auto spec = parse_with_mounts(bundle, {mount_with({"nosuid", option})});
    ASSERT_TRUE(Succeeds(spec)) << option;
    EXPECT_EQ(spec->mounts[0].propagation, flags) << option;
    EXPECT_EQ(spec->mounts[0].flags, static_cast<unsigned long>(MS_NOSUID)) << option;
  }
}

TEST(SpecMounts, LastPropagationOptionWins) {
  TempBundle bundle;
  auto spec = parse_with_mounts(bundle, {mount_with({"rshared", "rprivate"})});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
}

TEST(SpecMounts, FilesystemOptionsGoToDataInOrder) {
  TempBundle bundle;
  auto spec = parse_with_mounts(
      bundle, {mount_with({"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}, "devpts")});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC));
  EXPECT_EQ(spec->mounts[0].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  spec = parse_with_mounts(bundle, {mount_with({"nosuid", "strictatime", "mode=755", "size=65536k"})});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].data, "mode=755,size=65536k");
}

TEST(SpecMounts, UnknownMountOptionNamesTheField) {
  TempBundle bundle;
  std::vector<json> mounts = {mount_with({"nosuid"}), mount_with({"nosuid"}), mount_with({"nosuid"}),
                              mount_with({"nodev", "nosuidd"})};
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, mounts), "mounts[3].options[1]: unknown mount option \"nosuidd\""));
}

TEST(SpecMounts, RelativeDestinationIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, {mount_with({}, "tmpfs", "tmp")}),
                        "mounts[0].destination: \"tmp\" must be an absolute path"));
}

TEST(SpecMounts, DestinationWithDotDotIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, {mount_with({}, "tmpfs", "/proc/../etc")}),
                        "mounts[0].destination: \"/proc/../etc\" must not contain .. components"));
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, {mount_with({}, "tmpfs", "/../../host")}),
                        "mounts[0].destination"));
}

TEST(SpecMounts, DestinationIsRequiredAndCleaned) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, {{{"type", "tmpfs"}}}), "mounts[0].destination: required"));
  auto spec = parse_with_mounts(bundle, {mount_with({}, "tmpfs", "/dev//shm/")});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].destination, "/dev/shm");
}

TEST(SpecMounts, BindOptionsMakeABindMount) {
  TempBundle bundle;
  bundle.make_dir("data");
  json bind = {{"destination", "/data"}, {"source", "data"}, {"options", {"bind", "ro"}}};
  json rbind = {{"destination", "/data2"}, {"type", "none"}, {"source", "data"}, {"options", {"rbind"}}};
  json typed = {{"destination", "/data3"}, {"type", "bind"}, {"source", "data"}};
  auto spec = parse_with_mounts(bundle, {bind, rbind, typed});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_TRUE(spec->mounts[0].bind);
  EXPECT_FALSE(spec->mounts[0].recursive_bind);
  EXPECT_EQ(spec->mounts[0].flags, static_cast<unsigned long>(MS_BIND | MS_RDONLY));
  EXPECT_TRUE(spec->mounts[1].bind);
  EXPECT_TRUE(spec->mounts[1].recursive_bind);
  EXPECT_EQ(spec->mounts[1].flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_TRUE(spec->mounts[2].bind);
  EXPECT_EQ(spec->mounts[2].flags, static_cast<unsigned long>(MS_BIND));
}

TEST(SpecMounts, RelativeBindSourceIsResolvedAgainstBundle) {
  TempBundle bundle;
  bundle.make_dir("data");
  auto spec = parse_with_mounts(bundle, {{{"destination", "/data"}, {"source", "./data/"}, {"options", {"rbind"}}}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].source, bundle.path() + "/data");
}

TEST(SpecMounts, MissingBindSourceNamesTheField) {
  TempBundle bundle;
  std::vector<json> mounts = {mount_with({"nosuid"}),
                              {{"destination", "/data"}, {"source", "nothere"}, {"options", {"bind"}}}};
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, mounts), "mounts[1].source: " + bundle.path() + "/nothere: "));
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, {{{"destination", "/data"}, {"type", "bind"}}}),
                        "mounts[0].source: a bind mount needs a source"));
}

TEST(SpecMounts, NonBindSourceIsKeptAsGiven) {
  TempBundle bundle;
  auto spec = parse_with_mounts(bundle, {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->mounts[0].source, "proc");
  EXPECT_EQ(spec->mounts[0].type, "proc");
}

TEST(SpecMounts, OptionsMustBeStrings) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_mounts(bundle, {mount_with({"ro", 1})}),
                        "mounts[0].options[1]: must be a string, got number"));
  auto config = minimal_config();
  config["mounts"] = json::object();
  EXPECT_TRUE(FailsWith(bundle.parse(config), "mounts: must be an array, got object"));
}

}  // namespace
}  // namespace minirun::runtime
