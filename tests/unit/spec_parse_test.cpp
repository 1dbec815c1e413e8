/**
 * @file spec_parse_test.cpp
 * @brief The config parser as a whole: required fields, root.path, the file and its
 * JSON, the checks that span sections, hooks, and fields accepted but ignored.
 */
#include <gtest/gtest.h>

#include "minirun/runtime/spec.hpp"
#include "tests/unit/spec_test_support.hpp"

namespace minirun::runtime {
namespace {

using json = nlohmann::json;
using testing::FailsWith;
using testing::minimal_config;
using testing::Succeeds;
using testing::TempBundle;

TEST(SpecParse, MinimalConfigParses) {
  TempBundle bundle;
  auto spec = bundle.parse(minimal_config());
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->oci_version, "1.0.2");
  EXPECT_EQ(spec->bundle, bundle.path());
  EXPECT_EQ(spec->root.path, bundle.path() + "/rootfs");
  EXPECT_EQ(spec->process.args, std::vector<std::string>{"sh"});
  EXPECT_TRUE(spec->ignored.empty());
}

TEST(SpecParse, SeccompIsLeftUnreadOnlyWhenTheCallerBringsItsOwn) {
  // CreateOptions::seccomp: the runtime parses the config without linux.seccomp, which
  // the caller hands over already parsed. Everything else is still checked.
  TempBundle bundle;
  auto config = minimal_config();
  config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_NOPE"}};
  EXPECT_TRUE(FailsWith(bundle.parse(config), "SCMP_ACT_NOPE"));
  auto without = parse_spec(config, bundle.path(), false);
  ASSERT_TRUE(Succeeds(without));
  EXPECT_FALSE(without->linux.seccomp.has_value());
  config["linux"]["namespaces"] = {{{"type", "pidd"}}};
  EXPECT_TRUE(FailsWith(parse_spec(config, bundle.path(), false), "pidd"));
}

TEST(SpecParse, ConfigMustBeAnObject) {
  TempBundle bundle;
  EXPECT_TRUE(FailsWith(bundle.parse(json::array()), "must be a JSON object, got array"));
}

TEST(SpecParse, BundleMustBeAbsolute) {
  EXPECT_TRUE(FailsWith(parse_spec(minimal_config(), "relative/bundle"), "must be an absolute path"));
}

TEST(SpecParse, OciVersionIsRequired) {
  TempBundle bundle;
  auto config = minimal_config();
  config.erase("ociVersion");
  EXPECT_TRUE(FailsWith(bundle.parse(config), "ociVersion: required"));
}

TEST(SpecParse, OciVersionMustBeOneDotX) {
  TempBundle bundle;
  auto config = minimal_config();
  config["ociVersion"] = "2.0.0";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "ociVersion: \"2.0.0\" is not supported"));
}

TEST(SpecParse, WrongTypeNamesFieldAndExpectedType) {
  TempBundle bundle;
  auto config = minimal_config();
  config["ociVersion"] = 1;
  EXPECT_TRUE(FailsWith(bundle.parse(config), "ociVersion: must be a string, got number"));
  config = minimal_config();
  config["process"]["terminal"] = "yes";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "process.terminal: must be a boolean, got string"));
}

TEST(SpecParse, RootPathIsRequired) {
  TempBundle bundle;
  auto config = minimal_config();
  config["root"].erase("path");
  EXPECT_TRUE(FailsWith(bundle.parse(config), "root.path: required"));
}

TEST(SpecParse, RelativeRootPathIsResolvedAgainstBundle) {
  TempBundle bundle;
  auto config = minimal_config();
  config["root"]["path"] = "./rootfs/../rootfs/";
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->root.path, bundle.path() + "/rootfs");
}

TEST(SpecParse, RootPathThatClimbsOutOfBundleIsRejected) {
  TempBundle bundle;
  auto config = minimal_config();
  config["root"]["path"] = "../../etc";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "root.path: \"../../etc\" climbs out of the bundle"));
  config["root"]["path"] = "rootfs/../../x";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "root.path: \"rootfs/../../x\" climbs out of the bundle"));
}

TEST(SpecParse, AbsoluteRootPathIsAllowed) {
  TempBundle bundle;
  TempBundle elsewhere;
  auto config = minimal_config();
  config["root"]["path"] = elsewhere.path() + "/rootfs";
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->root.path, elsewhere.path() + "/rootfs");
}

TEST(SpecParse, MissingRootfsIsRejected) {
  TempBundle bundle;
  auto config = minimal_config();
  config["root"]["path"] = "nothere";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "root.path: " + bundle.path() + "/nothere: no such directory"));
}

TEST(SpecParse, RootfsThatIsAFileIsRejected) {
  TempBundle bundle;
  bundle.write_file("file", "x");
  auto config = minimal_config();
  config["root"]["path"] = "file";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "root.path: " + bundle.path() + "/file: not a directory"));
}

TEST(SpecParse, ProcessIsRequired) {
  TempBundle bundle;
  auto config = minimal_config();
  config.erase("process");
  EXPECT_TRUE(FailsWith(bundle.parse(config), "process: required"));
}

TEST(SpecParse, HostnameWithoutNewUtsNamespaceIsRejected) {
  TempBundle bundle;
  auto config = minimal_config();
  config["hostname"] = "box";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "hostname: setting it needs a new UTS namespace"));
  config["linux"]["namespaces"] = json::array({{{"type", "uts"}, {"path", "/proc/1/ns/uts"}}});
  EXPECT_TRUE(FailsWith(bundle.parse(config), "hostname: setting it needs a new UTS namespace"));
  config["linux"]["namespaces"] = json::array({{{"type", "uts"}}});
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->hostname, "box");
}

TEST(SpecParse, DomainnameWithoutNewUtsNamespaceIsRejected) {
  TempBundle bundle;
  auto config = minimal_config();
  config["domainname"] = "example.org";
  EXPECT_TRUE(FailsWith(bundle.parse(config), "domainname: setting it needs a new UTS namespace"));
}

TEST(SpecParse, AnnotationsMustMapStringsToStrings) {
  TempBundle bundle;
  auto config = minimal_config();
  config["annotations"] = {{"org.example.key", 5}};
  EXPECT_TRUE(FailsWith(bundle.parse(config), "annotations.org.example.key: must be a string, got number"));
  config["annotations"] = {{"org.example.key", "v"}};
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->annotations.at("org.example.key"), "v");
}

TEST(SpecParse, UnimplementedFeaturesAreAcceptedAndListed) {
  TempBundle bundle;
  auto config = minimal_config();
  config["process"]["apparmorProfile"] = "docker-default";
  config["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0";
  config["linux"]["intelRdt"] = {{"closID", "x"}};
  config["linux"]["personality"] = {{"domain", "LINUX"}};
  config["linux"]["mountLabel"] = "label";
  config["somethingNew"] = true;
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  const auto& ignored = spec->ignored;
  for (const char* field : {"process.apparmorProfile", "process.selinuxLabel", "linux.intelRdt",
                            "linux.personality", "linux.mountLabel", "somethingNew"})
    EXPECT_NE(std::find(ignored.begin(), ignored.end(), field), ignored.end()) << field;
}

TEST(SpecParse, NullCountsAsAbsent) {
  TempBundle bundle;
  auto config = minimal_config();
  config["mounts"] = nullptr;  // Go writes nil slices as null
  config["process"]["env"] = nullptr;
  EXPECT_TRUE(Succeeds(bundle.parse(config)));
}

TEST(SpecParse, LoadSpecPrefixesErrorsWithConfigPath) {
  TempBundle bundle;
  auto config = minimal_config();
  config["process"]["args"] = json::array();
  bundle.write_file("config.json", config.dump());
  EXPECT_TRUE(FailsWith(load_spec(bundle.path()),
                        bundle.path() + "/config.json: process.args: must be a non-empty array of strings"));
}

TEST(SpecParse, LoadSpecReportsJsonSyntaxErrorPosition) {
  TempBundle bundle;
  bundle.write_file("config.json", "{\n  \"ociVersion\": \"1.0.2\",\n  \"root\": }\n");
  auto spec = load_spec(bundle.path());
  EXPECT_TRUE(FailsWith(spec, bundle.path() + "/config.json: invalid JSON:"));
  EXPECT_TRUE(FailsWith(spec, "line 3"));
  EXPECT_TRUE(FailsWith(spec, "(byte "));
}

TEST(SpecParse, LoadSpecNamesMissingConfigFile) {
  TempBundle bundle;
  auto spec = load_spec(bundle.path());
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().what().find(bundle.path() + "/config.json"), std::string::npos) << spec.error().what();
}

TEST(SpecParse, LoadSpecParsesValidFile) {
  TempBundle bundle;
  bundle.write_file("config.json", minimal_config().dump());
  auto spec = load_spec(bundle.path());
  ASSERT_TRUE(Succeeds(spec));
  EXPECT_EQ(spec->root.path, bundle.path() + "/rootfs");
}

TEST(SpecHooks, HookPathMustBeAbsolute) {
  TempBundle bundle;
  auto config = minimal_config();
  config["hooks"] = {{"createRuntime", json::array({{{"path", "bin/hook"}}})}};
  EXPECT_TRUE(FailsWith(bundle.parse(config), "hooks.createRuntime[0].path: \"bin/hook\" must be an absolute path"));
}

TEST(SpecHooks, HookTimeoutMustBePositive) {
  TempBundle bundle;
  auto config = minimal_config();
  config["hooks"] = {{"poststop", json::array({{{"path", "/bin/true"}, {"timeout", 0}}})}};
  EXPECT_TRUE(FailsWith(bundle.parse(config), "hooks.poststop[0].timeout: must be an integer between 1"));
}

TEST(SpecHooks, AllLifecyclePointsAreParsed) {
  TempBundle bundle;
  auto config = minimal_config();
  json hook = json::array({{{"path", "/bin/true"}, {"args", {"true", "x"}}, {"env", {"A=1"}}, {"timeout", 5}}});
  for (const char* point :
       {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"})
    config["hooks"][point] = hook;
  auto spec = bundle.parse(config);
  ASSERT_TRUE(Succeeds(spec));
  for (const auto* list : {&spec->hooks.prestart, &spec->hooks.create_runtime, &spec->hooks.create_container,
                           &spec->hooks.start_container, &spec->hooks.poststart, &spec->hooks.poststop}) {
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ(list->front().path, "/bin/true");
    EXPECT_EQ(list->front().timeout, 5);
  }
}

TEST(SpecHooks, HookEnvMustBeKeyValue) {
  TempBundle bundle;
  auto config = minimal_config();
  config["hooks"] = {{"poststart", json::array({{{"path", "/bin/true"}, {"env", {"NOEQUALS"}}}})}};
  EXPECT_TRUE(FailsWith(bundle.parse(config), "hooks.poststart[0].env[0]: \"NOEQUALS\" is not of the form KEY=value"));
}

}  // namespace
}  // namespace minirun::runtime
