// ROOT/lab.json: what `up` records comes back identical, a damaged file is refused with
// its path, and no file means no lab. No root needed: plain files in a temporary dir.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "miniswarm/lab/lab_state.hpp"

namespace miniswarm::lab {
namespace {

class LabStateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/lab-state-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    root_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  LabState sample() {
    LabOptions options;
    options.nodes = 3;
    options.root = root_;
    options.subnet = "10.233.0.0/24";
    options.heartbeat_period_ms = 500;
    auto plan = make_lab_plan(options);
    EXPECT_TRUE(plan.ok());
    LabState state;
    state.plan = *plan;
    state.options = options;
    state.root_created = true;
    state.inits["node-1"] = {4242, 987654321ull};
    state.inits["node-3"] = {4343, 987654999ull};
    return state;
  }

  std::string root_;
};

TEST_F(LabStateFile, WhatIsSavedLoadsBackTheSame) {
  LabState saved = sample();
  ASSERT_TRUE(save_lab_state(saved).ok());
  auto loaded = load_lab_state(root_);
  ASSERT_TRUE(loaded.ok()) << loaded.error().what();
  ASSERT_TRUE(loaded->has_value());
  const LabState& state = **loaded;
  EXPECT_EQ(state.inits, saved.inits);
  EXPECT_TRUE(state.root_created);
  EXPECT_EQ(state.plan.subnet, saved.plan.subnet);
  EXPECT_EQ(state.plan.heartbeat_period_ms, 500);
  ASSERT_EQ(state.plan.nodes.size(), 3u);
  EXPECT_EQ(state.plan.nodes[2].address, saved.plan.nodes[2].address);
  EXPECT_EQ(state.plan.nodes[2].state_dir, root_ + "/node-3");
}

TEST_F(LabStateFile, NoFileMeansNoLab) {
  auto loaded = load_lab_state(root_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
}

TEST_F(LabStateFile, TheFileIsReadableByRootOnly) {
  ASSERT_TRUE(save_lab_state(sample()).ok());
  auto perms = std::filesystem::status(lab_state_path(root_)).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
}

TEST_F(LabStateFile, ADamagedFileIsAnErrorNamingIt) {
  std::ofstream(lab_state_path(root_)) << "{\"version\": 1, \"nodes\": [ {";
  auto loaded = load_lab_state(root_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().what().find(lab_state_path(root_)), std::string::npos) << loaded.error().what();
}

TEST_F(LabStateFile, AnAddressThatDisagreesWithThePlanIsRefused) {
  nlohmann::json j = sample().to_json();
  j["nodes"][1]["address"] = "10.233.0.99";
  auto state = LabState::from_json(j);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.error().what().find("node-2"), std::string::npos) << state.error().what();
}

TEST_F(LabStateFile, TheJsonNamesEveryNodesAddressNetnsAndPid) {
  nlohmann::json j = sample().to_json();
  EXPECT_EQ(j["bridge"], "mswlab0");
  EXPECT_EQ(j["gateway"], "10.233.0.1");
  EXPECT_EQ(j["nodes"][0]["address"], "10.233.0.2");
  EXPECT_EQ(j["nodes"][0]["netns"], "mswlab-node-1");
  EXPECT_EQ(j["nodes"][0]["role"], "manager");
  EXPECT_EQ(j["nodes"][0]["init_pid"], 4242);
  EXPECT_FALSE(j["nodes"][1].contains("init_pid"));
}

}  // namespace
}  // namespace miniswarm::lab
