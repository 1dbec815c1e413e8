/**
 * @file network_store_test.cpp
 * @brief Unit tests of the network records and the store's checks that need no root.
 *
 * Creating a network makes a bridge (root), so the create/remove paths are tested end to
 * end in tests/e2e/engine/network_test.cpp; here: the JSON shapes, the veth names, and
 * the refusals that happen before anything is made.
 */
#include "minirun/network/network_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "minirun/sys/file.hpp"

namespace minirun::network {
namespace {

TEST(NetworkConfigJson, RoundTripInDockersShape) {
  NetworkConfig n;
  n.id = std::string(64, 'c');
  n.name = "app";
  n.created = "2026-11-28T09:00:00.000000000Z";
  n.subnet = "172.18.0.0/16";
  n.gateway = "172.18.0.1";
  n.bridge = "mr-cccccccccccc";
  n.labels = {{"team", "blue"}};
  const nlohmann::json j = n.to_json();
  EXPECT_EQ(j["IPAM"]["Config"][0]["Subnet"], "172.18.0.0/16");
  EXPECT_EQ(j["Options"]["com.docker.network.bridge.name"], "mr-cccccccccccc");
  EXPECT_EQ(j["Driver"], "bridge");
  auto back = NetworkConfig::from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(back->gateway, n.gateway);
  EXPECT_EQ(back->bridge, n.bridge);
  EXPECT_EQ(back->labels, n.labels);
}

TEST(NetworkConfigJson, AMissingFieldIsAnErrorThatNamesTheFile) {
  auto back = NetworkConfig::from_json({{"Name", "x"}});
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().what().find("network.json"), std::string::npos);
}

TEST(EndpointJson, RoundTrip) {
  Endpoint e{std::string(64, 'd'), "web", {"www"}, "172.18.0.2", "02:42:ac:12:00:02", "mrvddddddddcccc"};
  auto back = Endpoint::from_json(e.to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->aliases, e.aliases);
  EXPECT_EQ(back->ipv4, e.ipv4);
}

TEST(HostInterface, FifteenBytesUniquePerContainerAndNetwork) {
  const std::string a = NetworkStore::host_interface(std::string(64, '1'), std::string(64, '2'));
  const std::string b = NetworkStore::host_interface(std::string(64, '1'), std::string(64, '3'));
  EXPECT_EQ(a.size(), 15u) << "IFNAMSIZ - 1";
  EXPECT_NE(a, b);
}

class NetworkStoreChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/network-store-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    root_ = dir;
  }
  void TearDown() override { (void)sys::remove_tree(root_); }
  std::string root_;
};

TEST_F(NetworkStoreChecks, ReservedAndMalformedNamesAreRefusedBeforeAnythingIsMade) {
  NetworkStore store(root_, NetPlugin("/nonexistent/minirun-net"));
  for (const char* name : {"host", "none", "bridge", "-x", "a b", ""}) {
    auto made = store.create({.name = name, .subnet = "", .gateway = "", .labels = {}});
    EXPECT_FALSE(made.ok()) << name;
  }
  EXPECT_TRUE(store.list().empty());
  EXPECT_FALSE(sys::path_exists(root_ + "/networks/bridge"));
}

TEST_F(NetworkStoreChecks, AnUnknownNetworkSaysWhereToLook) {
  NetworkStore store(root_, NetPlugin("/nonexistent/minirun-net"));
  auto found = store.find("nosuch");
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().what().find("minirun network ls"), std::string::npos) << found.error().what();
}

}  // namespace
}  // namespace minirun::network
