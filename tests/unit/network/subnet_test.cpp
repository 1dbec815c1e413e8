// IPv4 address and subnet arithmetic, default address pools, MAC and reverse names.
#include "minirun/network/subnet.hpp"

#include <gtest/gtest.h>

namespace minirun::network {
namespace {

/// Asserts that `result` failed and that its message mentions `needle`.
template <class T>
void expect_error_mentions(const sys::Result<T>& result, const std::string& needle) {
  ASSERT_FALSE(result.ok()) << "expected an error mentioning `" << needle << "`";
  EXPECT_NE(result.error().what().find(needle), std::string::npos) << result.error().what();
}

Subnet subnet(const char* cidr) {
  auto parsed = parse_subnet(cidr);
  EXPECT_TRUE(parsed.ok()) << parsed.error().what();
  return parsed.ok() ? *parsed : Subnet{};
}

TEST(Ipv4, DottedQuadIsHostByteOrder) {
  auto address = parse_ipv4("172.18.0.2");
  ASSERT_TRUE(address.ok()) << address.error().what();
  EXPECT_EQ(*address, 0xAC120002u);
}

TEST(Ipv4, FormatIsTheInverseOfParse) {
  for (const char* text : {"0.0.0.0", "10.0.0.1", "172.18.0.2", "192.168.240.255", "255.255.255.255"}) {
    auto address = parse_ipv4(text);
    ASSERT_TRUE(address.ok()) << text;
    EXPECT_EQ(format_ipv4(*address), text);
  }
}

TEST(Ipv4, ThreePartsIsAnErrorNamingTheText) { expect_error_mentions(parse_ipv4("1.2.3"), "`1.2.3`"); }

TEST(Ipv4, FivePartsIsAnError) { expect_error_mentions(parse_ipv4("1.2.3.4.5"), "`1.2.3.4.5`"); }

TEST(Ipv4, PartAbove255IsAnErrorNamingThePart) { expect_error_mentions(parse_ipv4("1.2.3.256"), "`256`"); }

TEST(Ipv4, LettersAreAnError) { expect_error_mentions(parse_ipv4("a.b.c.d"), "`a.b.c.d`"); }

TEST(Ipv4, SurroundingSpacesAreAnError) {
  expect_error_mentions(parse_ipv4(" 1.2.3.4"), "` 1.2.3.4`");
  expect_error_mentions(parse_ipv4("1.2.3.4 "), "`1.2.3.4 `");
}

TEST(Ipv4, LeadingZerosSignsAndEmptyPartsAreErrors) {
  EXPECT_FALSE(parse_ipv4("010.0.0.1").ok());
  EXPECT_FALSE(parse_ipv4("+1.2.3.4").ok());
  EXPECT_FALSE(parse_ipv4("1..3.4").ok());
  EXPECT_FALSE(parse_ipv4("1.2.3.").ok());
  EXPECT_FALSE(parse_ipv4("").ok());
}

TEST(Subnet, ParseGivesNetworkAndPrefix) {
  Subnet s = subnet("172.18.0.0/16");
  EXPECT_EQ(s.network, 0xAC120000u);
  EXPECT_EQ(s.prefix, 16);
  EXPECT_EQ(s.to_string(), "172.18.0.0/16");
}

TEST(Subnet, NetmaskBroadcastFirstHostAndSize) {
  Subnet s = subnet("192.168.16.0/20");
  EXPECT_EQ(format_ipv4(s.netmask()), "255.255.240.0");
  EXPECT_EQ(format_ipv4(s.broadcast()), "192.168.31.255");
  EXPECT_EQ(format_ipv4(s.first_host()), "192.168.16.1");
  EXPECT_EQ(s.size(), 4096u);
  EXPECT_EQ(subnet("10.0.0.0/30").size(), 4u);
  EXPECT_EQ(subnet("10.0.0.0/8").size(), 16777216u);
}

TEST(Subnet, ContainsIsInclusiveOfNetworkAndBroadcastOnly) {
  Subnet s = subnet("10.1.2.0/24");
  EXPECT_TRUE(s.contains(*parse_ipv4("10.1.2.0")));
  EXPECT_TRUE(s.contains(*parse_ipv4("10.1.2.255")));
  EXPECT_FALSE(s.contains(*parse_ipv4("10.1.3.0")));
  EXPECT_FALSE(s.contains(*parse_ipv4("10.1.1.255")));
}

TEST(Subnet, OverlapsWhenOneHoldsTheOtherEitherWay) {
  Subnet wide = subnet("10.0.0.0/8");
  Subnet narrow = subnet("10.20.0.0/16");
  EXPECT_TRUE(wide.overlaps(narrow));
  EXPECT_TRUE(narrow.overlaps(wide));
  EXPECT_TRUE(narrow.overlaps(narrow));
}

TEST(Subnet, AdjacentSubnetsDoNotOverlap) {
  EXPECT_FALSE(subnet("192.168.0.0/20").overlaps(subnet("192.168.16.0/20")));
  EXPECT_FALSE(subnet("192.168.16.0/20").overlaps(subnet("192.168.0.0/20")));
}

TEST(Subnet, AddressWithoutPrefixIsAnErrorThatAsksForCidr) {
  expect_error_mentions(parse_subnet("10.0.0.0"), "CIDR");
  expect_error_mentions(parse_subnet("10.0.0.0"), "`10.0.0.0`");
}

TEST(Subnet, PrefixAbove32IsAnErrorNamingIt) { expect_error_mentions(parse_subnet("10.0.0.0/33"), "/33"); }

TEST(Subnet, PrefixWithNoRoomForGatewayAndContainerIsAnError) {
  expect_error_mentions(parse_subnet("10.0.0.0/31"), "8..30");
  expect_error_mentions(parse_subnet("10.0.0.0/32"), "8..30");
}

TEST(Subnet, PrefixWiderThan8IsAnError) { expect_error_mentions(parse_subnet("10.0.0.0/7"), "8..30"); }

TEST(Subnet, HostBitsSetSuggestsTheNetworkAsDockerDoes) {
  auto parsed = parse_subnet("10.0.0.1/24");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().what(), "invalid subnet 10.0.0.1/24: did you mean 10.0.0.0/24?");
  expect_error_mentions(parse_subnet("172.18.0.1/16"), "did you mean 172.18.0.0/16?");
}

TEST(Subnet, BadAddressOrPrefixTextIsAnErrorNamingTheSubnet) {
  expect_error_mentions(parse_subnet("10.0.0/24"), "`10.0.0/24`");
  expect_error_mentions(parse_subnet("10.0.0.0/"), "`10.0.0.0/`");
  expect_error_mentions(parse_subnet("10.0.0.0/x"), "`x`");
  expect_error_mentions(parse_subnet("10.0.0.0/-8"), "`-8`");
}

TEST(DefaultPools, AreDockersFifteen16sThenSixteen20s) {
  std::vector<Subnet> pools = default_address_pools();
  ASSERT_EQ(pools.size(), 31u);
  EXPECT_EQ(pools.front().to_string(), "172.17.0.0/16");
  EXPECT_EQ(pools[14].to_string(), "172.31.0.0/16");
  EXPECT_EQ(pools[15].to_string(), "192.168.0.0/20");
  EXPECT_EQ(pools[16].to_string(), "192.168.16.0/20");
  EXPECT_EQ(pools.back().to_string(), "192.168.240.0/20");
}

TEST(DefaultPools, NothingTakenGivesTheFirstPool) {
  auto picked = pick_free_subnet({});
  ASSERT_TRUE(picked.ok()) << picked.error().what();
  EXPECT_EQ(picked->to_string(), "172.17.0.0/16");
}

TEST(DefaultPools, SkipsPoolsOverlappingNetworksAndHostRoutes) {
  // docker0 holds 172.17/16; a host route to 172.18.5.0/24 makes 172.18/16 unusable too.
  auto picked = pick_free_subnet({subnet("172.17.0.0/16"), subnet("172.18.5.0/24")});
  ASSERT_TRUE(picked.ok()) << picked.error().what();
  EXPECT_EQ(picked->to_string(), "172.19.0.0/16");
}

TEST(DefaultPools, AWideHostRouteSendsTheChoiceTo192168) {
  auto picked = pick_free_subnet({subnet("172.16.0.0/12")});
  ASSERT_TRUE(picked.ok()) << picked.error().what();
  EXPECT_EQ(picked->to_string(), "192.168.0.0/20");
}

TEST(DefaultPools, AllTakenIsAnErrorThatSaysPassSubnet) {
  auto picked = pick_free_subnet({subnet("172.16.0.0/12"), subnet("192.168.0.0/16")});
  ASSERT_FALSE(picked.ok());
  EXPECT_EQ(picked.error().what(), "all default address pools are in use; pass --subnet");
}

TEST(Mac, IsDockersPrefixThenTheAddressBytes) {
  EXPECT_EQ(mac_for_address(*parse_ipv4("172.18.0.2")), "02:42:ac:12:00:02");
  EXPECT_EQ(mac_for_address(*parse_ipv4("192.168.255.254")), "02:42:c0:a8:ff:fe");
}

TEST(ReverseDns, ReversesTheOctetsUnderInAddrArpa) {
  EXPECT_EQ(reverse_dns_name(*parse_ipv4("172.18.0.2")), "2.0.18.172.in-addr.arpa");
  EXPECT_EQ(reverse_dns_name(*parse_ipv4("10.200.3.45")), "45.3.200.10.in-addr.arpa");
}

}  // namespace
}  // namespace minirun::network
