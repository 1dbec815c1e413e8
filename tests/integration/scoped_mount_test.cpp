/**
 * @file scoped_mount_test.cpp
 * @brief ScopedMount: a mount made on the host side is undone by its destructor,
 * unless released.
 */
#include <sys/mount.h>

#include "minirun/sys/file.hpp"
#include "minirun/sys/mount.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::testing {
namespace {

bool mounted_at(const std::string& path) {
  auto info = sys::read_file("/proc/self/mountinfo");
  return info && info->find(" " + path + " ") != std::string::npos;
}

TEST(ScopedMount, ROOT_DestructorUnmounts) {
  MINIRUN_REQUIRE_ROOT();
  ScratchDir dir;
  {
    ASSERT_TRUE(sys::mount_fs("tmpfs", dir.path(), "tmpfs", 0, "size=64k"));
    sys::ScopedMount guard(dir.path());
    EXPECT_TRUE(mounted_at(dir.path()));
  }
  EXPECT_FALSE(mounted_at(dir.path())) << "the mount outlived its ScopedMount";
}

TEST(ScopedMount, ROOT_ReleasedMountStays) {
  MINIRUN_REQUIRE_ROOT();
  ScratchDir dir;
  {
    ASSERT_TRUE(sys::mount_fs("tmpfs", dir.path(), "tmpfs", 0, "size=64k"));
    sys::ScopedMount guard(dir.path());
    guard.release();
  }
  EXPECT_TRUE(mounted_at(dir.path()));
  ::umount2(dir.path().c_str(), MNT_DETACH);  // clean up what the test made
  EXPECT_FALSE(mounted_at(dir.path()));
}

TEST(ScopedMount, MountErrorNamesTypeAndTarget) {
  auto r = sys::mount_fs("none", "/nonexistent/minirun-target", "tmpfs", 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("mount tmpfs"), std::string::npos) << r.error().what();
  EXPECT_NE(r.error().what().find("/nonexistent/minirun-target"), std::string::npos) << r.error().what();
}

}  // namespace
}  // namespace minirun::testing
