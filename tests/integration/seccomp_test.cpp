/**
 * @file seccomp_test.cpp
 * @brief Loaded seccomp filters, tried for real: denied calls fail with EPERM, the
 * 32-bit syscall table does not get around them, Docker's default profile stops
 * namespaces and mounts but not ordinary work.
 *
 * Each filter is loaded in a forked child (a filter can never be removed), after
 * PR_SET_NO_NEW_PRIVS, which is what lets an unprivileged process load one; so most of
 * these tests need no root. The child reports through its exit status:
 * 0 = the property held, anything else says which check failed. Every test also runs
 * the same call without the filter, or checks a result only the filter can produce,
 * so no test passes on both branches.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "minirun/runtime/default_seccomp_profile.hpp"
#include "minirun/runtime/seccomp.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::runtime {
namespace {

/// Runs `body` in a forked child and returns its exit status (128+signal if killed).
int run_in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// In the child: no_new_privs, then the filter. 100/101 mean the setup itself failed.
int load_unprivileged(const SeccompFilter& filter) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 100;
  return filter.load() ? 0 : 101;
}

/// Allows everything except `names`, which fail with EPERM; only the native arch listed.
SeccompFilter deny(std::vector<std::string> names) {
  Seccomp s;
  s.default_action = "SCMP_ACT_ALLOW";
  s.syscalls.push_back(SeccompSyscall{std::move(names), "SCMP_ACT_ERRNO", std::nullopt, {}});
  auto f = SeccompFilter::compile(s);
  EXPECT_TRUE(f) << f.error().what();
  return std::move(*f);
}

/// The errno of a failed call, 0 when it succeeded.
int failed_with(long rc) { return rc == -1 ? errno : 0; }

TEST(Seccomp, BlockedSyscallFailsWithEperm) {
  SeccompFilter filter = deny({"getcwd"});
  int code = run_in_child([&] {
    char buf[256];
    if (::syscall(SYS_getcwd, buf, sizeof buf) < 0) return 1;  // works before the filter
    if (int rc = load_unprivileged(filter)) return rc;
    if (failed_with(::syscall(SYS_getcwd, buf, sizeof buf)) != EPERM) return 2;
    if (::syscall(SYS_getppid) <= 0) return 3;  // what is not listed still works
    return 0;
  });
  EXPECT_EQ(code, 0);
}

TEST(Seccomp, UnshareIsDenied) {
  SeccompFilter filter = deny({"unshare"});
  int code = run_in_child([&] {
    if (int rc = load_unprivileged(filter)) return rc;
    return failed_with(::unshare(CLONE_NEWUSER)) == EPERM ? 0 : 2;
  });
  EXPECT_EQ(code, 0);
}

#if defined(__x86_64__)
/// getpid through the i386 entry point (`int $0x80`, i386 __NR_getpid = 20). Returns
/// the raw result: a pid, or -errno.
int i386_getpid() {
  long ret = 20;
  asm volatile("int $0x80" : "+a"(ret) : : "memory", "r8", "r9", "r10", "r11");
  return static_cast<int>(ret);
}

TEST(Seccomp, ThirtyTwoBitSyscallCannotBypassFilter) {
  // Control: this kernel must run i386 syscalls at all (CONFIG_IA32_EMULATION).
  int control = run_in_child([] { return i386_getpid() == ::getpid() ? 0 : 1; });
  // Some kernels and hypervisors refuse `int $0x80` from 64-bit code (a general
  // protection fault, status 139) even with CONFIG_IA32_EMULATION.
  if (control != 0) GTEST_SKIP() << "int $0x80 is not usable here (child status " << control << ")";

  // The config lists only x86_64; compile() adds x86 and x32 itself. Without them the
  // call would not get EPERM: libseccomp would kill the child as a foreign arch.
  Seccomp s;
  s.default_action = "SCMP_ACT_ALLOW";
  s.architectures = {"SCMP_ARCH_X86_64"};
  s.syscalls.push_back(SeccompSyscall{{"getpid"}, "SCMP_ACT_ERRNO", std::nullopt, {}});
  auto filter = SeccompFilter::compile(s);
  ASSERT_TRUE(filter) << filter.error().what();
  int code = run_in_child([&] {
    if (int rc = load_unprivileged(*filter)) return rc;
    if (failed_with(::syscall(SYS_getpid)) != EPERM) return 2;  // the 64-bit table
    int ret = i386_getpid();
    if (ret > 0) return 3;  // the bypass: the 32-bit call went through
    return ret == -EPERM ? 0 : 4;
  });
  EXPECT_EQ(code, 0) << "3 means int $0x80 walked around the filter; 128+31 means SIGSYS";
}


/// getpid through the x32 ABI: the x86_64 `syscall` instruction with bit 30 set.
long x32_getpid() { return ::syscall(0x40000000L | SYS_getpid); }

TEST(Seccomp, X32SyscallGetsTheSameRules) {
  // Control: without the filter, the kernel answers the x32 call itself (the pid, or
  // ENOSYS when it was built without CONFIG_X86_X32_ABI), never EPERM.
  int control = run_in_child([] {
    long pid = x32_getpid();
    return pid == ::getpid() ? 0 : failed_with(pid);
  });
  ASSERT_TRUE(control == 0 || control == ENOSYS) << control;

  // Only x86_64 listed; x32 is added by compile(). The filter runs before the kernel
  // looks the number up, so the x32 call is denied like the 64-bit one.
  Seccomp s;
  s.default_action = "SCMP_ACT_ALLOW";
  s.architectures = {"SCMP_ARCH_X86_64"};
  s.syscalls.push_back(SeccompSyscall{{"getpid"}, "SCMP_ACT_ERRNO", std::nullopt, {}});
  auto filter = SeccompFilter::compile(s);
  ASSERT_TRUE(filter) << filter.error().what();
  int code = run_in_child([&] {
    if (int rc = load_unprivileged(*filter)) return rc;
    return failed_with(x32_getpid());
  });
  EXPECT_EQ(code, EPERM) << "128+31 would mean SIGSYS: x32 not in the filter";
}
#endif

/// Docker's default profile, compiled once.
const SeccompFilter& docker_profile() {
  static SeccompFilter filter = [] {
    auto f = SeccompFilter::compile(docker_default_seccomp());
    EXPECT_TRUE(f) << f.error().what();
    return std::move(*f);
  }();
  return filter;
}

TEST(Seccomp, DockerProfileDeniesUserNamespaces) {
  // Control: without the filter this process may create a user namespace.
  if (run_in_child([] { return ::unshare(CLONE_NEWUSER) == 0 ? 0 : 1; }) != 0)
    GTEST_SKIP() << "user namespaces are disabled here, nothing to deny";
  int code = run_in_child([] {
    if (int rc = load_unprivileged(docker_profile())) return rc;
    if (failed_with(::unshare(CLONE_NEWUSER)) != EPERM) return 2;
    // clone(2) with a CLONE_NEW* flag falls outside the masked rule.
    long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) ::_exit(0);  // the filter failed: leave quietly from the new child
    if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    if (failed_with(pid) != EPERM) return 3;
    return 0;
  });
  EXPECT_EQ(code, 0);
}

TEST(Seccomp, ROOT_DockerProfileDeniesMount) {
  MINIRUN_REQUIRE_ROOT();
  testing::ScratchDir dir;
  // Both branches in a private mount namespace, so nothing reaches the host's mounts.
  auto try_mount = [&](bool with_filter) {
    return run_in_child([&] {
      if (::unshare(CLONE_NEWNS) != 0) return 100;
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 101;
      if (with_filter && load_unprivileged(docker_profile()) != 0) return 102;
      return failed_with(::mount("none", dir.path().c_str(), "tmpfs", 0, nullptr));
    });
  };
  EXPECT_EQ(try_mount(false), 0) << "control: root may mount without the filter";
  EXPECT_EQ(try_mount(true), EPERM);
}

TEST(Seccomp, DockerProfileAnswersClone3WithEnosys) {
  // clone3 with a zero size is EINVAL from the kernel, ENOSYS from the filter.
  auto clone3_error = [](bool with_filter) {
    return run_in_child([&] {
      if (with_filter && load_unprivileged(docker_profile()) != 0) return 100;
      return failed_with(::syscall(SYS_clone3, nullptr, 0));
    });
  };
  EXPECT_EQ(clone3_error(false), EINVAL);
  EXPECT_EQ(clone3_error(true), ENOSYS);
}

TEST(Seccomp, DockerProfileAllowsOrdinaryWork) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  int code = run_in_child([&] {
    if (int rc = load_unprivileged(docker_profile())) return rc;
    if (::write(pipe_fds[1], "hello", 5) != 5) return 2;
    pid_t pid = ::fork();  // glibc's fork is clone(2) without CLONE_NEW*: allowed
    if (pid < 0) return 3;
    if (pid == 0) ::_exit(7);
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7) return 4;
    return 0;
  });
  ::close(pipe_fds[1]);
  char buf[8] = {};
  EXPECT_EQ(::read(pipe_fds[0], buf, sizeof buf), 5);
  ::close(pipe_fds[0]);
  EXPECT_EQ(code, 0);
  EXPECT_STREQ(buf, "hello");
}

}  // namespace
}  // namespace minirun::runtime
