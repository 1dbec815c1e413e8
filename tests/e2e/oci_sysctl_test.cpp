/**
 * @file oci_sysctl_test.cpp
 * @brief `linux.sysctl`: namespaced kernel settings apply inside the container only,
 * and are written before /proc/sys is made read-only (setup_steps.cpp).
 */
#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciSysctl : public OciFixture {};

TEST_F(OciSysctl, ROOT_SettingAppliesInsideAndNotOnTheHost) {
  MINIRUN_REQUIRE_ROOT();
  // kernel.shmmax belongs to the IPC namespace: a new one starts with the default.
  std::string host_before = read_text("/proc/sys/kernel/shmmax");
  ASSERT_FALSE(host_before.empty());
  ASSERT_NE(host_before, "12345678\n");

  auto r = run_script("cat /proc/sys/kernel/shmmax",
                      [](nlohmann::json& c) { c["linux"]["sysctl"] = {{"kernel.shmmax", "12345678"}}; });
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "12345678\n");
  EXPECT_EQ(read_text("/proc/sys/kernel/shmmax"), host_before) << "the container changed the host's setting";
}

TEST_F(OciSysctl, ROOT_ProcSysIsReadOnlyAfterTheSettingsAreWritten) {
  MINIRUN_REQUIRE_ROOT();
  auto r = run_script("echo 4242 > /proc/sys/kernel/shmmax && echo wrote; cat /proc/sys/kernel/shmmax",
                      [](nlohmann::json& c) { c["linux"]["sysctl"] = {{"kernel.shmmax", "12345678"}}; });
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "12345678\n") << "the program could rewrite /proc/sys";
}

}  // namespace
}  // namespace minirun::testing
