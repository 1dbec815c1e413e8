// The pure checks in front of every netlink request: interface names, MAC addresses,
// endpoint configs, and how addresses are shown. No root, no kernel.
#include <gtest/gtest.h>

#include <string>

#include "minirun/network/bridge.hpp"
#include "minirun/network/veth_endpoint.hpp"

namespace minirun::network {
namespace {

EndpointConfig valid_endpoint() {
  EndpointConfig config;
  config.host_ifname = "mrv8cd9f216d20";
  config.bridge = "br-8cd9f216d2";
  config.address = 0xAC120002;  // 172.18.0.2
  config.prefix = 16;
  config.gateway = 0xAC120001;  // 172.18.0.1
  config.mac = "02:42:ac:12:00:02";
  return config;
}

bool mentions(const sys::Error& error, const std::string& text) { return error.what().find(text) != std::string::npos; }

TEST(InterfaceName, FifteenBytesIsAccepted) {
  EXPECT_TRUE(check_interface_name("mrv8cd9f216d20a", "bridge name").ok());
}

TEST(InterfaceName, SixteenBytesIsAnErrorThatNamesIt) {
  auto checked = check_interface_name("mrv8cd9f216d20ab", "bridge name");
  ASSERT_FALSE(checked.ok());
  EXPECT_TRUE(mentions(checked.error(), "`mrv8cd9f216d20ab`")) << checked.error().what();
  EXPECT_TRUE(mentions(checked.error(), "bridge name")) << checked.error().what();
}

TEST(InterfaceName, EmptyIsAnError) { EXPECT_FALSE(check_interface_name("", "bridge name").ok()); }

TEST(InterfaceName, SlashColonSpaceAndDotsAreErrors) {
  for (const char* bad : {"br/x", "br:0", "br x", "br\tx", ".", ".."}) {
    auto checked = check_interface_name(bad, "bridge name");
    EXPECT_FALSE(checked.ok()) << bad;
  }
}

TEST(InterfaceName, DashUnderscoreAndDotAreFine) {
  EXPECT_TRUE(check_interface_name("br-a_b.1", "bridge name").ok());
}

TEST(ParseMac, SixHexBytesParse) {
  auto mac = parse_mac("02:42:AC:12:00:0f");
  ASSERT_TRUE(mac.ok()) << mac.error().what();
  EXPECT_EQ(*mac, (MacAddress{0x02, 0x42, 0xAC, 0x12, 0x00, 0x0F}));
}

TEST(ParseMac, MalformedIsAnErrorThatNamesIt) {
  for (const char* bad : {"02:42:ac:12:00", "02-42-ac-12-00-02", "02:42:ac:12:00:0g", "0242ac120002xxxxx", ""}) {
    auto mac = parse_mac(bad);
    ASSERT_FALSE(mac.ok()) << bad;
    EXPECT_TRUE(mentions(mac.error(), std::string("`") + bad + "`")) << mac.error().what();
  }
}

TEST(ParseMac, MulticastIsRefused) {
  auto mac = parse_mac("01:00:5e:00:00:01");
  ASSERT_FALSE(mac.ok());
  EXPECT_TRUE(mentions(mac.error(), "multicast")) << mac.error().what();
}

TEST(ParseMac, AllZerosIsRefused) { EXPECT_FALSE(parse_mac("00:00:00:00:00:00").ok()); }

TEST(EndpointConfigCheck, AValidConfigPasses) {
  auto checked = check_endpoint_config(valid_endpoint());
  EXPECT_TRUE(checked.ok()) << checked.error().what();
}

TEST(EndpointConfigCheck, AnEmptyMacLetsTheKernelChoose) {
  EndpointConfig config = valid_endpoint();
  config.mac.clear();
  EXPECT_TRUE(check_endpoint_config(config).ok());
}

TEST(EndpointConfigCheck, ATooLongHostNameIsAnErrorThatNamesIt) {
  EndpointConfig config = valid_endpoint();
  config.host_ifname = "mrv8cd9f216d20abcdef";
  auto checked = check_endpoint_config(config);
  ASSERT_FALSE(checked.ok());
  EXPECT_TRUE(mentions(checked.error(), "`mrv8cd9f216d20abcdef`")) << checked.error().what();
}

TEST(EndpointConfigCheck, AGatewayOutsideTheSubnetIsAnError) {
  EndpointConfig config = valid_endpoint();
  config.gateway = 0xAC130001;  // 172.19.0.1, outside 172.18.0.0/16
  auto checked = check_endpoint_config(config);
  ASSERT_FALSE(checked.ok());
  EXPECT_TRUE(mentions(checked.error(), "172.19.0.1")) << checked.error().what();
}

TEST(EndpointConfigCheck, TheGatewayIsNotCheckedWithoutADefaultRoute) {
  EndpointConfig config = valid_endpoint();
  config.gateway = 0;
  config.default_route = false;
  EXPECT_TRUE(check_endpoint_config(config).ok());
}

TEST(EndpointConfigCheck, TheNetworkAndBroadcastAddressesAreErrors) {
  EndpointConfig network = valid_endpoint();
  network.address = 0xAC120000;
  EXPECT_FALSE(check_endpoint_config(network).ok());
  EndpointConfig broadcast = valid_endpoint();
  broadcast.address = 0xAC12FFFF;
  EXPECT_FALSE(check_endpoint_config(broadcast).ok());
}

TEST(EndpointConfigCheck, APrefixOutOfRangeIsAnError) {
  EndpointConfig config = valid_endpoint();
  config.prefix = 33;
  EXPECT_FALSE(check_endpoint_config(config).ok());
  config.prefix = 0;
  EXPECT_FALSE(check_endpoint_config(config).ok());
}

TEST(EndpointConfigCheck, ABadMacIsAnErrorThatNamesIt) {
  EndpointConfig config = valid_endpoint();
  config.mac = "02:42:ac:12:00";
  auto checked = check_endpoint_config(config);
  ASSERT_FALSE(checked.ok());
  EXPECT_TRUE(mentions(checked.error(), "`02:42:ac:12:00`")) << checked.error().what();
}

}  // namespace
}  // namespace minirun::network
