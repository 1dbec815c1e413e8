/**
 * @file spec_namespaces_test.cpp
 * @brief `linux.namespaces` and id mappings: names, duplicates, paths, overlapping and
 * overflowing ranges, and mappings without a user namespace (or the reverse).
 */
#include <gtest/gtest.h>
#include <sched.h>

#include "minirun/runtime/spec.hpp"
#include "tests/unit/spec_test_support.hpp"

namespace minirun::runtime {
namespace {

using json = nlohmann::json;
using testing::FailsWith;
using testing::minimal_config;
using testing::Succeeds;
using testing::TempBundle;

json namespaces(std::initializer_list<const char*> types) {
  json out = json::array();
  for (const char* type : types) out.push_back({{"type", type}});
  return out;
}

json mapping(uint64_t container_id, uint64_t host_id, uint64_t size) {
  return {{"containerID", container_id}, {"hostID", host_id}, {"size", size}};
}

/// A config with a new user namespace and the given mappings (vectors: `{object}` as a
/// json would be a copy of the object, not an array holding it).
json user_config(const std::vector<json>& uid_mappings, const std::vector<json>& gid_mappings) {
  auto config = minimal_config();
  config["linux"]["namespaces"] = namespaces({"user", "mount"});
  config["linux"]["uidMappings"] = uid_mappings;
  config["linux"]["gidMappings"] = gid_mappings;
  return config;
}

TEST(SpecNamespaces, AllTypesParse) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = namespaces({"pid", "network", "mount", "ipc", "uts", "cgroup", "time"});
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  ASSERT_EQ(spec->linux.namespaces.size(), 7u);
  EXPECT_EQ(spec->linux.namespaces[1].type, NamespaceType::network);
  EXPECT_NE(spec->linux.find_namespace(NamespaceType::time), nullptr);
  EXPECT_EQ(spec->linux.find_namespace(NamespaceType::user), nullptr);
}

TEST(SpecNamespaces, UnknownNamespaceTypeNamesTheField) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = namespaces({"network", "mount", "pidd"});
  EXPECT_TRUE(FailsWith(bundle.parse(config),
                        "linux.namespaces[2].type: unknown namespace type \"pidd\" (expected one of pid, network, "
                        "mount, ipc, uts, user, cgroup, time)"));
}

TEST(SpecNamespaces, DuplicateTypeIsRejected) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = namespaces({"pid", "mount", "pid"});
  EXPECT_TRUE(FailsWith(bundle.parse(config), "linux.namespaces[2].type: namespace type \"pid\" is listed twice"));
}

TEST(SpecNamespaces, TypeIsRequired) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = json::array({{{"path", "/proc/1/ns/net"}}});
  EXPECT_TRUE(FailsWith(bundle.parse(config), "linux.namespaces[0].type: required"));
}

TEST(SpecNamespaces, PathMustBeAbsolute) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = json::array({{{"type", "network"}, {"path", "proc/1/ns/net"}}});
  EXPECT_TRUE(FailsWith(bundle.parse(config),
                        "linux.namespaces[0].path: \"proc/1/ns/net\" must be an absolute path"));
  config["linux"]["namespaces"][0]["path"] = "/proc/1/ns/net";
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->linux.namespaces[0].path, "/proc/1/ns/net");
}

TEST(SpecNamespaces, ProcNsNamesAreTheKernels) {
  EXPECT_STREQ(proc_ns_name(NamespaceType::pid), "pid");
  EXPECT_STREQ(proc_ns_name(NamespaceType::network), "net");
  EXPECT_STREQ(proc_ns_name(NamespaceType::mount), "mnt");
  EXPECT_STREQ(proc_ns_name(NamespaceType::ipc), "ipc");
  EXPECT_STREQ(proc_ns_name(NamespaceType::uts), "uts");
  EXPECT_STREQ(proc_ns_name(NamespaceType::user), "user");
  EXPECT_STREQ(proc_ns_name(NamespaceType::cgroup), "cgroup");
  EXPECT_STREQ(proc_ns_name(NamespaceType::time), "time");
}

TEST(SpecNamespaces, CloneFlagsAreTheKernels) {
  EXPECT_EQ(clone_flag(NamespaceType::pid), CLONE_NEWPID);
  EXPECT_EQ(clone_flag(NamespaceType::network), CLONE_NEWNET);
  EXPECT_EQ(clone_flag(NamespaceType::mount), CLONE_NEWNS);
  EXPECT_EQ(clone_flag(NamespaceType::ipc), CLONE_NEWIPC);
  EXPECT_EQ(clone_flag(NamespaceType::uts), CLONE_NEWUTS);
  EXPECT_EQ(clone_flag(NamespaceType::user), CLONE_NEWUSER);
  EXPECT_EQ(clone_flag(NamespaceType::cgroup), CLONE_NEWCGROUP);
  EXPECT_EQ(clone_flag(NamespaceType::time), 0x80);
}

TEST(SpecNamespaces, MappingsParse) {
  TempBundle bundle;
  auto spec = bundle.parse(user_config({mapping(0, 1000, 1), mapping(1, 100000, 65536)}, {mapping(0, 1000, 1)}));
  ASSERT_TRUE(Succeeds(spec));
  ASSERT_EQ(spec->linux.uid_mappings.size(), 2u);
  EXPECT_EQ(spec->linux.uid_mappings[1].container_id, 1u);
  EXPECT_EQ(spec->linux.uid_mappings[1].host_id, 100000u);
  EXPECT_EQ(spec->linux.uid_mappings[1].size, 65536u);
}

TEST(SpecNamespaces, MappingSizeMustBePositive) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(bundle.parse(user_config({mapping(0, 1000, 0)}, {mapping(0, 1000, 1)})),
                        "linux.uidMappings[0].size: must be greater than 0"));
}

TEST(SpecNamespaces, OverlappingContainerRangesAreRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(bundle.parse(user_config({mapping(0, 1000, 1)}, {mapping(0, 1000, 10), mapping(5, 5000, 10)})),
                        "linux.gidMappings[1]: container id range overlaps linux.gidMappings[0]"));
}

TEST(SpecNamespaces, OverlappingHostRangesAreRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(bundle.parse(user_config({mapping(0, 1000, 10), mapping(100, 1009, 1)}, {mapping(0, 1000, 1)})),
                        "linux.uidMappings[1]: host id range overlaps linux.uidMappings[0]"));
}

TEST(SpecNamespaces, AdjacentRangesAreFine) {
  TempBundle bundle;
  EXPECT_TRUE(Succeeds(bundle.parse(user_config({mapping(0, 1000, 10), mapping(10, 1010, 10)}, {mapping(0, 1000, 1)}))));
}

TEST(SpecNamespaces, MappingOverflowIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(bundle.parse(user_config({mapping(4294967295u, 0, 2)}, {mapping(0, 1000, 1)})),
                        "linux.uidMappings[0]: containerID 4294967295 + size 2 goes past the largest id"));
  EXPECT_TRUE(FailsWith(bundle.parse(user_config({mapping(0, 4294967000u, 1000)}, {mapping(0, 1000, 1)})),
                        "linux.uidMappings[0]: hostID 4294967000 + size 1000 goes past the largest id"));
  EXPECT_TRUE(FailsWith(bundle.parse(user_config({mapping(4294967296u, 0, 1)}, {mapping(0, 1000, 1)})),
                        "linux.uidMappings[0].containerID: must be an integer between 0 and 4294967295"));
  EXPECT_TRUE(Succeeds(bundle.parse(user_config({mapping(4294967295u, 0, 1)}, {mapping(0, 1000, 1)}))));
}

TEST(SpecNamespaces, MappingsWithoutUserNamespaceAreRejected) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = namespaces({"mount"});
  config["linux"]["uidMappings"] = json::array({mapping(0, 1000, 1)});
  EXPECT_TRUE(FailsWith(bundle.parse(config), "linux.uidMappings: id mappings need a user namespace"));
}

TEST(SpecNamespaces, MappingsWhenJoiningUserNamespaceAreRejected) {
  TempBundle bundle;
  auto config = user_config({mapping(0, 1000, 1)}, {mapping(0, 1000, 1)});
  config["linux"]["namespaces"][0]["path"] = "/proc/1/ns/user";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "linux.uidMappings: id mappings cannot be set when joining"));
}

TEST(SpecNamespaces, NewUserNamespaceRequiresMappings) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = namespaces({"user"});
  EXPECT_TRUE(FailsWith(bundle.parse(config), "linux.uidMappings: a new user namespace needs uid mappings"));
  config["linux"]["uidMappings"] = json::array({mapping(0, 1000, 1)});
  EXPECT_TRUE(FailsWith(bundle.parse(config), "linux.gidMappings: a new user namespace needs gid mappings"));
}

TEST(SpecNamespaces, JoinedUserNamespaceNeedsNoMappings) {
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["namespaces"] = json::array({{{"type", "user"}, {"path", "/proc/1/ns/user"}}});
  EXPECT_TRUE(Succeeds(bundle.parse(config)));
}

}  // namespace
}  // namespace minirun::runtime
