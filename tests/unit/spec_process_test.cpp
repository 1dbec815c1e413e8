/**
 * @file spec_process_test.cpp
 * @brief `process`: args, cwd, env, user, capabilities, rlimits, oomScoreAdj, and the
 * standalone form used by `exec --process FILE`.
 */
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "minirun/runtime/capabilities.hpp"
#include "minirun/runtime/spec.hpp"
#include "tests/unit/spec_test_support.hpp"

namespace minirun::runtime {
namespace {

using json = nlohmann::json;
using testing::FailsWith;
using testing::minimal_config;
using testing::Succeeds;
using testing::TempBundle;

/// Parses minimal_config() with `process` replaced by minimal's process updated by `patch`.
Result<Spec> parse_with_process(const TempBundle& bundle, const json& patch) {
  auto config = minimal_config();
  config["process"].update(patch);
  return bundle.parse(config);
}

TEST(SpecProcess, ArgsMustBeNonEmptyArrayOfStrings) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"args", json::array()}}),
                        "process.args: must be a non-empty array of strings"));
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"args", "sh -c true"}}),
                        "process.args: must be a non-empty array of strings, got string"));
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"args", {"sh", 5}}}), "process.args[1]: must be a string"));
  auto config = minimal_config();
  config["process"].erase("args");
  EXPECT_TRUE(FailsWith(bundle.parse(config), "process.args: must be a non-empty array of strings"));
}

TEST(SpecProcess, CwdIsRequired) {
  TempBundle bundle;
  auto config = minimal_config();
  config["process"].erase("cwd");
  EXPECT_TRUE(FailsWith(bundle.parse(config), "process.cwd: required"));
}

TEST(SpecProcess, CwdMustBeAbsolute) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"cwd", "tmp"}}),
                        "process.cwd: \"tmp\" must be an absolute path"));
}

TEST(SpecProcess, EnvEntriesMustBeKeyValue) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"env", {"A=1", "B"}}}),
                        "process.env[1]: \"B\" is not of the form KEY=value"));
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"env", {"=x"}}}), "process.env[0]"));
  auto spec = parse_with_process(bundle, {{"env", {"A=1", "EMPTY="}}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->process.env, (std::vector<std::string>{"A=1", "EMPTY="}));
}

TEST(SpecProcess, UserFieldsAreParsed) {
  TempBundle bundle;
  auto spec = parse_with_process(
      bundle, {{"user", {{"uid", 1000}, {"gid", 100}, {"umask", 18}, {"additionalGids", {5, 6}}}}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->process.user.uid, 1000u);
  EXPECT_EQ(spec->process.user.gid, 100u);
  EXPECT_EQ(spec->process.user.umask, mode_t{022});
  EXPECT_EQ(spec->process.user.additional_gids, (std::vector<gid_t>{5, 6}));
}

TEST(SpecProcess, UidOutOfRangeIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"user", {{"uid", -1}}}}),
                        "process.user.uid: must be an integer between 0 and 4294967295, got -1"));
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"user", {{"uid", 1.5}}}}),
                        "process.user.uid: must be an integer, got number"));
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"user", {{"additionalGids", {1, "x"}}}}}),
                        "process.user.additionalGids[1]: must be an integer, got string"));
}

TEST(SpecProcess, UmaskAbove0777IsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"user", {{"umask", 01000}}}}), "process.user.umask"));
}

TEST(SpecProcess, UnknownCapabilityNamesTheField) {
  TempBundle bundle;
  json caps = {{"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_SYS_ADMINN"}}};
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"capabilities", caps}}),
                        "process.capabilities.bounding[3]: unknown capability \"CAP_SYS_ADMINN\""));
  caps = {{"ambient", {"cap_chown"}}};
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"capabilities", caps}}),
                        "process.capabilities.ambient[0]: unknown capability \"cap_chown\""));
}

TEST(SpecProcess, CapabilitySetsDecodeToNumbers) {
  TempBundle bundle;
  json caps = {{"bounding", {"CAP_CHOWN", "CAP_SYS_ADMIN"}}, {"effective", {"CAP_KILL"}},
               {"inheritable", json::array()}, {"permitted", {"CAP_KILL"}}, {"ambient", {"CAP_NET_RAW"}}};
  auto spec = parse_with_process(bundle, {{"capabilities", caps}});
  ASSERT_TRUE(Succeeds(spec));
  ASSERT_TRUE(spec->process.capabilities.has_value());
  EXPECT_EQ(spec->process.capabilities->bounding, (std::vector<int>{0, 21}));  // CAP_CHOWN, CAP_SYS_ADMIN
  EXPECT_EQ(spec->process.capabilities->effective, (std::vector<int>{5}));     // CAP_KILL
  EXPECT_TRUE(spec->process.capabilities->inheritable.empty());
  EXPECT_EQ(spec->process.capabilities->ambient, (std::vector<int>{13}));      // CAP_NET_RAW
}

TEST(SpecProcess, AbsentCapabilitiesStayAbsent) {
  TempBundle bundle;
  auto spec = bundle.parse(minimal_config());
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_FALSE(spec->process.capabilities.has_value());
}

TEST(SpecProcess, RlimitsDecodeTypeAndLimits) {
  TempBundle bundle;
  json rlimits = json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 1024}},
                              {{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 18446744073709551615ULL}}});
  auto spec = parse_with_process(bundle, {{"rlimits", rlimits}});
  ASSERT_TRUE(Succeeds(spec));
  ASSERT_EQ(spec->process.rlimits.size(), 2u);
  EXPECT_EQ(spec->process.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(spec->process.rlimits[0].name, "RLIMIT_NOFILE");
  EXPECT_EQ(spec->process.rlimits[0].soft, 512u);
  EXPECT_EQ(spec->process.rlimits[1].hard, uint64_t{RLIM_INFINITY});
}

TEST(SpecProcess, UnknownRlimitTypeNamesTheField) {
  TempBundle bundle;
  json rlimits = json::array({{{"type", "RLIMIT_FILES"}, {"soft", 1}, {"hard", 1}}});
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"rlimits", rlimits}}),
                        "process.rlimits[0].type: unknown rlimit type \"RLIMIT_FILES\""));
}

TEST(SpecProcess, RlimitSoftAboveHardIsRejected) {
  TempBundle bundle;
  json rlimits = json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", 2048}, {"hard", 1024}}});
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"rlimits", rlimits}}),
                        "process.rlimits[0]: soft limit 2048 is above hard limit 1024"));
}

TEST(SpecProcess, DuplicateRlimitTypeIsRejected) {
  TempBundle bundle;
  json rlimits = json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", 1}, {"hard", 1}},
                              {{"type", "RLIMIT_NOFILE"}, {"soft", 2}, {"hard", 2}}});
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"rlimits", rlimits}}),
                        "process.rlimits[1].type: \"RLIMIT_NOFILE\" is listed twice"));
}

TEST(SpecProcess, RlimitLimitsAreRequired) {
  TempBundle bundle;
  json rlimits = json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", 1}}});
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"rlimits", rlimits}}), "process.rlimits[0].hard: required"));
}

TEST(SpecProcess, OomScoreAdjOutOfRangeIsRejected) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(parse_with_process(bundle, {{"oomScoreAdj", 1001}}),
                        "process.oomScoreAdj: must be an integer between -1000 and 1000, got 1001"));
  auto spec = parse_with_process(bundle, {{"oomScoreAdj", -1000}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->process.oom_score_adj, -1000);
}

TEST(SpecProcess, TerminalAndNoNewPrivilegesAreParsed) {
  TempBundle bundle;
  auto spec = parse_with_process(bundle, {{"terminal", true}, {"noNewPrivileges", true}});
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_TRUE(spec->process.terminal);
  EXPECT_TRUE(spec->process.no_new_privileges);
}

TEST(SpecProcess, StandaloneProcessErrorsArePrefixedWithWhere) {
  json process = {{"args", json::array()}, {"cwd", "/"}};
  EXPECT_TRUE(FailsWith(parse_process(process, "/tmp/p.json"),
                        "/tmp/p.json: args: must be a non-empty array of strings"));
  EXPECT_TRUE(FailsWith(parse_process(json::array(), "/tmp/p.json"), "/tmp/p.json: must be an object, got array"));
}

TEST(SpecProcess, StandaloneProcessParses) {
  json process = {{"args", {"ls", "-l"}}, {"cwd", "/tmp"}, {"env", {"A=b"}}};
  auto parsed = parse_process(process, "p.json");
  ASSERT_TRUE(Succeeds(parsed));
  EXPECT_EQ(parsed->args, (std::vector<std::string>{"ls", "-l"}));
  EXPECT_EQ(parsed->cwd, "/tmp");
}

}  // namespace
}  // namespace minirun::runtime
