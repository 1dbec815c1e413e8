/**
 * @file oci_hooks_test.cpp
 * @brief OCI hooks through the real program: each runs at its point of the lifecycle,
 * gets the state on stdin, and the container's program never starts before the
 * createRuntime hooks are done (also when `run` lets the init go on without stopping).
 */
#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciHooks : public OciFixture {};

TEST_F(OciHooks, ROOT_ProgramStartsOnlyAfterCreateRuntimeHooks) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle;
  // The hook writes a marker into the rootfs from the host side, slowly; the program
  // reports whether the marker was there when it started.
  bundle = make_script_bundle("test -e /tmp/hook-done && echo after || echo before", [&](nlohmann::json& c) {
    c["root"]["readonly"] = false;
    c["hooks"]["createRuntime"] = {{{"path", "/bin/sh"},
                                    {"args", {"sh", "-c",
                                              "b=$(sed -n 's/.*\"bundle\":\"\\([^\"]*\\)\".*/\\1/p'); "
                                              "sleep 0.3; touch \"$b/rootfs/tmp/hook-done\""}}}};
  });
  ASSERT_FALSE(bundle.empty());
  auto r = oci({"run", "--bundle", bundle, new_id()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "after\n") << "the program ran before the createRuntime hook finished";
}

TEST_F(OciHooks, ROOT_EveryHookGetsTheStateOnStdin) {
  MINIRUN_REQUIRE_ROOT();
  std::string out = scratch() + "/hooks";
  ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
  auto hook = [&](const std::string& name) {
    return nlohmann::json{{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat > " + out + "/" + name + ".json"}}};
  };
  std::string bundle = make_script_bundle("true", [&](nlohmann::json& c) {
    c["hooks"]["createRuntime"] = {hook("createRuntime")};
    c["hooks"]["poststart"] = {hook("poststart")};
    c["hooks"]["poststop"] = {hook("poststop")};
  });
  ASSERT_FALSE(bundle.empty());
  std::string id = new_id();
  auto r = oci({"run", "--bundle", bundle, id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"createRuntime", "poststart", "poststop"}) {
    auto state = nlohmann::json::parse(read_text(out + "/" + name + ".json"), nullptr, false);
    ASSERT_FALSE(state.is_discarded()) << name << " got no JSON on stdin";
    EXPECT_EQ(state.value("id", ""), id) << name;
    EXPECT_EQ(state.value("bundle", ""), bundle) << name;
  }
  EXPECT_EQ(nlohmann::json::parse(read_text(out + "/poststop.json")).value("status", ""), "stopped");
}

TEST_F(OciHooks, ROOT_FailingCreateRuntimeHookLeavesNothingBehind) {
  MINIRUN_REQUIRE_ROOT();
  std::string bundle = make_script_bundle("true", [](nlohmann::json& c) {
    c["hooks"]["createRuntime"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "echo no >&2; exit 3"}}}};
  });
  ASSERT_FALSE(bundle.empty());
  std::string id = new_id();
  auto r = oci({"run", "--bundle", bundle, id});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("hooks.createRuntime[0]"), std::string::npos) << r.err;
  EXPECT_NE(oci({"state", id}).exit_code, 0) << "state of a failed create is still there";
  EXPECT_TRUE(cgroup_dirs_named(id).empty()) << "a cgroup of the failed create is still there";
}

}  // namespace
}  // namespace minirun::testing
