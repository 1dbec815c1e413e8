/**
 * @file seccomp_compile_test.cpp
 * @brief SeccompFilter::compile() without loading anything: errors name the field of
 * config.json, runc's leniencies hold (unknown syscalls skipped, repeated argument
 * indexes split into ORed rules), and Docker's default profile compiles. Loading and
 * the filter's effect are in tests/integration/seccomp_test.cpp.
 */
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "minirun/runtime/default_seccomp_profile.hpp"
#include "minirun/runtime/seccomp.hpp"
#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime {
namespace {

SeccompSyscall rule(std::vector<std::string> names, std::string action, std::vector<SeccompArg> args = {}) {
  SeccompSyscall r;
  r.names = std::move(names);
  r.action = std::move(action);
  r.args = std::move(args);
  return r;
}

Seccomp allow_by_default(std::vector<SeccompSyscall> rules = {}) {
  Seccomp s;
  s.default_action = "SCMP_ACT_ALLOW";
  s.syscalls = std::move(rules);
  return s;
}

/// The message of the error compile() returns, or "compiled" when it succeeded.
std::string compile_error(const Seccomp& config) {
  auto f = SeccompFilter::compile(config);
  return f ? "compiled" : f.error().what();
}

TEST(SeccompCompile, UnknownActionNamesTheRule) {
  Seccomp s = allow_by_default({rule({"getcwd"}, "SCMP_ACT_ERRNO"), rule({"getpid"}, "SCMP_ACT_NOPE")});
  EXPECT_EQ(compile_error(s), "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_NOPE\"");
}

TEST(SeccompCompile, UnknownDefaultActionNamesTheField) {
  Seccomp s = allow_by_default();
  s.default_action = "ALLOW";
  EXPECT_EQ(compile_error(s), "linux.seccomp.defaultAction: unknown action \"ALLOW\"");
}

TEST(SeccompCompile, NotifyIsRefusedAsUnsupported) {
  Seccomp s = allow_by_default({rule({"getpid"}, "SCMP_ACT_NOTIFY")});
  EXPECT_NE(compile_error(s).find("linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported"),
            std::string::npos);
}

TEST(SeccompCompile, ErrnoRetOnlyGoesWithErrnoOrTrace) {
  Seccomp s = allow_by_default({rule({"getpid"}, "SCMP_ACT_KILL")});
  s.syscalls[0].errno_ret = 5;
  EXPECT_NE(compile_error(s).find("linux.seccomp.syscalls[0].action: errnoRet is only valid"), std::string::npos);
  s.syscalls[0].action = "SCMP_ACT_ERRNO";
  EXPECT_EQ(compile_error(s), "compiled");
  s.syscalls[0].errno_ret = 70000;
  EXPECT_NE(compile_error(s).find("errnoRet 70000 is out of range"), std::string::npos);
}

TEST(SeccompCompile, UnknownArchitectureNamesItsIndex) {
  Seccomp s = allow_by_default();
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"};
  EXPECT_EQ(compile_error(s), "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
}

TEST(SeccompCompile, KnownArchitecturesCompileEvenWhenForeign) {
  Seccomp s = allow_by_default({rule({"getcwd"}, "SCMP_ACT_ERRNO")});
  s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};
  EXPECT_EQ(compile_error(s), "compiled");
}

TEST(SeccompCompile, UnknownOperatorNamesTheArgument) {
  Seccomp s = allow_by_default({rule({"personality"}, "SCMP_ACT_ERRNO",
                                     {{0, 8, 0, "SCMP_CMP_EQ"}, {1, 0, 0, "SCMP_CMP_ALMOST"}})});
  EXPECT_EQ(compile_error(s), "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_ALMOST\"");
}

TEST(SeccompCompile, ArgumentIndexBeyondSixIsRefused) {
  Seccomp s = allow_by_default({rule({"personality"}, "SCMP_ACT_ERRNO", {{6, 0, 0, "SCMP_CMP_EQ"}})});
  EXPECT_NE(compile_error(s).find("linux.seccomp.syscalls[0].args[0].index: 6 is out of range"), std::string::npos);
}

TEST(SeccompCompile, UnknownFlagNamesItsIndex) {
  Seccomp s = allow_by_default();
  s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST"};
  EXPECT_EQ(compile_error(s), "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\"");
}

TEST(SeccompCompile, KnownFlagsAreAccepted) {
  Seccomp s = allow_by_default();
  s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"};
  EXPECT_EQ(compile_error(s), "compiled");
}

TEST(SeccompCompile, UnknownSyscallNamesAreSkipped) {
  auto f = SeccompFilter::compile(
      allow_by_default({rule({"no_such_syscall", "getcwd", "sys_from_the_future"}, "SCMP_ACT_ERRNO")}));
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_EQ(f->rule_count(), 1u);
}

TEST(SeccompCompile, RuleWithTheDefaultActionIsSkipped) {
  auto f = SeccompFilter::compile(allow_by_default({rule({"getcwd", "getpid"}, "SCMP_ACT_ALLOW")}));
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_EQ(f->rule_count(), 0u);
}

TEST(SeccompCompile, RepeatedArgumentIndexBecomesOneRulePerCondition) {
  // Docker's personality rule: several allowed values of argument 0, meant as OR.
  Seccomp s;
  s.default_action = "SCMP_ACT_ERRNO";
  s.syscalls = {rule({"personality"}, "SCMP_ACT_ALLOW",
                     {{0, 0x0, 0, "SCMP_CMP_EQ"}, {0, 0x8, 0, "SCMP_CMP_EQ"}, {0, 0x20000, 0, "SCMP_CMP_EQ"}})};
  auto f = SeccompFilter::compile(s);
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_EQ(f->rule_count(), 3u);
}

TEST(SeccompCompile, DistinctArgumentIndexesStayOneRule) {
  Seccomp s = allow_by_default({rule({"kill"}, "SCMP_ACT_ERRNO", {{0, 1, 0, "SCMP_CMP_EQ"}, {1, 9, 0, "SCMP_CMP_EQ"}})});
  auto f = SeccompFilter::compile(s);
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_EQ(f->rule_count(), 1u);
}

TEST(SeccompCompile, MovedFromFilterIsEmptyAndRefusesToLoad) {
  auto f = SeccompFilter::compile(allow_by_default({rule({"getcwd"}, "SCMP_ACT_ERRNO")}));
  ASSERT_TRUE(f);
  SeccompFilter moved = std::move(*f);
  EXPECT_FALSE(moved.empty());
  EXPECT_TRUE(f->empty());
  EXPECT_FALSE(f->load());
}

TEST(SeccompDefaultProfile, Compiles) {
  auto f = SeccompFilter::compile(docker_default_seccomp());
  ASSERT_TRUE(f) << f.error().what();
  EXPECT_GT(f->rule_count(), 300u);
}

TEST(SeccompDefaultProfile, AllowsNoNamespaceMountOrKernelSyscall) {
  std::set<std::string> allowed;
  for (const auto& r : docker_default_seccomp().syscalls)
    if (r.action == "SCMP_ACT_ALLOW") allowed.insert(r.names.begin(), r.names.end());
  for (const char* forbidden :
       {"unshare", "setns", "mount", "umount2", "pivot_root", "fsopen", "move_mount", "keyctl", "add_key",
        "request_key", "ptrace", "process_vm_readv", "kexec_load", "init_module", "finit_module", "delete_module",
        "bpf", "perf_event_open", "userfaultfd", "open_by_handle_at", "name_to_handle_at", "clock_settime",
        "settimeofday", "reboot", "swapon", "swapoff", "acct", "lookup_dcookie", "quotactl", "syslog", "vm86",
        "io_uring_setup", "clone3", "sethostname"})
    EXPECT_EQ(allowed.count(forbidden), 0u) << forbidden << " must not be allowed";
  EXPECT_EQ(allowed.count("write"), 1u);
  EXPECT_EQ(allowed.count("execve"), 1u);
}

// What every shell needs: `$(...)` and `a | b` make a pipe (busybox uses pipe2, older
// programs pipe). A profile without them broke every RUN with a command substitution.
TEST(SeccompDefaultProfile, AllowsWhatShellsAndCommonToolsNeed) {
  std::set<std::string> allowed;
  for (const auto& r : docker_default_seccomp().syscalls)
    if (r.action == "SCMP_ACT_ALLOW") allowed.insert(r.names.begin(), r.names.end());
  for (const char* needed : {"pipe", "pipe2", "dup2", "wait4", "fork", "vfork", "execve", "rt_sigaction",
                             "getdents64", "fcntl", "ioctl", "poll", "select", "chdir", "umask"})
    EXPECT_EQ(allowed.count(needed), 1u) << needed << " must be allowed";
}

TEST(SeccompDefaultProfile, JsonIsInOciForm) {
  nlohmann::json j = docker_default_seccomp_profile();
  EXPECT_EQ(j["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(j["defaultErrnoRet"], 1);
  EXPECT_EQ(j["architectures"], nlohmann::json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  bool clone_masked = false, clone3_enosys = false;
  for (const auto& r : j["syscalls"]) {
    if (r["names"] == nlohmann::json({"clone"}))
      clone_masked = r["args"][0]["op"] == "SCMP_CMP_MASKED_EQ" && r["args"][0]["value"] == 0x7E020000 &&
                     r["args"][0]["valueTwo"] == 0;
    if (r["names"] == nlohmann::json({"clone3"})) clone3_enosys = r["action"] == "SCMP_ACT_ERRNO" && r["errnoRet"] == 38;
  }
  EXPECT_TRUE(clone_masked);
  EXPECT_TRUE(clone3_enosys);
}

// The engine hands docker_default_seccomp() to the runtime in place of its JSON
// (CreateOptions::seccomp), while config.json keeps the JSON for `exec`: the two must
// give the same filter, and the struct's cache key must be what parsing the JSON gives.
TEST(SeccompDefaultProfile, TheTableAndItsJsonParsedGiveTheSameFilter) {
  const nlohmann::json json = docker_default_seccomp_profile();
  auto parsed = spec_detail::parse_seccomp(json, "linux.seccomp");
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->canonical, json.dump());
  Seccomp table = docker_default_seccomp();
  EXPECT_EQ(table.default_action, parsed->default_action);
  EXPECT_EQ(table.default_errno_ret, parsed->default_errno_ret);
  EXPECT_EQ(table.architectures, parsed->architectures);
  EXPECT_EQ(table.flags, parsed->flags);
  ASSERT_EQ(table.syscalls.size(), parsed->syscalls.size());
  auto from_table = SeccompFilter::compile(table);
  auto from_json = SeccompFilter::compile(*parsed);
  ASSERT_TRUE(from_table && from_json);
  ASSERT_TRUE(from_table->export_program() && from_json->export_program());
  ASSERT_EQ(from_table->program().size(), from_json->program().size());
  EXPECT_EQ(0, std::memcmp(from_table->program().data(), from_json->program().data(),
                           from_table->program().size() * sizeof(sock_filter)));
}

}  // namespace
}  // namespace minirun::runtime
