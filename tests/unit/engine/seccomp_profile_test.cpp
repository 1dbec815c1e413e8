// Docker-format seccomp profiles: the shipped default, conditions on capabilities,
// architectures and kernel versions, and errors that name the profile and the field.
#include "minirun/engine/seccomp_profile.hpp"

#include <sys/utsname.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "minirun/engine/bundle_writer.hpp"
#include "minirun/runtime/capabilities.hpp"
#include "minirun/runtime/default_seccomp_profile.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {
namespace {

using nlohmann::json;

/// Docker's default bounding set (capabilities.hpp).
const std::vector<std::string> kDefaultCaps = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",  "CAP_FOWNER",           "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",  "CAP_SETFCAP",          "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};

std::vector<std::string> default_caps_plus(const std::string& cap) {
  std::vector<std::string> caps = kDefaultCaps;
  caps.push_back(cap);
  return caps;
}

std::string host_machine() {
  struct utsname uts{};
  ::uname(&uts);
  return uts.machine;
}

/// Every name a converted profile lets through without argument checks.
std::set<std::string> unconditionally_allowed(const json& seccomp) {
  std::set<std::string> names;
  for (const json& rule : seccomp.value("syscalls", json::array()))
    if (rule["action"] == "SCMP_ACT_ALLOW" && !rule.contains("args"))
      for (const json& name : rule["names"]) names.insert(name.get<std::string>());
  return names;
}

/// Every syscall name -> the set of "action/errno/args" rules for it, with the forms
/// the runtime treats alike made equal: a missing valueTwo is 0, and N conditions on
/// one argument in one rule are N rules (seccomp.cpp ORs them).
std::map<std::string, std::multiset<std::string>> rules_by_name(const json& seccomp) {
  std::map<std::string, std::multiset<std::string>> out;
  for (const json& rule : seccomp.value("syscalls", json::array())) {
    std::vector<json> args;
    for (const json& a : rule.value("args", json::array()))
      args.push_back({{"index", a["index"]}, {"value", a["value"]}, {"valueTwo", a.value("valueTwo", 0)},
                      {"op", a["op"]}});
    std::vector<json> variants;
    bool one_index = args.size() > 1;
    for (const json& a : args) one_index = one_index && a["index"] == args[0]["index"];
    if (one_index) {
      for (const json& a : args) variants.push_back(json::array({a}));
    } else {
      variants.push_back(args);
    }
    for (const json& variant : variants) {
      std::string key = rule["action"].get<std::string>() + "/" + rule.value("errnoRet", json()).dump() + "/" +
                        variant.dump();
      for (const json& name : rule["names"]) out[name.get<std::string>()].insert(key);
    }
  }
  return out;
}

/// A temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/seccomp_profile_test.XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() { (void)sys::remove_tree(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A profile with one rule of `names` plus the given condition fields.
json one_rule_profile(json rule) {
  rule["action"] = "SCMP_ACT_ALLOW";
  return {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", json::array({rule})}};
}

size_t converted_rule_count(const json& profile, const std::vector<std::string>& caps = kDefaultCaps) {
  auto r = seccomp_from_docker_profile(profile, caps, "test");
  EXPECT_TRUE(r.ok()) << r.error().what();
  return r.ok() ? r->value("syscalls", json::array()).size() : 0;
}

std::string conversion_error(const json& profile, const std::string& source = "/tmp/p.json") {
  auto r = seccomp_from_docker_profile(profile, kDefaultCaps, source);
  EXPECT_FALSE(r.ok()) << "accepted: " << profile.dump();
  return r.ok() ? "" : r.error().what();
}

TEST(SeccompProfile, ShippedFileIsDockerFormatJson) {
  json profile = json::parse(docker_seccomp_profile_text(), nullptr, false);
  ASSERT_FALSE(profile.is_discarded());
  EXPECT_EQ(profile["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_TRUE(profile["archMap"].is_array());
  EXPECT_FALSE(profile.contains("architectures"));
  for (const json& rule : profile["syscalls"]) {
    EXPECT_TRUE(rule["names"].is_array() && !rule["names"].empty()) << rule.dump();
    for (const char* key : {"includes", "excludes"})
      if (rule.contains(key)) {
        EXPECT_TRUE(rule[key].is_object()) << rule.dump();
      }
  }
}

TEST(SeccompProfile, DefaultCapabilitiesGiveExactlyTheRuntimeDefault) {
  if (host_machine() != "x86_64") GTEST_SKIP() << "the runtime's built-in profile describes x86_64";
  auto converted = default_seccomp_for(kDefaultCaps);
  ASSERT_TRUE(converted.ok()) << converted.error().what();
  const json builtin = runtime::docker_default_seccomp_profile();
  EXPECT_EQ(converted->at("defaultAction"), builtin["defaultAction"]);
  EXPECT_EQ(converted->at("defaultErrnoRet"), builtin["defaultErrnoRet"]);
  EXPECT_EQ(converted->at("architectures"), builtin["architectures"]);

  auto ours = rules_by_name(*converted);
  auto theirs = rules_by_name(builtin);
  for (const auto& [name, rules] : theirs)
    EXPECT_EQ(ours.count(name) ? ours.at(name) : std::multiset<std::string>{}, rules) << name << " differs";
  for (const auto& [name, rules] : ours) EXPECT_TRUE(theirs.count(name)) << name << " only in the Docker-format file";
}

TEST(SeccompProfile, TheBuiltInProfilePassesTheFullCheck) {
  // default_seccomp_for() skips checking the rules that do not apply (the file is part
  // of the binary); this is where every one of them is checked, for a few capability sets.
  const json profile = json::parse(docker_seccomp_profile_text());
  std::vector<std::string> every_cap;
  for (int cap = 0; cap <= runtime::last_capability(); ++cap) every_cap.push_back(runtime::capability_name(cap));
  for (const auto& caps : {kDefaultCaps, default_caps_plus("CAP_SYS_ADMIN"), std::vector<std::string>{}, every_cap}) {
    auto checked = seccomp_from_docker_profile(profile, caps, "built-in");
    ASSERT_TRUE(checked.ok()) << checked.error().what();
    auto quick = default_seccomp_for(caps);
    ASSERT_TRUE(quick.ok()) << quick.error().what();
    EXPECT_EQ(*quick, *checked) << "the unchecked conversion gives another result";
  }
}

TEST(SeccompProfile, AContainerWithDefaultCapabilitiesGetsTheRuntimeDefault) {
  // container_seccomp()'s shortcut: the same rules without the conversion.
  if (host_machine() != "x86_64") GTEST_SKIP() << "the runtime's built-in profile describes x86_64";
  ContainerConfig config;
  std::vector<std::string> reordered(kDefaultCaps.rbegin(), kDefaultCaps.rend());
  auto quick = container_seccomp(config, reordered);
  ASSERT_TRUE(quick.ok()) << quick.error().what();
  EXPECT_EQ(*quick, runtime::docker_default_seccomp_profile());
  // Any other capability set is converted from the file.
  auto converted = container_seccomp(config, default_caps_plus("CAP_SYS_ADMIN"));
  ASSERT_TRUE(converted.ok()) << converted.error().what();
  EXPECT_EQ(*converted, *default_seccomp_for(default_caps_plus("CAP_SYS_ADMIN")));
  config.seccomp = "unconfined";
  EXPECT_TRUE(container_seccomp(config, kDefaultCaps)->is_null());
}

TEST(SeccompProfile, DefaultCapabilitiesDenyNamespacesPtraceAndIoUring) {
  auto converted = default_seccomp_for(kDefaultCaps);
  ASSERT_TRUE(converted.ok()) << converted.error().what();
  auto rules = rules_by_name(*converted);
  for (const char* name : {"mount", "umount2", "unshare", "setns", "ptrace", "process_vm_readv", "io_uring_setup",
                           "io_uring_enter", "kexec_load", "init_module", "bpf"})
    EXPECT_EQ(rules.count(name), 0u) << name;
}

TEST(SeccompProfile, SysAdminAllowsMountUnshareAndAnyClone) {
  auto converted = default_seccomp_for(default_caps_plus("CAP_SYS_ADMIN"));
  ASSERT_TRUE(converted.ok()) << converted.error().what();
  auto allowed = unconditionally_allowed(*converted);
  for (const char* name : {"mount", "umount2", "unshare", "setns", "clone", "clone3", "sethostname"})
    EXPECT_TRUE(allowed.count(name)) << name;
  // The restricted clone rule and clone3's ENOSYS are for containers without the capability.
  auto rules = rules_by_name(*converted);
  EXPECT_EQ(rules["clone"].size(), 1u);
  EXPECT_EQ(rules["clone3"].size(), 1u);
}

TEST(SeccompProfile, SysPtraceAllowsPtrace) {
  auto converted = default_seccomp_for(default_caps_plus("CAP_SYS_PTRACE"));
  ASSERT_TRUE(converted.ok()) << converted.error().what();
  auto allowed = unconditionally_allowed(*converted);
  for (const char* name : {"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"})
    EXPECT_TRUE(allowed.count(name)) << name;
  EXPECT_FALSE(allowed.count("mount"));
}

TEST(SeccompProfile, DroppingSysChrootDropsChroot) {
  std::vector<std::string> caps;
  for (const std::string& cap : kDefaultCaps)
    if (cap != "CAP_SYS_CHROOT") caps.push_back(cap);
  auto converted = default_seccomp_for(caps);
  ASSERT_TRUE(converted.ok()) << converted.error().what();
  EXPECT_FALSE(unconditionally_allowed(*converted).count("chroot"));
}

TEST(SeccompProfile, IncludesCapsNeedsEveryCapability) {
  json profile = one_rule_profile({{"names", {"mount"}}, {"includes", {{"caps", {"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}}}}});
  EXPECT_EQ(converted_rule_count(profile, default_caps_plus("CAP_SYS_ADMIN")), 0u);
  EXPECT_EQ(converted_rule_count(profile, {"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}), 1u);
}

TEST(SeccompProfile, ExcludesCapsRemovesRuleWhenAnyIsHeld) {
  json profile = one_rule_profile({{"names", {"clone"}}, {"excludes", {{"caps", {"CAP_SYS_ADMIN", "CAP_BPF"}}}}});
  EXPECT_EQ(converted_rule_count(profile), 1u);
  EXPECT_EQ(converted_rule_count(profile, default_caps_plus("CAP_BPF")), 0u);
}

TEST(SeccompProfile, ArchesFilterByHostArchitecture) {
  const json every_arch = {"amd64", "x86", "arm64", "arm", "ppc64le", "ppc64", "s390x", "riscv64"};
  EXPECT_EQ(converted_rule_count(one_rule_profile({{"names", {"getpid"}}, {"includes", {{"arches", every_arch}}}})), 1u);
  EXPECT_EQ(converted_rule_count(one_rule_profile({{"names", {"getpid"}}, {"includes", {{"arches", {"no-such"}}}}})),
            0u);
  EXPECT_EQ(converted_rule_count(one_rule_profile({{"names", {"getpid"}}, {"excludes", {{"arches", every_arch}}}})), 0u);
}

TEST(SeccompProfile, ArchMapPicksTheHostEntryAndItsCompanions) {
  json expected;
  if (host_machine() == "x86_64") expected = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  else if (host_machine() == "aarch64") expected = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
  else GTEST_SKIP() << "expected architectures written for x86_64 and aarch64 only";
  json profile = {{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"archMap",
                   {{{"architecture", "SCMP_ARCH_S390X"}, {"subArchitectures", {"SCMP_ARCH_S390"}}},
                    {{"architecture", "SCMP_ARCH_X86_64"}, {"subArchitectures", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}}},
                    {{"architecture", "SCMP_ARCH_AARCH64"}, {"subArchitectures", {"SCMP_ARCH_ARM"}}}}}};
  auto converted = seccomp_from_docker_profile(profile, kDefaultCaps, "test");
  ASSERT_TRUE(converted.ok()) << converted.error().what();
  EXPECT_EQ(converted->at("architectures"), expected);
  EXPECT_FALSE(converted->contains("archMap"));
}

TEST(SeccompProfile, MinKernelAboveRunningKernelDropsRule) {
  EXPECT_EQ(converted_rule_count(one_rule_profile({{"names", {"ptrace"}}, {"includes", {{"minKernel", "999.0"}}}})),
            0u);
  EXPECT_EQ(converted_rule_count(one_rule_profile({{"names", {"ptrace"}}, {"includes", {{"minKernel", "2.6"}}}})), 1u);
  EXPECT_EQ(converted_rule_count(one_rule_profile({{"names", {"ptrace"}}, {"excludes", {{"minKernel", "2.6.32"}}}})),
            0u);
}

TEST(SeccompProfile, UnknownActionNamesFieldAndSource) {
  json profile = one_rule_profile({{"names", {"getpid"}}});
  profile["syscalls"].push_back({{"names", {"read"}}, {"action", "SCMP_ACT_FOO"}});
  std::string error = conversion_error(profile);
  EXPECT_NE(error.find("seccomp profile `/tmp/p.json`: syscalls[1].action"), std::string::npos) << error;
  EXPECT_NE(error.find("SCMP_ACT_FOO"), std::string::npos) << error;
}

TEST(SeccompProfile, MissingNamesIsRefused) {
  std::string error = conversion_error(one_rule_profile(json::object()));
  EXPECT_NE(error.find("syscalls[0].names: required"), std::string::npos) << error;
}

TEST(SeccompProfile, BadArgumentOperatorIsRefused) {
  json rule = {{"names", {"socket"}}, {"args", {{{"index", 0}, {"value", 40}, {"op", "SCMP_CMP_SIMILAR"}}}}};
  std::string error = conversion_error(one_rule_profile(rule));
  EXPECT_NE(error.find("syscalls[0].args[0].op"), std::string::npos) << error;
}

TEST(SeccompProfile, RuleThatDoesNotApplyHereIsStillChecked) {
  json profile = one_rule_profile({{"names", {"mount"}}, {"includes", {{"caps", {"CAP_SYS_ADMIN"}}}}});
  profile["syscalls"][0]["action"] = "SCMP_ACT_NOPE";
  EXPECT_NE(conversion_error(profile).find("syscalls[0].action"), std::string::npos);
}

TEST(SeccompProfile, MisspelledConditionIsRefused) {
  std::string error = conversion_error(one_rule_profile({{"names", {"mount"}}, {"includes", {{"cap", {"CAP_SYS_ADMIN"}}}}}));
  EXPECT_NE(error.find("syscalls[0].includes.cap: unknown condition"), std::string::npos) << error;
}

TEST(SeccompProfile, CapabilityWithoutPrefixIsRefused) {
  std::string error = conversion_error(one_rule_profile({{"names", {"mount"}}, {"excludes", {{"caps", {"SYS_ADMIN"}}}}}));
  EXPECT_NE(error.find("syscalls[0].excludes.caps[0]"), std::string::npos) << error;
}

TEST(SeccompProfile, MalformedMinKernelIsRefused) {
  std::string error = conversion_error(one_rule_profile({{"names", {"ptrace"}}, {"includes", {{"minKernel", "4.x"}}}}));
  EXPECT_NE(error.find("syscalls[0].includes.minKernel"), std::string::npos) << error;
}

TEST(SeccompProfile, OldSingleNameBecomesNames) {
  auto r = seccomp_from_docker_profile(one_rule_profile({{"name", "getpid"}}), kDefaultCaps, "test");
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(r->at("syscalls")[0]["names"], json({"getpid"}));
  std::string error = conversion_error(one_rule_profile({{"name", "getpid"}, {"names", {"getppid"}}}));
  EXPECT_NE(error.find("syscalls[0]: has both `name` and `names`"), std::string::npos) << error;
}

TEST(SeccompProfile, ArchitecturesAndArchMapTogetherAreRefused) {
  json profile = {{"defaultAction", "SCMP_ACT_ERRNO"},
                  {"architectures", {"SCMP_ARCH_X86_64"}},
                  {"archMap", {{{"architecture", "SCMP_ARCH_X86_64"}}}}};
  EXPECT_NE(conversion_error(profile).find("archMap"), std::string::npos);
}

TEST(SeccompProfile, EmptyProfileIsRefusedWithUnconfinedHint) {
  std::string error = conversion_error(json::object());
  EXPECT_NE(error.find("seccomp=unconfined"), std::string::npos) << error;
}

TEST(SeccompProfile, OciFormProfilePassesThrough) {
  const json oci = runtime::docker_default_seccomp_profile();
  auto r = seccomp_from_docker_profile(oci, {}, "oci.json");
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(*r, oci);
}

TEST(SeccompProfile, MissingFileErrorNamesPathAndWayOut) {
  auto r = load_seccomp_profile("/tmp/no/such/profile.json", kDefaultCaps);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("`/tmp/no/such/profile.json`: no such file"), std::string::npos) << r.error().what();
  EXPECT_NE(r.error().what().find("--security-opt seccomp=unconfined"), std::string::npos);
}

TEST(SeccompProfile, BadJsonErrorGivesLineAndColumn) {
  TempDir dir;
  const std::string path = dir.path() + "/bad.json";
  ASSERT_TRUE(sys::write_file(path, "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n}\n").ok());
  auto r = load_seccomp_profile(path, kDefaultCaps);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().what().find("seccomp profile `" + path + "`: not valid JSON"), std::string::npos)
      << r.error().what();
  EXPECT_NE(r.error().what().find("line 3, column 1"), std::string::npos) << r.error().what();
}

TEST(SeccompProfile, LoadedFileIsConvertedForTheCapabilities) {
  TempDir dir;
  const std::string path = dir.path() + "/profile.json";
  ASSERT_TRUE(sys::write_file(path, docker_seccomp_profile_text()).ok());
  auto r = load_seccomp_profile(path, default_caps_plus("CAP_SYS_ADMIN"));
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_TRUE(unconditionally_allowed(*r).count("mount"));
  EXPECT_FALSE(r->contains("archMap"));
}

}  // namespace
}  // namespace minirun::engine
