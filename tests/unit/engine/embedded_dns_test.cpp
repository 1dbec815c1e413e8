/**
 * @file embedded_dns_test.cpp
 * @brief Which networks and upstream servers a container's embedded DNS server gets.
 */
#include "minirun/engine/embedded_dns.hpp"

#include <gtest/gtest.h>

namespace minirun::engine {
namespace {

NetworkAttachment attachment(const std::string& name, const std::string& gateway, int prefix) {
  NetworkAttachment a;
  a.network = name;
  a.network_id = std::string(64, 'e');
  a.gateway = gateway;
  a.prefix_len = prefix;
  return a;
}

TEST(Nameservers, EveryNameserverLineInOrder) {
  EXPECT_EQ(nameservers_in("# comment\nsearch lan\nnameserver 10.0.0.2\nnameserver  10.0.0.3 \noptions x\n"),
            (std::vector<std::string>{"10.0.0.2", "10.0.0.3"}));
}

TEST(EmbeddedDnsPlan, TheDefaultBridgeAloneGetsNoServer) {
  ContainerConfig c;
  c.networks = {attachment("bridge", "172.17.0.1", 16)};
  EXPECT_TRUE(plan_embedded_dns(c, "/var/lib/minirun").networks.empty());
}

TEST(EmbeddedDnsPlan, UserNetworksWithTheirSubnetsAndEndpointDirectories) {
  ContainerConfig c;
  c.networks = {attachment("bridge", "172.17.0.1", 16), attachment("app", "172.18.0.1", 16)};
  c.dns = {"10.1.1.1", "127.0.0.53"};
  const EmbeddedDnsPlan plan = plan_embedded_dns(c, "/data");
  ASSERT_EQ(plan.networks.size(), 1u);
  EXPECT_EQ(plan.networks[0].name, "app");
  EXPECT_EQ(plan.networks[0].subnet, 0xAC120000u);
  EXPECT_EQ(plan.networks[0].prefix, 16);
  EXPECT_EQ(plan.networks[0].endpoints_dir, "/data/networks/" + std::string(64, 'e') + "/names");
  // --dns wins over the host's; a loopback server is unreachable from the container.
  ASSERT_EQ(plan.upstreams.size(), 1u);
  EXPECT_EQ(plan.upstreams[0].first, 0x0A010101u);
  EXPECT_EQ(plan.upstreams[0].second, 53);
}

}  // namespace
}  // namespace minirun::engine
