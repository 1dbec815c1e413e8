/**
 * @file spec_resources_test.cpp
 * @brief `linux.resources`: the values a cgroup knob would refuse are refused first,
 * with the field's name.
 */
#include <gtest/gtest.h>

#include "minirun/runtime/spec.hpp"
#include "tests/unit/spec_test_support.hpp"

namespace minirun::runtime {
namespace {

using json = nlohmann::json;
using testing::FailsWith;
using testing::minimal_config;
using testing::Succeeds;
using testing::TempBundle;

Result<Spec> parse_with_resources(const TempBundle& bundle, const json& resources) {
  auto config = minimal_config();
  config["linux"]["resources"] = resources;
  return bundle.parse(config);
}

TEST(SpecResources, AllFieldsParse) {
  TempBundle bundle;
  json resources = {
      {"memory", {{"limit", 268435456}, {"reservation", 134217728}, {"swap", 536870912}, {"disableOOMKiller", true}}},
      {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}, {"cpus", "0-1,3"}, {"mems", "0"}}},
      {"pids", {{"limit", 64}}},
      {"devices", json::array({{{"allow", false}, {"access", "rwm"}},
                               {{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rw"}}})},
      {"unified", {{"memory.high", "100M"}}},
  };
  auto spec = parse_with_resources(bundle, resources);
  ASSERT_TRUE(Succeeds(spec));
  const Resources& r = *spec->linux.resources;
  EXPECT_EQ(r.memory_limit, 268435456);
  EXPECT_EQ(r.memory_reservation, 134217728);
  EXPECT_EQ(r.memory_swap, 536870912);
  EXPECT_EQ(r.disable_oom_killer, true);
  EXPECT_EQ(r.cpu_shares, 512u);
  EXPECT_EQ(r.cpu_quota, 50000);
  EXPECT_EQ(r.cpu_period, 100000u);
  EXPECT_EQ(r.cpuset_cpus, "0-1,3");
  EXPECT_EQ(r.cpuset_mems, "0");
  EXPECT_EQ(r.pids_limit, 64);
  ASSERT_EQ(r.devices.size(), 2u);
  EXPECT_FALSE(r.devices[0].allow);
  EXPECT_EQ(r.devices[0].type, 'a');
  EXPECT_FALSE(r.devices[0].major.has_value());
  EXPECT_EQ(r.devices[1].type, 'c');
  EXPECT_EQ(r.devices[1].major, 1);
  EXPECT_EQ(r.devices[1].access, "rw");
  EXPECT_EQ(r.unified.at("memory.high"), "100M");
}

TEST(SpecResources, AbsentResourcesStayAbsent) {
  TempBundle bundle;
  auto spec = bundle.parse(minimal_config());
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_FALSE(spec->linux.resources.has_value());
}

TEST(SpecResources, MemoryLimitMustBePositiveOrMinusOne) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"memory", {{"limit", 0}}}}),
                        "linux.resources.memory.limit: must be a number of bytes > 0, or -1"));
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"memory", {{"limit", -2}}}}), "linux.resources.memory.limit"));
  EXPECT_TRUE(Succeeds(parse_with_resources(bundle, {{"memory", {{"limit", -1}}}})));
}

TEST(SpecResources, SwapBelowLimitIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"memory", {{"limit", 2000000}, {"swap", 1000000}}}}),
                        "linux.resources.memory.swap: 1000000 is below memory.limit 2000000"));
  EXPECT_TRUE(Succeeds(parse_with_resources(bundle, {{"memory", {{"limit", 2000000}, {"swap", -1}}}})));
  EXPECT_TRUE(Succeeds(parse_with_resources(bundle, {{"memory", {{"limit", 2000000}, {"swap", 2000000}}}})));
}

TEST(SpecResources, CpuPeriodOutOfRangeIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"cpu", {{"period", 999}}}}),
                        "linux.resources.cpu.period: must be an integer between 1000 and 1000000, got 999"));
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"cpu", {{"period", 1000001}}}}), "linux.resources.cpu.period"));
}

TEST(SpecResources, CpuQuotaMustBePositiveOrMinusOne) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"cpu", {{"quota", 0}}}}),
                        "linux.resources.cpu.quota: must be microseconds > 0, or -1"));
  EXPECT_TRUE(Succeeds(parse_with_resources(bundle, {{"cpu", {{"quota", -1}}}})));
}

TEST(SpecResources, CpusetListSyntaxIsChecked) {
  TempBundle bundle;
  for (const char* bad : {"0-", "-1", "a", "1,,2", "3-1", "0 1", "1,"})
    EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"cpu", {{"cpus", bad}}}}),
                          "linux.resources.cpu.cpus: " + json(bad).dump() + " is not a list like \"0-2,4\""))
        << bad;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"cpu", {{"mems", "x"}}}}), "linux.resources.cpu.mems"));
  for (const char* good : {"0", "0-2,4", "1,3,5-7", "12-12"})
    EXPECT_TRUE(Succeeds(parse_with_resources(bundle, {{"cpu", {{"cpus", good}}}}))) << good;
}

TEST(SpecResources, PidsLimitBelowMinusOneIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"pids", {{"limit", -2}}}}), "linux.resources.pids.limit"));
}

TEST(SpecResources, DeviceRuleTypeAndAccessAreChecked) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"devices", json::array({{{"allow", true}, {"type", "x"}}})}}),
                        "linux.resources.devices[0].type: \"x\" is not a device type (expected a, c or b)"));
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"devices", json::array({{{"allow", true}, {"access", "rwx"}}})}}),
                        "linux.resources.devices[0].access: \"rwx\" must be a combination of r, w and m"));
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"devices", json::array({{{"access", "r"}}})}}),
                        "linux.resources.devices[0].allow: required"));
}

TEST(SpecResources, DeviceRuleMinusOneMeansAny) {
  TempBundle bundle;
  auto spec = parse_with_resources(
      bundle, {{"devices", json::array({{{"allow", true}, {"type", "c"}, {"major", -1}, {"minor", -1}}})}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_FALSE(spec->linux.resources->devices[0].major.has_value());
  EXPECT_FALSE(spec->linux.resources->devices[0].minor.has_value());
}

TEST(SpecResources, UnifiedKeyThatIsAPathIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"unified", {{"../../cgroup.procs", "1"}}}}),
                        "linux.resources.unified.../../cgroup.procs: not a cgroup knob name"));
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"unified", {{"memory", "1"}}}}), "not a cgroup knob name"));
  EXPECT_TRUE(FailsWith(parse_with_resources(bundle, {{"unified", {{"memory.max", 1}}}}),
                        "linux.resources.unified.memory.max: must be a string, got number"));
}

}  // namespace
}  // namespace minirun::runtime
