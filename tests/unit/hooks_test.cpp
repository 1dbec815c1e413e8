/**
 * @file hooks_test.cpp
 * @brief run_hooks(): state on stdin, errors that name the hook, timeouts that kill,
 * and the spec's rule on which phases stop at the first failure. Hooks here are
 * /bin/sh scripts; no root needed.
 */
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "minirun/runtime/hooks.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {
namespace {

/// A temporary directory for hook output (unit tests do not link tests/support).
class HookDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/minirun-hooks-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { (void)sys::remove_tree(dir_); }
  std::string file(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

Hook shell(const std::string& script, std::optional<int> timeout = std::nullopt) {
  Hook h;
  h.path = "/bin/sh";
  h.args = {"sh", "-c", script};
  h.timeout = timeout;
  return h;
}

const std::string kState = R"({"ociVersion":"1.0.2","id":"web","status":"created","pid":42,"bundle":"/b"})";

TEST_F(HookDir, HookReceivesStateJsonOnStdin) {
  ASSERT_TRUE(run_hooks({shell("cat > " + file("state"))}, kState, "createRuntime"));
  auto got = sys::read_file(file("state"));
  ASSERT_TRUE(got) << got.error().what();
  EXPECT_EQ(*got, kState);
}

TEST_F(HookDir, HookGetsExactlyItsOwnEnvironment) {
  ::setenv("MINIRUN_TEST_LEAK", "1", 1);
  Hook h = shell("env > " + file("env"));
  h.env = {"FROM_CONFIG=yes"};
  ASSERT_TRUE(run_hooks({h}, kState, "prestart"));
  ::unsetenv("MINIRUN_TEST_LEAK");
  auto env = sys::read_file(file("env"));
  ASSERT_TRUE(env);
  EXPECT_NE(env->find("FROM_CONFIG=yes"), std::string::npos);
  EXPECT_EQ(env->find("MINIRUN_TEST_LEAK"), std::string::npos);
}

TEST(Hook, FailureNamesPhaseIndexPathStatusAndStderr) {
  auto r = run_hooks({shell("exit 0"), shell("echo 'no GPU here' >&2; exit 3")}, kState, "createRuntime");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(), "hooks.createRuntime[1]: `/bin/sh` exited with status 3: no GPU here");
}

TEST(Hook, MissingProgramIsReportedAsExecveError) {
  Hook h;
  h.path = "/nonexistent/hook";
  auto r = run_hooks({h}, kState, "poststart");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(), "hooks.poststart[0]: execve `/nonexistent/hook`: No such file or directory");
}

TEST(Hook, HookKilledBySignalIsReported) {
  auto r = run_hooks({shell("kill -SEGV $$")}, kState, "startContainer");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("hooks.startContainer[0]: `/bin/sh` was killed by signal 11"), std::string::npos);
}

TEST_F(HookDir, TimedOutHookIsKilledAndReported) {
  auto start = std::chrono::steady_clock::now();
  // `exec` so that the pid written is the process that sleeps.
  auto r = run_hooks({shell("echo $$ > " + file("pid") + "; exec sleep 30", 1)}, kState, "createRuntime");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(), "hooks.createRuntime[0]: `/bin/sh` timed out after 1 s");
  EXPECT_LT(took, std::chrono::seconds(5));
  auto pid = sys::read_file(file("pid"));
  ASSERT_TRUE(pid);
  // Killed and reaped: the pid no longer names a process of ours.
  EXPECT_EQ(::kill(std::stoi(*pid), 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(HookDir, FailureInCreatePhaseStopsTheRemainingHooks) {
  auto r = run_hooks({shell("exit 1"), shell("touch " + file("ran"))}, kState, "createRuntime");
  EXPECT_FALSE(r);
  EXPECT_FALSE(sys::path_exists(file("ran")));
}

TEST_F(HookDir, FailureInPoststopIsReportedButLaterHooksStillRun) {
  auto r = run_hooks({shell("exit 1"), shell("touch " + file("ran"))}, kState, "poststop");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("hooks.poststop[0]"), std::string::npos);
  EXPECT_TRUE(sys::path_exists(file("ran")));
}

TEST(Hook, LargeStateDoesNotBlockAHookThatIgnoresStdin) {
  std::string big = "{\"annotations\":{\"x\":\"" + std::string(1 << 20, 'a') + "\"}}";
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(run_hooks({shell("exit 0", 5)}, big, "createRuntime"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(Hook, NoHooksIsSuccess) { EXPECT_TRUE(run_hooks({}, kState, "prestart")); }

}  // namespace
}  // namespace minirun::runtime
