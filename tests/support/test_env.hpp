/**
 * @file test_env.hpp
 * @brief What integration and end-to-end tests share: root detection, the busybox
 * rootfs, scratch directories that clean themselves, running the real programs.
 *
 * Tests that need root are named `ROOT_...` and call MINIRUN_REQUIRE_ROOT() first, so a
 * learner running the suite as a normal user sees them skipped, not failed.
 */
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

namespace minirun::testing {

/// True when the tests run as root (uid 0 in the initial user namespace).
bool running_as_root();

/// Path of a busybox rootfs made from Debian's busybox-static (built once per test run
/// under the build tree by scripts/make-busybox-rootfs.sh); empty plus a reason on failure.
std::string busybox_rootfs();

/// A fresh directory under /tmp, removed (recursively, never across mounts) on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Output and exit status of a program run to completion.
struct CommandResult {
  int exit_code = -1;  ///< exit status, or 128+signal
  std::string out;
  std::string err;
};

/// Runs argv (no shell), with optional stdin text, and a timeout after which the
/// program is killed (the test then fails on exit_code).
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {},
                          int timeout_seconds = 60);

/// A TCP port on 127.0.0.1 that nothing uses right now (bind to port 0, read it back).
uint16_t free_loopback_port();

/// Path of the built minirun-oci binary.
std::string minirun_oci_binary();

}  // namespace minirun::testing

/// First line of every ROOT_ test.
#define MINIRUN_REQUIRE_ROOT()                                              \
  do {                                                                      \
    if (!::minirun::testing::running_as_root()) GTEST_SKIP() << "needs root"; \
  } while (0)
