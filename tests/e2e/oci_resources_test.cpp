/**
 * @file oci_resources_test.cpp
 * @brief Limits a container cannot exceed, tried by exceeding them: memory (the OOM
 * killer ends it, and `state` says so) and the number of processes (fork fails).
 *
 *  - `linux.resources.memory.limit` (cgroups(7); v1 memory.limit_in_bytes, v2
 *    memory.max). A shell that doubles a string forever passes 32 MiB within a second;
 *    the kernel's OOM killer sends SIGKILL, so a foreground `run` exits 128+9 = 137.
 *    `swap` equal to the limit (memory.memsw.limit_in_bytes) leaves no swap to hide in.
 *    Control: the same container, asked for 64 KiB, exits 0. The kit's `state` adds
 *    `oomKilled`, read from the cgroup's OOM kill counter: true after the hog, false
 *    after a normal exit.
 *  - `linux.resources.pids.limit` (pids.max): 50 background `sleep`s in a container
 *    limited to 20 tasks. The spawning shell dies on the first failed fork(2) (EAGAIN,
 *    "Resource temporarily unavailable"), the cgroup never holds more than 20, and
 *    nearly 20 did start (so the spawner really tried).
 *
 * Lab: labs/04-cgroups.
 */
#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciMemoryLimit : public OciFixture {};
class OciPidsLimit : public OciFixture {};

constexpr long long kMemoryLimit = 32ll << 20;

void limit_memory(nlohmann::json& c) {
  c["linux"]["resources"]["memory"] = {{"limit", kMemoryLimit}, {"swap", kMemoryLimit}};
}

/// Doubles a shell string `steps` times (2^steps bytes, copied at every step), printing
/// the length reached after each step.
std::string doubling(int steps) {
  return "x=a; i=0; while [ $i -lt " + std::to_string(steps) + " ]; do x=$x$x; i=$((i+1)); echo ${#x}; done";
}

TEST_F(OciMemoryLimit, ROOT_HogIsOomKilledWith137) {
  MINIRUN_REQUIRE_ROOT();
  auto hog = run_script(doubling(40), limit_memory);
  EXPECT_EQ(hog.exit_code, 137) << hog.err;
  // Killed at the container's limit, not by a host running out of memory: a 32 MiB
  // string needs 64 MiB while it is copied, so the largest one made is at most 16 MiB.
  auto reached = lines_of(hog.out);
  ASSERT_FALSE(reached.empty()) << hog.err;
  EXPECT_LE(std::stoll(reached.back()), kMemoryLimit / 2) << "the hog got past the limit";

  // Control: the limit is there and leaves room for a small program.
  auto small = run_script("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; " +
                              doubling(16),
                          limit_memory);
  EXPECT_EQ(small.exit_code, 0) << small.err;
  auto lines = lines_of(small.out);
  ASSERT_EQ(lines.size(), 17u) << small.out;
  EXPECT_EQ(lines.front(), std::to_string(kMemoryLimit));
  EXPECT_EQ(lines.back(), "65536");
}

TEST_F(OciMemoryLimit, ROOT_StateReportsOomKilled) {
  MINIRUN_REQUIRE_ROOT();
  std::string hog = start_detached(doubling(40), limit_memory);
  ASSERT_FALSE(hog.empty());
  EXPECT_EQ(wait_for_status(hog, "stopped", 10000), "stopped");
  auto s = state(hog);
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s.value("oomKilled", false), true) << s.dump();

  // Control: a container that simply exits was not OOM-killed.
  std::string calm = start_detached("true", limit_memory);
  ASSERT_FALSE(calm.empty());
  EXPECT_EQ(wait_for_status(calm, "stopped", 10000), "stopped");
  auto c = state(calm);
  ASSERT_TRUE(c.is_object());
  ASSERT_TRUE(c.contains("oomKilled")) << c.dump();
  EXPECT_EQ(c["oomKilled"], false) << c.dump();
}

TEST_F(OciPidsLimit, ROOT_ForkFailsAtTheLimit) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = start_detached("exec sleep 30", [](nlohmann::json& c) {
    c["linux"]["resources"]["pids"] = {{"limit", 20}};
  });
  ASSERT_FALSE(id.empty());
  auto spawn = oci({"exec", id, "sh", "-c",
                    "i=0; while [ $i -lt 50 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); echo $i; done"});
  EXPECT_NE(spawn.exit_code, 0) << "50 processes started under pids.limit 20";
  EXPECT_TRUE(spawn.err.find("Resource temporarily unavailable") != std::string::npos ||
              spawn.err.find("can't fork") != std::string::npos)
      << spawn.err;
  auto started = lines_of(spawn.out);
  EXPECT_LT(started.size(), 20u);
  EXPECT_GE(started.size(), 15u) << "the spawner stopped long before the limit: " << spawn.err;

  auto pids = container_pids(id);
  EXPECT_LE(pids.size(), 20u);
  EXPECT_GE(pids.size(), 15u);
}

}  // namespace
}  // namespace minirun::testing
