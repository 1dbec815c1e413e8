// Image configs: the canonical round trip, and one rejection per kind of hostile input.
#include "imagebuilder/store/image_config.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace imagebuilder::store {
namespace {

const std::string kDiff1 = "sha256:" + std::string(64, '1');
const std::string kDiff2 = "sha256:" + std::string(64, '2');

ImageConfig full_config() {
  ImageConfig c;
  c.architecture = "amd64";
  c.os = "linux";
  c.created = "2024-05-01T12:00:00Z";
  c.author = "lab";
  c.config.user = "app:app";
  c.config.exposed_ports = {"80/tcp", "53/udp"};
  c.config.env = {"PATH=/usr/bin:/bin", "EMPTY="};
  c.config.entrypoint = {"/bin/sh", "-c"};
  c.config.cmd = {"echo hi"};
  c.config.volumes = {"/data"};
  c.config.working_dir = "/srv";
  c.config.labels = {{"org.example.lab", "1"}};
  c.config.stop_signal = "SIGTERM";
  c.config.healthcheck = Healthcheck{{"CMD-SHELL", "true"}, 30'000'000'000, 5'000'000'000, 1'000'000'000, 0, 3};
  c.config.on_build = {"RUN true"};
  c.config.shell = {"/bin/sh", "-c"};
  c.diff_ids = {Digest::parse(kDiff1).value(), Digest::parse(kDiff2).value()};
  c.history = {{"2024-05-01T12:00:00Z", "ADD rootfs.tar /", "", "", false},
               {"2024-05-01T12:00:01Z", "ENV PATH=/usr/bin:/bin", "", "", true},
               {"2024-05-01T12:00:02Z", "RUN make", "lab", "built", false}};
  return c;
}

/// The canonical config as JSON, changed by `edit`, back to bytes.
std::string edited(const std::function<void(nlohmann::json&)>& edit) {
  auto j = nlohmann::json::parse(full_config().to_canonical_json());
  edit(j);
  return j.dump();
}

/// Parses `bytes`, expects a failure whose message mentions `field`.
void expect_rejected(const std::string& bytes, const std::string& field) {
  auto parsed = ImageConfig::parse(bytes, "config `test.json`");
  ASSERT_FALSE(parsed.ok()) << "accepted a config with bad " << field;
  EXPECT_NE(parsed.error().what().find("config `test.json`"), std::string::npos) << parsed.error().what();
  EXPECT_NE(parsed.error().what().find(field), std::string::npos) << parsed.error().what();
}

TEST(ImageConfig, RoundTripKeepsEveryField) {
  auto bytes = full_config().to_canonical_json();
  auto parsed = ImageConfig::parse(bytes, "config");
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  EXPECT_EQ(parsed->to_canonical_json(), bytes);
  EXPECT_EQ(parsed->config.user, "app:app");
  EXPECT_EQ(parsed->config.healthcheck->interval, 30'000'000'000);
  EXPECT_EQ(parsed->config.healthcheck->retries, 3);
  EXPECT_EQ(parsed->history.size(), 3u);
  EXPECT_TRUE(parsed->history[1].empty_layer);
  EXPECT_EQ(parsed->diff_ids[1].str(), kDiff2);
}

TEST(ImageConfig, CanonicalBytesAreSortedAndCompact) {
  auto bytes = full_config().to_canonical_json();
  EXPECT_EQ(bytes, nlohmann::json::parse(bytes).dump());  // compact: no indentation, no ": "
  EXPECT_EQ(bytes.find('\n'), std::string::npos);
  EXPECT_LT(bytes.find("\"architecture\""), bytes.find("\"config\""));
  EXPECT_LT(bytes.find("\"Cmd\""), bytes.find("\"Entrypoint\""));
  EXPECT_EQ(digest_of(bytes), digest_of(full_config().to_canonical_json()));
}

TEST(ImageConfig, AcceptsDockerNullsAndUnknownFields) {
  auto bytes = edited([](nlohmann::json& j) {
    j["config"]["Cmd"] = nullptr;
    j["config"]["Volumes"] = nullptr;
    j["config"]["Hostname"] = "";
    j["config"]["ArgsEscaped"] = true;
    j["container_config"] = {{"Cmd", {"x"}}};
    j["docker_version"] = "25.0.0";
  });
  auto parsed = ImageConfig::parse(bytes, "config");
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  EXPECT_TRUE(parsed->config.cmd.empty());
  EXPECT_TRUE(parsed->config.volumes.empty());
}

TEST(ImageConfig, RejectsNonJson) { expect_rejected("{not json", "not valid JSON"); }

TEST(ImageConfig, RejectsWrongTypes) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["Env"] = "PATH=/bin"; }), "config.Env");
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["Cmd"] = {1, 2}; }), "config.Cmd");
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["Labels"] = {{"a", 1}}; }), "config.Labels");
  expect_rejected(edited([](nlohmann::json& j) { j["architecture"] = 64; }), "architecture");
  expect_rejected(edited([](nlohmann::json& j) { j["history"][0]["empty_layer"] = "no"; }), "history[0].empty_layer");
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["Healthcheck"]["Interval"] = -1; }),
                  "config.Healthcheck.Interval");
}

TEST(ImageConfig, RejectsUserWithControlCharacters) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["User"] = "root\nx"; }), "config.User");
}

TEST(ImageConfig, RejectsUserWithTwoColons) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["User"] = "a:b:c"; }), "config.User");
}

TEST(ImageConfig, RejectsOverlongUser) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["User"] = std::string(257, 'u'); }), "config.User");
}

TEST(ImageConfig, RejectsRelativeVolume) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["Volumes"] = {{"data", nlohmann::json::object()}}; }),
                  "config.Volumes");
}

TEST(ImageConfig, RejectsVolumeWithDotDot) {
  expect_rejected(
      edited([](nlohmann::json& j) { j["config"]["Volumes"] = {{"/data/../etc", nlohmann::json::object()}}; }),
      "config.Volumes");
}

TEST(ImageConfig, RejectsEnvWithoutEquals) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["Env"] = {"PATH"}; }), "config.Env[0]");
}

TEST(ImageConfig, RejectsHugeString) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["WorkingDir"] = std::string(65 * 1024, 'w'); }),
                  "config.WorkingDir");
}

TEST(ImageConfig, RejectsHugeArray) {
  expect_rejected(edited([](nlohmann::json& j) { j["config"]["Env"] = std::vector<std::string>(10001, "A=1"); }),
                  "config.Env");
}

TEST(ImageConfig, RejectsHugeDocument) {
  auto bytes = edited([](nlohmann::json& j) {
    for (int i = 0; i < 200; ++i) j["filler" + std::to_string(i)] = std::string(60 * 1024, 'f');
  });
  ASSERT_GT(bytes.size(), 8u << 20);
  expect_rejected(bytes, "bytes");
}

TEST(ImageConfig, RejectsDeepNesting) {
  std::string deep(100000, '[');
  expect_rejected(deep, "nested");
}

TEST(ImageConfig, RejectsRootfsTypeOtherThanLayers) {
  expect_rejected(edited([](nlohmann::json& j) { j["rootfs"]["type"] = "overlay"; }), "rootfs.type");
}

TEST(ImageConfig, RejectsMissingRootfs) {
  expect_rejected(edited([](nlohmann::json& j) { j.erase("rootfs"); }), "rootfs");
}

TEST(ImageConfig, RejectsDiffIdThatIsNotADigest) {
  expect_rejected(edited([](nlohmann::json& j) { j["rootfs"]["diff_ids"][1] = "sha256:../../etc"; }),
                  "rootfs.diff_ids[1]");
}

TEST(ImageConfig, RejectsHistoryInconsistentWithLayers) {
  expect_rejected(edited([](nlohmann::json& j) { j["history"][1]["empty_layer"] = false; }), "history");
}

}  // namespace
}  // namespace imagebuilder::store
