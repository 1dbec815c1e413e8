// A lab node that is powered off (SIGKILL to its init, and with it every process of its
// PID namespace, monitors included) leaves its containers' cgroup directories behind:
// nothing ran the runtime's delete. remove_node_cgroups() removes them from the paths the
// node's runtime recorded, and the runtime's shared `minirun` parent above them once it
// is empty, but nothing that another container still uses.
//
// The test builds the same shapes below a directory of its own in the pids hierarchy
// (v1) or the unified one (v2), next to this process's own cgroup, and removes whatever
// is left of it at the end, also when an assertion failed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "miniswarm/lab/lab_node.hpp"
#include "minirun/runtime/cgroup.hpp"
#include "minirun/sys/file.hpp"
#include "tests/support/test_env.hpp"

namespace miniswarm::lab {
namespace {

class LabNodeCgroups : public ::testing::Test {
 protected:
  void TearDown() override {
    // Deepest first; each rmdir only succeeds on an empty cgroup, so nothing else is hit.
    for (auto it = made_.rbegin(); it != made_.rend(); ++it) ::rmdir(it->c_str());
    if (!state_dir_.empty()) std::filesystem::remove_all(state_dir_);
  }

  /// A directory of the test's own, below this process's cgroup; "" if none can be made.
  std::string make_base() {
    auto layout = minirun::runtime::CgroupLayout::detect();
    if (!layout) return "";
    std::string mount, own;
    if (layout->uses_v1()) {
      mount = layout->v1_mounts["pids"];
      own = layout->own_paths["pids"];
    } else {
      mount = layout->unified_mount;
      own = layout->own_paths[""];
    }
    if (mount.empty()) return "";
    std::string base = mount + (own == "/" ? "" : own) + "/miniswarm-labtest-" + std::to_string(::getpid());
    return make(base) ? base : "";
  }

  bool make(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0) return false;
    made_.push_back(dir);
    return true;
  }

  /// One container of the node: its runtime state file, naming `cgroup`.
  void record(const std::string& id, const std::string& cgroup) {
    const std::string dir = state_dir_ + "/engine/runtime/" + id;
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(minirun::sys::write_file(dir + "/state.json", "{\"cgroupPaths\":[\"" + cgroup + "\"]}").ok());
  }

  std::vector<std::string> made_;
  std::string state_dir_;
};

TEST_F(LabNodeCgroups, ROOT_APoweredOffNodeLeavesNoEmptyMinirunParent) {
  MINIRUN_REQUIRE_ROOT();
  const std::string base = make_base();
  ASSERT_FALSE(base.empty()) << "could not make a test cgroup below this process's own";
  char tmpl[] = "/tmp/miniswarm-labtest-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  state_dir_ = tmpl;

  // Node A's two containers share the default `minirun` parent; node A ran nothing else.
  const std::string shared = base + "/a/minirun";
  ASSERT_TRUE(make(base + "/a") && make(shared) && make(shared + "/c1") && make(shared + "/c2"));
  // Below `b`, the `minirun` parent also holds a container the node did not record (say,
  // one of the host's own): it must stay, and so must that container.
  const std::string busy = base + "/b/minirun";
  ASSERT_TRUE(make(base + "/b") && make(busy) && make(busy + "/c3") && make(busy + "/theirs"));
  record("c1", shared + "/c1");
  record("c2", shared + "/c2");
  record("c3", busy + "/c3");

  auto removed = remove_node_cgroups(state_dir_);
  ASSERT_TRUE(removed.ok()) << removed.error().what();
  EXPECT_EQ(*removed, 4) << "c1, c2, c3 and a/minirun";
  for (const auto& gone : {shared + "/c1", shared + "/c2", shared, busy + "/c3"})
    EXPECT_FALSE(minirun::sys::path_exists(gone)) << gone;
  EXPECT_TRUE(minirun::sys::path_exists(busy + "/theirs"));
  EXPECT_TRUE(minirun::sys::path_exists(busy)) << "a parent still in use was removed";
  EXPECT_TRUE(minirun::sys::path_exists(base + "/a")) << "only a directory named minirun is a shared parent";
}

}  // namespace
}  // namespace miniswarm::lab
