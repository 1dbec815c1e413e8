/**
 * @file rlimits_test.cpp
 * @brief rlimit names, and apply_rlimits run in a forked child (so the test runner's
 * own limits stay as they were).
 */
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "minirun/runtime/rlimits.hpp"

namespace minirun::runtime {
namespace {

TEST(RlimitNames, EveryLinuxRlimitIsKnown) {
  const std::pair<const char*, int> all[] = {
      {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  };
  for (const auto& [name, resource] : all) {
    auto r = rlimit_from_name(name);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(*r, resource) << name;
  }
}

TEST(RlimitNames, UnknownNameIsRejectedByName) {
  for (const char* name : {"RLIMIT_FILES", "rlimit_nofile", "NOFILE", ""}) {
    auto r = rlimit_from_name(name);
    ASSERT_FALSE(r) << name;
    EXPECT_NE(r.error().message().find(std::string("\"") + name + "\""), std::string::npos) << r.error().message();
  }
}

/// Runs `body` in a forked child and returns its exit status (0 = all checks passed).
template <class F>
int in_child(F body) {
  pid_t pid = ::fork();
  if (pid == 0) _exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(RlimitApply, SetsSoftAndHardLimits) {
  int status = in_child([] {
    struct rlimit before{};
    ::getrlimit(RLIMIT_NOFILE, &before);
    uint64_t hard = std::min<uint64_t>(before.rlim_max, 512);
    if (!apply_rlimits({Rlimit{RLIMIT_NOFILE, "RLIMIT_NOFILE", hard, 100}})) return 1;
    struct rlimit after{};
    ::getrlimit(RLIMIT_NOFILE, &after);
    if (after.rlim_cur != 100) return 2;
    if (after.rlim_max != hard) return 3;
    return 0;
  });
  EXPECT_EQ(status, 0);
}

TEST(RlimitApply, FailureNamesTheLimit) {
  // soft above hard: setrlimit(2) refuses with EINVAL, whoever we are.
  auto r = apply_rlimits({Rlimit{RLIMIT_CORE, "RLIMIT_CORE", 10, 20}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), EINVAL);
  EXPECT_NE(r.error().message().find("RLIMIT_CORE"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace minirun::runtime
