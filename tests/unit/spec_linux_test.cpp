/**
 * @file spec_linux_test.cpp
 * @brief The rest of `linux`: devices, masked and read-only paths, rootfs propagation,
 * sysctl, cgroupsPath, and the form of a seccomp profile.
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

Result<Spec> parse_with_linux(const TempBundle& bundle, const char* key, const json& value) {
  auto config = minimal_config();
  config["linux"][key] = value;
  return bundle.parse(config);
}

TEST(SpecLinux, DevicesParse) {
  TempBundle bundle;
  json devices = json::array({{{"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229},
                               {"fileMode", 438}, {"uid", 0}, {"gid", 0}},
                              {{"path", "/dev/fifo"}, {"type", "p"}}});
  auto spec = parse_with_linux(bundle, "devices", devices);
  ASSERT_TRUE(Succeeds(spec));
  ASSERT_EQ(spec->linux.devices.size(), 2u);
  EXPECT_EQ(spec->linux.devices[0].type, 'c');
  EXPECT_EQ(spec->linux.devices[0].minor, 229);
  EXPECT_EQ(spec->linux.devices[0].file_mode, mode_t{0666});
  EXPECT_EQ(spec->linux.devices[1].type, 'p');
}

TEST(SpecLinux, DevicePathMustBeAbsolute) {
  TempBundle bundle;
  json devices = json::array({{{"path", "dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}}});
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "devices", devices),
                        "linux.devices[0].path: \"dev/fuse\" must be an absolute path"));
  devices[0]["path"] = "/dev/../etc/passwd";
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "devices", devices),
                        "linux.devices[0].path: \"/dev/../etc/passwd\" must not contain .. components"));
}

TEST(SpecLinux, DeviceTypeIsChecked) {
  TempBundle bundle;
  json devices = json::array({{{"path", "/dev/x"}, {"type", "z"}, {"major", 1}, {"minor", 1}}});
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "devices", devices),
                        "linux.devices[0].type: \"z\" is not a device type (expected c, b, u or p)"));
  devices = json::array({{{"path", "/dev/x"}, {"type", "b"}, {"minor", 1}}});
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "devices", devices), "linux.devices[0].major: required"));
}

TEST(SpecLinux, MaskedAndReadonlyPathsMustBeAbsolute) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "maskedPaths", {"/proc/kcore", "proc/keys"}),
                        "linux.maskedPaths[1]: \"proc/keys\" must be an absolute path"));
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "readonlyPaths", {"/proc/../../etc"}),
                        "linux.readonlyPaths[0]: \"/proc/../../etc\" must not contain .. components"));
}

TEST(SpecLinux, RootfsPropagationIsChecked) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "rootfsPropagation", "privat"),
                        "linux.rootfsPropagation: unknown propagation \"privat\""));
  for (const char* ok : {"", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
                         "runbindable"})
    EXPECT_TRUE(Succeeds(parse_with_linux(bundle, "rootfsPropagation", ok))) << ok;
}

TEST(SpecLinux, SysctlMustMapStringsToStrings) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "sysctl", {{"net.ipv4.ip_forward", 1}}),
                        "linux.sysctl.net.ipv4.ip_forward: must be a string, got number"));
  auto spec = parse_with_linux(bundle, "sysctl", {{"net.ipv4.ip_forward", "1"}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->linux.sysctl.at("net.ipv4.ip_forward"), "1");
}

TEST(SpecLinux, SysctlKeyThatClimbsOutOfProcSysIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "sysctl", {{"../../proc/sysrq-trigger", "b"}}),
                        "not a sysctl name"));
}

TEST(SpecLinux, SystemdCgroupsPathIsNotSupported) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "cgroupsPath", "system.slice:minirun:abc"),
                        "linux.cgroupsPath: \"system.slice:minirun:abc\": the systemd \"slice:prefix:name\" form "
                        "is not supported"));
  auto spec = parse_with_linux(bundle, "cgroupsPath", "/minirun/abc");
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->linux.cgroups_path, "/minirun/abc");
}

TEST(SpecLinux, CgroupsPathWithDotDotIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "cgroupsPath", "../../escape"),
                        "linux.cgroupsPath: \"../../escape\" must not contain .. components"));
}

TEST(SpecSeccomp, ProfileParses) {
  TempBundle bundle;
  json seccomp = {
      {"defaultAction", "SCMP_ACT_ERRNO"},
      {"defaultErrnoRet", 1},
      {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}},
      {"flags", {"SECCOMP_FILTER_FLAG_LOG"}},
      {"syscalls", json::array({{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}},
                                {{"names", {"personality"}},
                                 {"action", "SCMP_ACT_ALLOW"},
                                 {"args", json::array({{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}})}}})},
  };
  auto spec = parse_with_linux(bundle, "seccomp", seccomp);
  ASSERT_TRUE(Succeeds(spec));
  const Seccomp& s = *spec->linux.seccomp;
  EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(s.default_errno_ret, 1u);
  EXPECT_EQ(s.architectures.size(), 2u);
  ASSERT_EQ(s.syscalls.size(), 2u);
  EXPECT_EQ(s.syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  ASSERT_EQ(s.syscalls[1].args.size(), 1u);
  EXPECT_EQ(s.syscalls[1].args[0].value, 8u);
  EXPECT_EQ(s.syscalls[1].args[0].op, "SCMP_CMP_EQ");
}

TEST(SpecSeccomp, DefaultActionIsRequiredAndKnown) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "seccomp", json::object()), "linux.seccomp.defaultAction: required"));
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "seccomp", {{"defaultAction", "SCMP_ACT_NOPE"}}),
                        "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\""));
}

TEST(SpecSeccomp, RuleNeedsNamesAndKnownAction) {
  TempBundle bundle;
  json seccomp = {{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"syscalls", json::array({{{"names", json::array()}, {"action", "SCMP_ACT_ERRNO"}}})}};
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "seccomp", seccomp),
                        "linux.seccomp.syscalls[0].names: must list at least one syscall"));
  seccomp["syscalls"][0]["names"] = {"mount"};
  seccomp["syscalls"][0]["action"] = "SCMP_ACT_DENY";
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "seccomp", seccomp),
                        "linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_DENY\""));
}

TEST(SpecSeccomp, ArgIndexAboveFiveIsRejected) {
  TempBundle bundle;
  json seccomp = {{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"syscalls", json::array({{{"names", {"clone"}},
                                             {"action", "SCMP_ACT_ERRNO"},
                                             {"args", json::array({{{"index", 6}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}})}}})}};
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "seccomp", seccomp),
                        "linux.seccomp.syscalls[0].args[0].index: must be an integer between 0 and 5, got 6"));
  seccomp["syscalls"][0]["args"][0]["index"] = 0;
  seccomp["syscalls"][0]["args"][0]["op"] = "SCMP_CMP_ISH";
  EXPECT_TRUE(FailsWith(parse_with_linux(bundle, "seccomp", seccomp),
                        "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_ISH\""));
}

}  // namespace
}  // namespace minirun::runtime
