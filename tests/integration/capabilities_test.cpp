/**
 * @file capabilities_test.cpp
 * @brief drop_bounding_set() and apply_capability_sets(), tried for real as root:
 * a dropped capability is really gone (chown to another user fails), a kept one
 * really works, a dropped one cannot be raised again, and an ambient one reaches a
 * program run as a non-root user.
 *
 * Each test changes its own credentials in a forked child, since capabilities never
 * come back; the child reports through its exit status (0 = the property held).
 * Every property is checked on both branches (kept and dropped) so that no test can
 * pass when the drop does nothing.
 */
#include <linux/capability.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string>

#include "minirun/runtime/capabilities.hpp"
#include "minirun/sys/file.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::runtime {
namespace {

constexpr uid_t kOtherUid = 12345;

/// Runs `body` in a forked child and returns its exit status (128+signal if killed).
int run_in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Docker's 14 default capabilities (capabilities.hpp), optionally without one.
std::vector<int> docker_defaults_without(int missing = -1) {
  std::vector<int> caps;
  for (int cap : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID, CAP_SETUID,
                  CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE})
    if (cap != missing) caps.push_back(cap);
  return caps;
}

/// The same list in all of bounding, effective, permitted (inheritable and ambient empty).
Capabilities all_sets(const std::vector<int>& caps) {
  Capabilities c;
  c.bounding = c.effective = c.permitted = caps;
  return c;
}

/// In the child: bounding set, then the other sets. 100/101: that step failed.
int apply(const Capabilities& caps) {
  if (!drop_bounding_set(caps.bounding)) return 100;
  if (!apply_capability_sets(caps)) return 101;
  return 0;
}

/// A root-owned file in a fresh scratch directory.
std::string make_file(const testing::ScratchDir& dir) {
  std::string path = dir.path() + "/owned";
  EXPECT_TRUE(sys::write_file(path, "x"));
  return path;
}

TEST(Capabilities, ROOT_ChownToAnotherUserNeedsCapChown) {
  MINIRUN_REQUIRE_ROOT();
  testing::ScratchDir dir;
  std::string file = make_file(dir);
  auto chown_with = [&](const std::vector<int>& caps) {
    return run_in_child([&] {
      if (int rc = apply(all_sets(caps))) return rc;
      return ::chown(file.c_str(), kOtherUid, kOtherUid) == 0 ? 0 : errno;
    });
  };
  EXPECT_EQ(chown_with(docker_defaults_without(CAP_CHOWN)), EPERM) << "dropped: chown must fail";
  EXPECT_EQ(chown_with(docker_defaults_without()), 0) << "kept: chown must work";
  struct stat st = {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kOtherUid);
}

TEST(Capabilities, ROOT_DroppedCapabilityCannotBeRaisedAgain) {
  MINIRUN_REQUIRE_ROOT();
  int code = run_in_child([] {
    if (int rc = apply(all_sets(docker_defaults_without(CAP_CHOWN)))) return rc;
    if (::prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0) != 0) return 2;  // gone from the bounding set
    if (::prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 1) return 3;   // a kept one is still there
    // Straight through libcap: permitted can only shrink.
    cap_t state = cap_get_proc();
    cap_value_t chown_cap = CAP_CHOWN;
    cap_set_flag(state, CAP_PERMITTED, 1, &chown_cap, CAP_SET);
    cap_set_flag(state, CAP_EFFECTIVE, 1, &chown_cap, CAP_SET);
    int rc = cap_set_proc(state);
    int saved = errno;
    cap_free(state);
    if (rc == 0) return 4;
    if (saved != EPERM) return 5;
    // Through the runtime's function: refused, and the message names the capability.
    auto again = apply_capability_sets(all_sets(docker_defaults_without()));
    if (again) return 6;
    return again.error().what().find("CAP_CHOWN is not in the current permitted set") != std::string::npos ? 0 : 7;
  });
  EXPECT_EQ(code, 0);
}

TEST(Capabilities, ROOT_BoundingSetLimitsTheInheritableSet) {
  MINIRUN_REQUIRE_ROOT();
  // CAP_SYS_ADMIN stays permitted but leaves the bounding set; CAP_SETPCAP is held, so
  // only the bounding set can be the reason the inheritable set cannot have it.
  auto inherit = [](int cap) {
    return run_in_child([cap] {
      std::vector<int> caps = docker_defaults_without();
      caps.push_back(CAP_SYS_ADMIN);
      if (!drop_bounding_set(docker_defaults_without())) return 100;
      Capabilities c = all_sets(caps);
      c.inheritable = {cap};
      auto r = apply_capability_sets(c);
      if (r) return 0;
      return r.error().what().find("is inheritable but not in the bounding set") != std::string::npos ? 1 : 2;
    });
  };
  EXPECT_EQ(inherit(CAP_CHOWN), 0) << "in the bounding set: may be inheritable";
  EXPECT_EQ(inherit(CAP_SYS_ADMIN), 1) << "dropped from the bounding set: may not";
}

TEST(Capabilities, AmbientCapabilityMustBePermittedAndInheritable) {
  // Needs no root: with every set empty, cap_set_proc only shrinks, and the ambient
  // check refuses before any prctl(2).
  int code = run_in_child([] {
    Capabilities c;
    c.ambient = {CAP_NET_BIND_SERVICE};
    auto r = apply_capability_sets(c);
    if (r) return 1;
    return r.error().what().find("CAP_NET_BIND_SERVICE must also be in the permitted and inheritable") !=
                   std::string::npos
               ? 0
               : 2;
  });
  EXPECT_EQ(code, 0);
}

TEST(Capabilities, ROOT_AmbientCapabilityReachesANonRootProgram) {
  MINIRUN_REQUIRE_ROOT();
  const char* chown_bin = "/bin/chown";
  if (::access(chown_bin, X_OK) != 0) GTEST_SKIP() << "no /bin/chown";
  testing::ScratchDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);  // nobody must reach the file
  std::string file = make_file(dir);
  // As uid 65534 (nobody), exec chown(1) with CAP_CHOWN ambient, or without it.
  auto chown_as_nobody = [&](bool ambient) {
    return run_in_child([&] {
      if (!drop_bounding_set(docker_defaults_without())) return 100;
      if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return 101;  // keep permitted across setuid
      if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) return 102;
      Capabilities c;
      c.bounding = c.effective = c.permitted = c.inheritable = {CAP_CHOWN};
      if (ambient) c.ambient = {CAP_CHOWN};
      if (!apply_capability_sets(c)) return 103;
      std::string owner = std::to_string(kOtherUid);
      const char* argv[] = {"chown", owner.c_str(), file.c_str(), nullptr};
      const char* envp[] = {nullptr};
      ::execve(chown_bin, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
      return 104;
    });
  };
  EXPECT_NE(chown_as_nobody(false), 0) << "without ambient, execve drops the capability";
  EXPECT_EQ(chown_as_nobody(true), 0) << "with ambient, the program keeps it";
}

}  // namespace
}  // namespace minirun::runtime
