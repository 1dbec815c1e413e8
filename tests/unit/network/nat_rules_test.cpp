// Docker's -p syntax, minirun-net's mapping form, and the nft text of the minirun table.
#include "minirun/network/nat_rules.hpp"

#include <gtest/gtest.h>

namespace minirun::network {
namespace {

PortMapping mapping(std::string host_ip, uint16_t host_port, std::string protocol, std::string container_ip,
                    uint16_t container_port) {
  return {std::move(host_ip), host_port, std::move(protocol), std::move(container_ip), container_port};
}

std::string publish_error(std::string_view value) {
  auto parsed = parse_publish_flag(value);
  return parsed ? "(accepted)" : parsed.error().what();
}

// --- -p ---------------------------------------------------------------------------------

TEST(PublishFlag, ContainerPortAloneLeavesTheHostPortToPick) {
  auto m = parse_publish_flag("80");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(*m, std::vector<PortMapping>{mapping("", 0, "tcp", "", 80)});
}

TEST(PublishFlag, HostPortToContainerPortOnEveryAddress) {
  auto m = parse_publish_flag("8080:80");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(*m, std::vector<PortMapping>{mapping("", 8080, "tcp", "", 80)});
}

TEST(PublishFlag, HostAddressHostPortAndProtocol) {
  auto m = parse_publish_flag("127.0.0.1:5353:53/udp");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(*m, std::vector<PortMapping>{mapping("127.0.0.1", 5353, "udp", "", 53)});
}

TEST(PublishFlag, HostAddressWithEmptyHostPortPicksOne) {
  auto m = parse_publish_flag("127.0.0.1::80");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(*m, std::vector<PortMapping>{mapping("127.0.0.1", 0, "tcp", "", 80)});
}

TEST(PublishFlag, AllZeroAddressMeansEveryAddress) {
  auto m = parse_publish_flag("0.0.0.0:8080:80");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ((*m)[0].host_ip, "");
}

TEST(PublishFlag, RangesArePairedPortByPort) {
  auto m = parse_publish_flag("8080-8081:80-81");
  ASSERT_TRUE(m.ok()) << m.error().what();
  EXPECT_EQ(*m, (std::vector<PortMapping>{mapping("", 8080, "tcp", "", 80), mapping("", 8081, "tcp", "", 81)}));
}

TEST(PublishFlag, ContainerRangeAlonePicksAHostPortForEach) {
  auto m = parse_publish_flag("80-82/udp");
  ASSERT_TRUE(m.ok()) << m.error().what();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[2], mapping("", 0, "udp", "", 82));
}

TEST(PublishFlag, SctpIsRefusedNamingTheValue) {
  EXPECT_EQ(publish_error("8080:80/sctp"), "invalid -p value '8080:80/sctp': protocol must be tcp or udp");
}

TEST(PublishFlag, PortZeroIsRefused) {
  EXPECT_EQ(publish_error("8080:0"), "invalid -p value '8080:0': port 0 is not allowed (ports are 1-65535)");
}

TEST(PublishFlag, PortAbove65535IsRefused) {
  EXPECT_EQ(publish_error("70000:80"),
            "invalid -p value '70000:80': port 70000 is out of range (ports are 1-65535)");
}

TEST(PublishFlag, RangesOfDifferentLengthsAreRefused) {
  EXPECT_EQ(publish_error("8080-8082:80-81"),
            "invalid -p value '8080-8082:80-81': host ports 8080-8082 are 3 but container ports 80-81 are 2; give "
            "ranges of the same length");
}

TEST(PublishFlag, BackwardsRangeIsRefused) {
  EXPECT_EQ(publish_error("81-80"), "invalid -p value '81-80': port range 81-80 ends before it starts");
}

TEST(PublishFlag, BadHostAddressIsRefusedNamingIt) {
  const std::string error = publish_error("300.1.1.1:8080:80");
  EXPECT_EQ(error.rfind("invalid -p value '300.1.1.1:8080:80': host address", 0), 0u) << error;
  EXPECT_NE(publish_error("localhost:8080:80").find("host address"), std::string::npos);
}

TEST(PublishFlag, Ipv6HostAddressIsRefused) {
  EXPECT_EQ(publish_error("[::1]:8080:80"),
            "invalid -p value '[::1]:8080:80': IPv6 host addresses are not supported (IPv4 only)");
}

TEST(PublishFlag, MoreThanThreePartsAreRefused) {
  EXPECT_NE(publish_error("1.2.3.4:1:2:3").find("expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT"), std::string::npos);
}

TEST(PublishFlag, EmptyValueAndMissingContainerPortAreRefused) {
  EXPECT_NE(publish_error("").find("it is empty"), std::string::npos);
  EXPECT_NE(publish_error("8080:").find("the container port is missing"), std::string::npos);
}

TEST(PublishFlag, ServiceNameIsNotAPort) {
  EXPECT_EQ(publish_error("http"), "invalid -p value 'http': 'http' is not a port number");
  EXPECT_EQ(publish_error(" 80"), "invalid -p value ' 80': ' 80' is not a port number");
}

// --- minirun-net's mapping argument -----------------------------------------------------

TEST(MappingArg, EveryAddressIsWrittenAsAllZeros) {
  EXPECT_EQ(format_mapping_arg(mapping("", 8080, "tcp", "172.18.0.2", 80)), "0.0.0.0:8080:172.18.0.2:80/tcp");
}

TEST(MappingArg, ParseReadsWhatFormatWrites) {
  for (const auto& m : {mapping("", 8080, "tcp", "172.18.0.2", 80), mapping("127.0.0.1", 5353, "udp", "10.0.0.9", 53),
                        mapping("", 0, "tcp", "172.18.0.2", 80)}) {
    auto parsed = parse_mapping_arg(format_mapping_arg(m));
    ASSERT_TRUE(parsed.ok()) << parsed.error().what();
    EXPECT_EQ(*parsed, m);
  }
}

TEST(MappingArg, MissingProtocolIsRefused) {
  auto parsed = parse_mapping_arg("0.0.0.0:8080:172.18.0.2:80");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().what().rfind("invalid mapping '0.0.0.0:8080:172.18.0.2:80': the protocol is missing", 0), 0u)
      << parsed.error().what();
}

TEST(MappingArg, DockerFormIsRefusedSayingWhatIsExpected) {
  auto parsed = parse_mapping_arg("8080:80/tcp");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().what().find("not 4"), std::string::npos);
  EXPECT_NE(parsed.error().what().find("HOST_IP:HOST_PORT:CONTAINER_IP:CONTAINER_PORT"), std::string::npos);
}

TEST(MappingArg, BadContainerAddressOrPortIsRefused) {
  EXPECT_FALSE(parse_mapping_arg("0.0.0.0:8080:172.18.0:80/tcp").ok());
  EXPECT_FALSE(parse_mapping_arg("0.0.0.0:8080:0.0.0.0:80/tcp").ok());
  EXPECT_FALSE(parse_mapping_arg("0.0.0.0:8080:172.18.0.2:0/tcp").ok());
  EXPECT_FALSE(parse_mapping_arg(":8080:172.18.0.2:80/tcp").ok());
}

TEST(CheckMapping, UnresolvedHostPortIsRefused) {
  auto checked = check_mapping(mapping("", 0, "tcp", "172.18.0.2", 80));
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().what().find("pick a free one first"), std::string::npos);
}

TEST(CheckMapping, AddressThatIsNotAPlainDottedQuadIsRefused) {
  EXPECT_FALSE(check_mapping(mapping("", 8080, "tcp", "172.18.0.2 } ; flush ruleset", 80)).ok());
  EXPECT_FALSE(check_mapping(mapping("127.0.0.1; x", 8080, "tcp", "172.18.0.2", 80)).ok());
  EXPECT_TRUE(check_mapping(mapping("127.0.0.1", 8080, "udp", "172.18.0.2", 80)).ok());
}

// --- collisions and names ---------------------------------------------------------------

TEST(HostPortsCollide, EveryAddressCollidesWithOneAddressOnTheSamePort) {
  EXPECT_TRUE(host_ports_collide(mapping("", 8080, "tcp", "", 80), mapping("127.0.0.1", 8080, "tcp", "", 81)));
  EXPECT_TRUE(host_ports_collide(mapping("127.0.0.1", 8080, "tcp", "", 80), mapping("127.0.0.1", 8080, "tcp", "", 8)));
}

TEST(HostPortsCollide, OtherProtocolPortOrAddressDoesNotCollide) {
  EXPECT_FALSE(host_ports_collide(mapping("", 8080, "tcp", "", 80), mapping("", 8080, "udp", "", 80)));
  EXPECT_FALSE(host_ports_collide(mapping("", 8080, "tcp", "", 80), mapping("", 8081, "tcp", "", 80)));
  EXPECT_FALSE(host_ports_collide(mapping("127.0.0.1", 8080, "tcp", "", 80), mapping("127.0.0.2", 8080, "tcp", "", 80)));
}

TEST(DescribeHostPort, NamesAddressOnlyWhenBound) {
  EXPECT_EQ(describe_host_port(mapping("", 8080, "tcp", "", 80)), "8080/tcp");
  EXPECT_EQ(describe_host_port(mapping("127.0.0.1", 53, "udp", "", 53)), "127.0.0.1:53/udp");
}

TEST(Names, TableNameThatCouldBreakTheCommandIsRefused) {
  EXPECT_TRUE(check_table_name("minirun_test_42").ok());
  EXPECT_FALSE(check_table_name("").ok());
  EXPECT_FALSE(check_table_name("a b").ok());
  EXPECT_FALSE(check_table_name("x; flush ruleset").ok());
  EXPECT_FALSE(check_table_name("1table").ok());
}

TEST(Names, BridgeNameMustFitIfnamsizAndQuotes) {
  EXPECT_TRUE(check_bridge_name("br-0123456789ab").ok());
  EXPECT_FALSE(check_bridge_name("br-0123456789abc").ok());  // 16 characters
  EXPECT_FALSE(check_bridge_name("br\"x").ok());
  EXPECT_FALSE(check_bridge_name("").ok());
  EXPECT_FALSE(check_bridge_name("..").ok());
}

// --- nft text ---------------------------------------------------------------------------

TEST(NftText, BaseStartsWithCreateTableSoASecondCopyFails) {
  const std::string base = nft_create_base("minirun_t");
  EXPECT_EQ(base.rfind("create table ip minirun_t {", 0), 0u);
  EXPECT_EQ(base.find("create table", 1), std::string::npos);
}

TEST(NftText, BaseNamesOnlyItsOwnTable) {
  const std::string base = nft_create_base("minirun_t");
  size_t lines = 0;
  for (size_t at = 0; (at = base.find('\n', at)) != std::string::npos; ++at) ++lines;
  size_t named = 0;
  for (size_t at = 0; (at = base.find(" ip minirun_t ", at)) != std::string::npos; ++at) ++named;
  EXPECT_EQ(named, lines);
}

TEST(NftText, EverySetMapChainAndRuleOfTheBaseHasAComment) {
  const std::string base = nft_create_base("t");
  size_t start = 0;
  while (start < base.size()) {
    size_t end = base.find('\n', start);
    const std::string line = base.substr(start, end - start);
    EXPECT_NE(line.find("comment \""), std::string::npos) << line;
    start = end + 1;
  }
}

TEST(NftText, AddNetworkAddsThreeElementsAndNoRule) {
  EXPECT_EQ(nft_add_network("minirun", "br-a", "172.18.0.0/16"),
            "add element ip minirun bridges { \"br-a\" }\n"
            "add element ip minirun same_bridge { \"br-a\" . \"br-a\" }\n"
            "add element ip minirun subnets { 172.18.0.0/16 }\n");
}

TEST(NftText, PublishCreatesElementsOneCommandPerMap) {
  EXPECT_EQ(nft_publish("minirun", {mapping("", 8080, "tcp", "172.18.0.2", 80),
                                    mapping("127.0.0.1", 5353, "udp", "172.18.0.3", 53),
                                    mapping("", 8443, "tcp", "172.18.0.2", 443)}),
            "create element ip minirun published { tcp . 8080 : 172.18.0.2 . 80, tcp . 8443 : 172.18.0.2 . 443 }\n"
            "create element ip minirun published_on { 127.0.0.1 . udp . 5353 : 172.18.0.3 . 53 }\n");
}

TEST(NftText, UnpublishDeletesKeysOnly) {
  EXPECT_EQ(nft_unpublish("minirun", {mapping("127.0.0.1", 5353, "udp", "172.18.0.3", 53)}),
            "delete element ip minirun published_on { 127.0.0.1 . udp . 5353 }\n");
}

TEST(NftText, DeletingNoElementsIsNoCommand) {
  EXPECT_EQ(nft_delete_elements("minirun", "bridges", {}), "");
  EXPECT_EQ(nft_delete_elements("minirun", "bridges", {"\"a\"", "\"b\""}),
            "delete element ip minirun bridges { \"a\", \"b\" }\n");
}

// --- listings (samples are libnftables 1.0.6 output) ------------------------------------

nlohmann::json listing(const std::string& kind, const nlohmann::json& body) {
  return {{"nftables", nlohmann::json::array({{{"metainfo", {{"version", "1.0.6"}}}}, {{kind, body}}})}};
}

TEST(Listing, ReadsBridgePairAndSubnetElements) {
  auto bridges = read_set_elements(listing("set", {{"type", "ifname"}, {"elem", {"br-a", "br-b"}}}), "bridges");
  ASSERT_TRUE(bridges.ok()) << bridges.error().what();
  EXPECT_EQ(*bridges, (std::vector<std::string>{"\"br-a\"", "\"br-b\""}));
  auto pairs = read_set_elements(
      nlohmann::json::parse(R"({"nftables": [{"metainfo": {}}, {"set": {"family": "ip", "name": "same_bridge",
          "type": ["ifname", "ifname"], "elem": [{"concat": ["br-a", "br-a"]}]}}]})"),
      "same_bridge");
  ASSERT_TRUE(pairs.ok()) << pairs.error().what();
  EXPECT_EQ(*pairs, std::vector<std::string>{"\"br-a\" . \"br-a\""});
  auto subnets = read_set_elements(
      nlohmann::json::parse(R"({"nftables": [{"set": {"type": "ipv4_addr", "flags": ["interval"],
          "elem": ["10.1.1.1", {"prefix": {"addr": "192.0.2.0", "len": 24}}]}}]})"),
      "subnets");
  ASSERT_TRUE(subnets.ok()) << subnets.error().what();
  EXPECT_EQ(*subnets, (std::vector<std::string>{"10.1.1.1/32", "192.0.2.0/24"}));
}

TEST(Listing, EmptySetHasNoElements) {
  auto none = read_set_elements(listing("set", {{"type", "ifname"}}), "bridges");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(Listing, ReadsBothPublishedMaps) {
  auto every = read_published_elements(nlohmann::json::parse(R"({"nftables": [{"metainfo": {}}, {"map": {
      "name": "published", "type": ["inet_proto", "inet_service"], "map": "ipv4_addr . inet_service",
      "elem": [[{"concat": ["udp", 53]}, {"concat": ["192.0.2.3", 53]}]]}}]})"),
                                       "published");
  ASSERT_TRUE(every.ok()) << every.error().what();
  EXPECT_EQ(*every, std::vector<PortMapping>{mapping("", 53, "udp", "192.0.2.3", 53)});
  auto one = read_published_elements(nlohmann::json::parse(R"({"nftables": [{"map": {
      "name": "published_on", "elem": [[{"concat": ["127.0.0.1", 6, 8080]}, {"concat": ["192.0.2.2", 80]}]]}}]})"),
                                     "published_on");
  ASSERT_TRUE(one.ok()) << one.error().what();
  EXPECT_EQ(*one, std::vector<PortMapping>{mapping("127.0.0.1", 8080, "tcp", "192.0.2.2", 80)});
}

TEST(Listing, UnexpectedShapeIsAnErrorNamingTheSet) {
  auto wrong = read_published_elements(listing("map", {{"elem", {{{{"concat", {"sctp", 80}}}, "x"}}}}), "published");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().what().find("listing of published: unexpected element"), std::string::npos)
      << wrong.error().what();
  EXPECT_FALSE(read_set_elements(nlohmann::json::object(), "bridges").ok());
}

}  // namespace
}  // namespace minirun::network
