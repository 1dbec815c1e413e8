// check_subnet_is_free: a lab subnet must not shadow a route or an address the host has,
// and the refusal names what it collides with.
#include <gtest/gtest.h>

#include "miniswarm/lab/lab_plan.hpp"

namespace miniswarm::lab {
namespace {

minirun::network::Subnet subnet(const std::string& text) {
  auto parsed = minirun::network::parse_subnet(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : minirun::network::Subnet{};
}

TEST(LabSubnetCheck, AFreeSubnetPasses) {
  std::vector<HostRoute> routes = {{subnet("192.0.2.0/24"), "eth0"}};
  std::vector<HostAddress> addresses = {{0xC0000202u, 24, "eth0"}};
  EXPECT_TRUE(check_subnet_is_free(subnet("10.231.0.0/24"), routes, addresses).ok());
}

TEST(LabSubnetCheck, AnOverlappingRouteIsRefusedAndNamed) {
  std::vector<HostRoute> routes = {{subnet("10.0.0.0/8"), "wg0"}};
  auto checked = check_subnet_is_free(subnet("10.231.0.0/24"), routes, {});
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().what().find("10.0.0.0/8 dev wg0"), std::string::npos) << checked.error().what();
  EXPECT_NE(checked.error().what().find("--subnet"), std::string::npos);
}

TEST(LabSubnetCheck, ANarrowerRouteInsideTheSubnetIsRefusedToo) {
  std::vector<HostRoute> routes = {{subnet("10.231.0.128/25"), "br-x"}};
  EXPECT_FALSE(check_subnet_is_free(subnet("10.231.0.0/24"), routes, {}).ok());
}

TEST(LabSubnetCheck, AHostAddressInsideTheSubnetIsRefusedAndNamed) {
  std::vector<HostAddress> addresses = {{0x0AE70005u, 32, "dummy0"}};  // 10.231.0.5/32: no route of its own
  auto checked = check_subnet_is_free(subnet("10.231.0.0/24"), {}, addresses);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().what().find("10.231.0.5/32 on dummy0"), std::string::npos) << checked.error().what();
}

TEST(LabSubnetCheck, LoopbackIsRefused) {
  EXPECT_FALSE(check_subnet_is_free(subnet("127.1.0.0/24"), {}, {}).ok());
}

TEST(LabSubnetCheck, AnAdjacentSubnetIsNotAnOverlap) {
  std::vector<HostRoute> routes = {{subnet("10.231.1.0/24"), "eth1"}};
  EXPECT_TRUE(check_subnet_is_free(subnet("10.231.0.0/24"), routes, {}).ok());
}

}  // namespace
}  // namespace miniswarm::lab
