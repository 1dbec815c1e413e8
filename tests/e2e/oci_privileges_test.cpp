/**
 * @file oci_privileges_test.cpp
 * @brief What root inside a container may not do, tried from inside: the syscalls its
 * seccomp filter denies, the capabilities it was not given, the /proc and /sys files
 * the runtime masked or made read-only.
 *
 *  - seccomp(2): a filter with `defaultAction: SCMP_ACT_ALLOW` and `mkdir`/`mkdirat`
 *    answered with SCMP_ACT_ERRNO(1) makes `mkdir` fail with EPERM, and nothing is
 *    created. Control: the same bundle without `linux.seccomp` creates the directory.
 *  - capabilities(7): root without CAP_NET_ADMIN cannot take an interface down, without
 *    CAP_SYS_ADMIN cannot set the hostname, without CAP_CHOWN cannot give a file away.
 *    Each is tried with and without the capability, so a runtime that ignored
 *    `process.capabilities` (or one that broke the command) fails a test.
 *  - `linux.maskedPaths` / `linux.readonlyPaths` (runtime-spec config-linux.md): masked
 *    files read as empty (/dev/null is bind-mounted over them), read-only ones refuse
 *    writes with EROFS even to root. /proc/sys/kernel/hostname is the write target
 *    because, unlike most knobs, it belongs to the container's UTS namespace: the
 *    control (same write, no readonlyPaths) then harms nothing on the host.
 *    /proc/sysrq-trigger gets `h` (print help to the kernel log), harmless if it ever
 *    got through.
 *
 * Lab: labs/05-capabilities-seccomp.
 */
#include <unistd.h>

#include <climits>
#include <cstring>

#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciSeccomp : public OciFixture {};
class OciCapabilities : public OciFixture {};
class OciMaskedPaths : public OciFixture {};
class OciReadonlyPaths : public OciFixture {};

/// Root writable, so that /tmp can be written.
void writable_root(nlohmann::json& c) { c["root"]["readonly"] = false; }

TEST_F(OciSeccomp, ROOT_DeniedSyscallFailsWithErrnoRet) {
  MINIRUN_REQUIRE_ROOT();
  auto deny_mkdir = [](nlohmann::json& c) {
    writable_root(c);
    c["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
        {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
  };
  std::string bundle = make_script_bundle("mkdir /tmp/x", deny_mkdir);
  auto denied = oci({"run", "--bundle", bundle, new_id()});
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;
  EXPECT_FALSE(exists(bundle + "/rootfs/tmp/x")) << "mkdir went through the filter";

  std::string control = make_script_bundle("mkdir /tmp/x", writable_root);
  auto allowed = oci({"run", "--bundle", control, new_id()});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_TRUE(exists(control + "/rootfs/tmp/x"));
}

TEST_F(OciCapabilities, ROOT_NetAdminIsNotGrantedByDefault) {
  MINIRUN_REQUIRE_ROOT();
  // The container has its own network namespace: `lo` is its own, never the host's,
  // and the runtime has set it up. (Setting it up again would prove nothing: busybox
  // skips the ioctl when the flags already match; taking it down needs the ioctl.)
  auto denied = run_script("ip link set lo down");
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;

  auto granted = run_script("ip link set lo down && cat /sys/class/net/lo/flags",
                            [](nlohmann::json& c) { add_capability(c, "CAP_NET_ADMIN"); });
  EXPECT_EQ(granted.exit_code, 0) << granted.err;
  EXPECT_EQ(granted.out, "0x8\n") << "IFF_LOOPBACK, no longer IFF_UP";
}

TEST_F(OciCapabilities, ROOT_SysAdminIsNotGrantedByDefault) {
  MINIRUN_REQUIRE_ROOT();
  char before[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(::gethostname(before, sizeof before), 0);

  auto denied = run_script("hostname evil");
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.err.find("Operation not permitted"), std::string::npos) << denied.err;

  auto granted = run_script("hostname evil", [](nlohmann::json& c) { add_capability(c, "CAP_SYS_ADMIN"); });
  EXPECT_EQ(granted.exit_code, 0) << granted.err;

  char after[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(::gethostname(after, sizeof after), 0);
  EXPECT_STREQ(after, before);
  if (std::string(after) != before) (void)::sethostname(before, std::strlen(before));  // undo the damage
}

TEST_F(OciCapabilities, ROOT_ChownNeedsCapChown) {
  MINIRUN_REQUIRE_ROOT();
  const std::string give_away = "touch /tmp/f && chown 1 /tmp/f && stat -c %u /tmp/f";
  auto without = run_script(give_away, [](nlohmann::json& c) {
    writable_root(c);
    drop_capability(c, "CAP_CHOWN");
  });
  EXPECT_NE(without.exit_code, 0) << without.out;
  EXPECT_NE(without.err.find("Operation not permitted"), std::string::npos) << without.err;

  auto with = run_script(give_away, writable_root);
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(with.out, "1\n");
}

TEST_F(OciMaskedPaths, ROOT_KcoreReadsAsEmpty) {
  MINIRUN_REQUIRE_ROOT();
  // Unmasked, root without CAP_SYS_RAWIO could not open it at all; masked, it is
  // /dev/null: opens and reads nothing.
  auto r = run_script("head -c 4 /proc/kcore | wc -c");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(OciMaskedPaths, ROOT_TimerListReadsAsEmpty) {
  MINIRUN_REQUIRE_ROOT();
  const std::string count = "wc -c < /proc/timer_list";
  auto masked = run_script(count);
  ASSERT_EQ(masked.exit_code, 0) << masked.err;
  EXPECT_EQ(masked.out, "0\n");

  // Control: without maskedPaths, the host's timers show.
  auto unmasked = run_script(count, [](nlohmann::json& c) { c["linux"].erase("maskedPaths"); });
  ASSERT_EQ(unmasked.exit_code, 0) << unmasked.err;
  EXPECT_NE(unmasked.out, "0\n");
}

TEST_F(OciReadonlyPaths, ROOT_ProcSysRefusesWrites) {
  MINIRUN_REQUIRE_ROOT();
  const std::string write = "echo renamed-by-sysctl > /proc/sys/kernel/hostname && hostname";
  auto readonly = run_script(write);
  EXPECT_NE(readonly.exit_code, 0) << readonly.out;
  EXPECT_NE(readonly.err.find("Read-only file system"), std::string::npos) << readonly.err;

  // Control: the same write with a writable /proc/sys renames the container (only).
  auto writable = run_script(write, [](nlohmann::json& c) { c["linux"].erase("readonlyPaths"); });
  EXPECT_EQ(writable.exit_code, 0) << writable.err;
  EXPECT_EQ(writable.out, "renamed-by-sysctl\n");
}

TEST_F(OciReadonlyPaths, ROOT_SysrqTriggerRefusesWrites) {
  MINIRUN_REQUIRE_ROOT();
  if (!exists("/proc/sysrq-trigger")) GTEST_SKIP() << "this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ)";
  auto r = run_script("echo h > /proc/sysrq-trigger");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
}

TEST_F(OciReadonlyPaths, ROOT_SysIsReadOnly) {
  MINIRUN_REQUIRE_ROOT();
  auto r = run_script("touch /sys/x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace minirun::testing
