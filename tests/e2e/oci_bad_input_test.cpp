/**
 * @file oci_bad_input_test.cpp
 * @brief Refusals: a broken config.json, a taken id, an unknown container. Each is
 * refused with a message that names what is wrong, and leaves the host as it was.
 *
 * `create` does a lot before it can notice some mistakes (a state directory, cgroup
 * directories, a child process, mounts in the child's namespace). container.hpp
 * promises that any failure undoes all of it. For each broken config the test checks:
 *
 *  - `create` exits non-zero and stderr names the config field (`linux.namespaces`,
 *    `root.path`, `mounts`, `linux.uidMappings`, `process.args`), since "invalid
 *    config" alone sends a learner hunting;
 *  - no state directory for the id, so `list` does not show a ghost and the id can be
 *    used again;
 *  - no cgroup directory named after the id anywhere under /sys/fs/cgroup (cgroups(7)):
 *    a leaked cgroup is never cleaned up by anyone;
 *  - no mount in the host's namespace mentioning the bundle (mount_namespaces(7)).
 *
 * Then the id rules: a second `create` with a taken id fails with "already exists" and
 * does not disturb the first container; `state`, `kill` and `delete` of an id that was
 * never created fail with "does not exist".
 *
 * Reference: runtime-spec config.md, runtime.md ("Errors"). Lab: labs/03-namespaces.
 */
#include <algorithm>

#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciBadConfig : public OciFixture {
 protected:
  /// Creates a container from a default bundle changed by `breakage`; checks that it is
  /// refused with `field` in the message and that nothing was left behind.
  void expect_refused_cleanly(const std::function<void(nlohmann::json&)>& breakage, const std::string& field) {
    std::string bundle = make_script_bundle("exec sleep 30", breakage);
    ASSERT_FALSE(bundle.empty());
    std::string id = new_id();
    auto create = oci_to_files({"create", "--bundle", bundle, id});
    EXPECT_NE(create.exit_code, 0) << "a broken config was accepted";
    EXPECT_NE(create.err.find(field), std::string::npos) << "the message does not name " << field << ": " << create.err;
    EXPECT_FALSE(exists(state_root() + "/" + id)) << "state directory left behind";
    auto cgroups = cgroup_dirs_named(id);
    EXPECT_TRUE(cgroups.empty()) << "cgroup left behind: " << cgroups.front();
    EXPECT_TRUE(mounts_mentioning(bundle).empty()) << "mount left behind";
    auto list = oci({"list", "--quiet"});
    EXPECT_EQ(list.out.find(id), std::string::npos) << list.out;
  }
};

class OciContainerIds : public OciFixture {};

TEST_F(OciBadConfig, ROOT_UnknownNamespaceTypeIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused_cleanly([](nlohmann::json& c) { c["linux"]["namespaces"].push_back({{"type", "bogus"}}); },
                         "linux.namespaces");
}

TEST_F(OciBadConfig, ROOT_MissingRootfsIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused_cleanly([](nlohmann::json& c) { c["root"]["path"] = "no-such-rootfs"; }, "root.path");
}

TEST_F(OciBadConfig, ROOT_RootPathClimbingOutOfTheBundleIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  // Bundles are <scratch>/bundle-N: one `..` per component of that path reaches `/`,
  // so the root.path below is the host's own /etc, a directory that exists. It must be
  // refused for where it points, not because it is missing.
  std::string climb;
  for (char c : scratch() + "/bundle-0")
    if (c == '/') climb += "../";
  ASSERT_TRUE(exists(scratch() + "/" + climb + "etc"));
  expect_refused_cleanly([&](nlohmann::json& c) { c["root"]["path"] = climb + "etc"; }, "root.path");
}

TEST_F(OciBadConfig, ROOT_RelativeMountDestinationIsRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused_cleanly(
      [](nlohmann::json& c) {
        c["mounts"].push_back({{"destination", "relative/dir"}, {"type", "tmpfs"}, {"source", "tmpfs"}});
      },
      "mounts");
}

TEST_F(OciBadConfig, ROOT_MountFailingWhileTheCgroupIsMadeIsReportedAndUndone) {
  MINIRUN_REQUIRE_ROOT();
  // On cgroup v1 the child makes its mounts while the parent makes the cgroup and moves
  // it in (setup_steps.cpp). A mount that fails first thing makes the child exit in the
  // middle of that: the error must still be the child's (naming the mount), not the
  // parent's about a pid that is gone, and the half-made cgroup must still go. Several
  // rounds, since where exactly the parent is when the child exits varies.
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    expect_refused_cleanly(
        [](nlohmann::json& c) {
          c["mounts"].insert(c["mounts"].begin(),
                             nlohmann::json{{"destination", "/mnt"}, {"type", "nosuchfs"}, {"source", "none"}});
        },
        "mounts[0] (/mnt)");
  }
}

TEST_F(OciBadConfig, ROOT_UidMappingsWithoutUserNamespaceAreRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused_cleanly(
      [](nlohmann::json& c) {
        c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
        c["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
      },
      "uidMappings");
}

TEST_F(OciBadConfig, ROOT_MissingProcessArgsAreRefused) {
  MINIRUN_REQUIRE_ROOT();
  expect_refused_cleanly([](nlohmann::json& c) { c["process"].erase("args"); }, "process.args");
}

TEST_F(OciBadConfig, ROOT_MissingProgramIsRefusedAtCreate) {
  MINIRUN_REQUIRE_ROOT();
  // Found only inside the new root, after cgroups, namespaces and mounts exist: the
  // latest point at which create can fail, so the most to undo.
  expect_refused_cleanly([](nlohmann::json& c) { c["process"]["args"] = {"/no/such/program"}; },
                         "/no/such/program");
}

TEST_F(OciContainerIds, ROOT_DuplicateIdIsRefusedAndFirstSurvives) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle = make_script_bundle("exec sleep 30");
  std::string id = new_id();
  ASSERT_EQ(oci_to_files({"create", "--bundle", bundle, id}).exit_code, 0);
  pid_t first_pid = state(id).value("pid", 0);
  ASSERT_GT(first_pid, 0);

  auto second = oci_to_files({"create", "--bundle", make_script_bundle("exec sleep 30"), id});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("already exists"), std::string::npos) << second.err;

  EXPECT_EQ(state(id).value("pid", 0), first_pid) << "the second create replaced the first container";
  EXPECT_EQ(status(id), "created");
  auto start = oci({"start", id});
  EXPECT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(wait_for_status(id, "running", 2000), "running");
}

TEST_F(OciContainerIds, ROOT_UnknownContainerDoesNotExist) {
  MINIRUN_REQUIRE_ROOT();
  const std::string never = "t-never-created";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"state", never}, {"kill", never, "KILL"}, {"delete", never}, {"start", never}}) {
    auto r = oci(args);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << args[0] << ": " << r.err;
  }
}

}  // namespace
}  // namespace minirun::testing
