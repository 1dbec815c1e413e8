// The embedded resolver's decisions: which rcode and which records each question gets,
// and reading the endpoint files of the attached networks.
#include "minirun/network/dns_resolver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "minirun/network/dns_message.hpp"
#include "minirun/sys/file.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::network {
namespace {

using Bytes = std::vector<uint8_t>;
using Decision = DnsResolver::Decision;

constexpr uint32_t kWeb = 0xAC120002;    // 172.18.0.2
constexpr uint32_t kDb1 = 0xAC120003;    // 172.18.0.3
constexpr uint32_t kDb2 = 0xAC120004;    // 172.18.0.4
constexpr uint32_t kDb3 = 0xAC120005;    // 172.18.0.5
constexpr uint32_t kSubnet = 0xAC120000;  // 172.18.0.0/16

struct Outcome {
  Decision decision = Decision::drop;
  DnsResponse response;
};

Outcome ask_packet(DnsResolver& resolver, const Bytes& packet, bool have_upstream = false) {
  Outcome out;
  Bytes answer;
  out.decision = resolver.resolve(packet, have_upstream, answer);
  if (out.decision == Decision::answer) {
    auto parsed = parse_dns_response(answer);
    EXPECT_TRUE(parsed.ok()) << parsed.error().what();
    if (parsed) out.response = *parsed;
  } else {
    EXPECT_TRUE(answer.empty());
  }
  return out;
}

Outcome ask(DnsResolver& resolver, std::string_view name, uint16_t type = kDnsTypeA, bool have_upstream = false) {
  auto query = build_dns_query(0x4242, name, type);
  EXPECT_TRUE(query.ok());
  return ask_packet(resolver, *query, have_upstream);
}

std::vector<uint32_t> addresses(const Outcome& outcome) {
  std::vector<uint32_t> out;
  for (const auto& a : outcome.response.answers) {
    if (a.type == kDnsTypeA && a.rdata.size() == 4) {
      out.push_back(uint32_t{a.rdata[0]} << 24 | uint32_t{a.rdata[1]} << 16 | uint32_t{a.rdata[2]} << 8 | a.rdata[3]);
    }
  }
  return out;
}

DnsResolver frontend_resolver() {
  DnsResolver resolver({{"frontend", "", kSubnet, 16}});
  resolver.set_records({{"web", kWeb, "frontend"},
                        {"db", kDb1, "frontend"},
                        {"db", kDb2, "frontend"},
                        {"db", kDb3, "frontend"}});
  return resolver;
}

std::string endpoint_json(const std::string& name, const std::string& address, const std::string& id,
                          const std::string& aliases = "[]") {
  return R"({"ContainerID":")" + id + R"(","Name":")" + name + R"(","Aliases":)" + aliases +
         R"(,"IPv4Address":")" + address + R"(","MacAddress":"02:42:ac:12:00:02","HostInterface":"mrv8cd9f216d20"})";
}

const std::string kWebId = std::string("8cd9f216d20a") + std::string(52, 'b');
const std::string kDbId = std::string("0123456789ab") + std::string(52, 'c');

TEST(DnsResolver, KnownNameGetsItsAddressAuthoritativelyWithDockersTtl) {
  DnsResolver resolver = frontend_resolver();
  Outcome out = ask(resolver, "web");
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::no_error);
  EXPECT_TRUE(out.response.header.flags & kDnsFlagAuthoritative);
  EXPECT_EQ(out.response.header.id, 0x4242);
  EXPECT_EQ(addresses(out), std::vector<uint32_t>{kWeb});
  EXPECT_EQ(out.response.answers[0].ttl, 600u);
}

TEST(DnsResolver, NamesAreCaseInsensitive) {
  DnsResolver resolver = frontend_resolver();
  EXPECT_EQ(addresses(ask(resolver, "WeB.")), std::vector<uint32_t>{kWeb});
}

TEST(DnsResolver, NameDotNetworkResolves) {
  DnsResolver resolver = frontend_resolver();
  EXPECT_EQ(addresses(ask(resolver, "web.frontend")), std::vector<uint32_t>{kWeb});
}

TEST(DnsResolver, SharedAliasGetsEveryAddressRotatedRoundRobin) {
  DnsResolver resolver = frontend_resolver();
  std::vector<uint32_t> firsts;
  for (int i = 0; i < 3; ++i) {
    auto got = addresses(ask(resolver, "db"));
    ASSERT_EQ(got.size(), 3u);
    std::vector<uint32_t> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<uint32_t>{kDb1, kDb2, kDb3}));
    firsts.push_back(got[0]);
  }
  EXPECT_EQ(firsts, (std::vector<uint32_t>{kDb1, kDb2, kDb3}));
}

TEST(DnsResolver, AaaaForAKnownNameIsNodataNotNxdomain) {
  DnsResolver resolver = frontend_resolver();
  Outcome out = ask(resolver, "web", kDnsTypeAaaa);
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::no_error);
  EXPECT_TRUE(out.response.answers.empty());
  EXPECT_TRUE(out.response.header.flags & kDnsFlagAuthoritative);
}

TEST(DnsResolver, AnyForAKnownNameGetsTheARecords) {
  DnsResolver resolver = frontend_resolver();
  EXPECT_EQ(addresses(ask(resolver, "web", kDnsTypeAny)), std::vector<uint32_t>{kWeb});
}

TEST(DnsResolver, PtrOfAKnownAddressIsNameDotNetwork) {
  DnsResolver resolver = frontend_resolver();
  Outcome out = ask(resolver, "2.0.18.172.in-addr.arpa", kDnsTypePtr);
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::no_error);
  ASSERT_EQ(out.response.answers.size(), 1u);
  EXPECT_EQ(out.response.answers[0].type, kDnsTypePtr);
  EXPECT_EQ(out.response.answers[0].ptr_name, "web.frontend");
}

TEST(DnsResolver, PtrOfAnUnknownAddressInsideAnAttachedSubnetIsNxdomain) {
  DnsResolver resolver = frontend_resolver();
  Outcome out = ask(resolver, "99.0.18.172.in-addr.arpa", kDnsTypePtr, /*have_upstream=*/true);
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::name_error);
}

TEST(DnsResolver, PtrOfAnAddressOutsideTheSubnetsIsForwardedOrRefused) {
  DnsResolver resolver = frontend_resolver();
  EXPECT_EQ(ask(resolver, "8.8.8.10.in-addr.arpa", kDnsTypePtr, true).decision, Decision::forward);
  EXPECT_EQ(ask(resolver, "8.8.8.10.in-addr.arpa", kDnsTypePtr, false).response.rcode(), DnsRcode::refused);
}

TEST(DnsResolver, UnknownSingleLabelIsNxdomainEvenWithUpstream) {
  DnsResolver resolver = frontend_resolver();
  Outcome out = ask(resolver, "ghost", kDnsTypeA, true);
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::name_error);
  EXPECT_TRUE(out.response.header.flags & kDnsFlagAuthoritative);
}

TEST(DnsResolver, UnknownNameUnderANetworkDomainIsNxdomain) {
  DnsResolver resolver = frontend_resolver();
  Outcome out = ask(resolver, "ghost.frontend", kDnsTypeA, true);
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::name_error);
}

TEST(DnsResolver, OtherNamesAreRefusedWithoutUpstreamAndWithoutRecursionAvailable) {
  DnsResolver resolver = frontend_resolver();
  Outcome out = ask(resolver, "example.org");
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::refused);
  EXPECT_FALSE(out.response.header.flags & kDnsFlagRecursionAvailable);
  EXPECT_FALSE(out.response.header.flags & kDnsFlagAuthoritative);
}

TEST(DnsResolver, OtherNamesAreForwardedWithUpstream) {
  DnsResolver resolver = frontend_resolver();
  EXPECT_EQ(ask(resolver, "example.org", kDnsTypeA, true).decision, Decision::forward);
  EXPECT_EQ(ask(resolver, "", kDnsTypeA, true).decision, Decision::forward);  // the root
}

TEST(DnsResolver, RecursionAvailableIsSetOnlyWithUpstream) {
  DnsResolver resolver = frontend_resolver();
  EXPECT_TRUE(ask(resolver, "web", kDnsTypeA, true).response.header.flags & kDnsFlagRecursionAvailable);
  EXPECT_FALSE(ask(resolver, "web", kDnsTypeA, false).response.header.flags & kDnsFlagRecursionAvailable);
}

TEST(DnsResolver, ResponsesAreDroppedNotAnswered) {
  DnsResolver resolver = frontend_resolver();
  auto query = build_dns_query(7, "web", kDnsTypeA);
  ASSERT_TRUE(query.ok());
  (*query)[2] |= 0x80;  // QR
  EXPECT_EQ(ask_packet(resolver, *query).decision, Decision::drop);
}

TEST(DnsResolver, PacketShorterThanTheHeaderIsDropped) {
  DnsResolver resolver = frontend_resolver();
  EXPECT_EQ(ask_packet(resolver, Bytes{0x12, 0x34, 0x01, 0x00}).decision, Decision::drop);
}

TEST(DnsResolver, UnreadableQuestionGetsFormerrWithTheIdEchoed) {
  DnsResolver resolver = frontend_resolver();
  Bytes garbage = {0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1};
  Outcome out = ask_packet(resolver, garbage);
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::format_error);
  EXPECT_EQ(out.response.header.id, 0xbeef);
}

TEST(DnsResolver, TwoQuestionsGetFormerr) {
  DnsResolver resolver = frontend_resolver();
  auto query = build_dns_query(7, "web", kDnsTypeA);
  ASSERT_TRUE(query.ok());
  (*query)[5] = 2;
  EXPECT_EQ(ask_packet(resolver, *query).response.rcode(), DnsRcode::format_error);
}

TEST(DnsResolver, OpcodeOtherThanQueryGetsNotimp) {
  DnsResolver resolver = frontend_resolver();
  auto query = build_dns_query(7, "web", kDnsTypeA);
  ASSERT_TRUE(query.ok());
  (*query)[2] |= 5 << 3;  // UPDATE
  Outcome out = ask_packet(resolver, *query);
  ASSERT_EQ(out.decision, Decision::answer);
  EXPECT_EQ(out.response.rcode(), DnsRcode::not_implemented);
  EXPECT_EQ(dns_opcode(out.response.header.flags), 5);
}

TEST(DnsResolver, ClassOtherThanInIsRefused) {
  DnsResolver resolver = frontend_resolver();
  auto query = build_dns_query(7, "web", kDnsTypeA);
  ASSERT_TRUE(query.ok());
  query->back() = 3;  // class CH
  EXPECT_EQ(ask_packet(resolver, *query).response.rcode(), DnsRcode::refused);
}

TEST(EndpointRecords, NameAliasesAndShortIdAllResolveFromTheFiles) {
  testing::ScratchDir dir;
  ASSERT_TRUE(sys::write_file_atomic(dir.path() + "/" + kWebId + ".json",
                                     endpoint_json("web", "172.18.0.2", kWebId, R"(["www","Cache"])"))
                  .ok());
  DnsResolver resolver({{"frontend", dir.path(), kSubnet, 16}});
  resolver.reload_if_changed();
  for (const char* name : {"web", "www", "cache", "8cd9f216d20a", "www.frontend", "8cd9f216d20a.frontend"}) {
    EXPECT_EQ(addresses(ask(resolver, name)), std::vector<uint32_t>{kWeb}) << name;
  }
  // PTR names the container by its Name, not an alias.
  EXPECT_EQ(ask(resolver, "2.0.18.172.in-addr.arpa", kDnsTypePtr).response.answers.at(0).ptr_name, "web.frontend");
}

TEST(EndpointRecords, BrokenAndNonJsonFilesAreSkipped) {
  testing::ScratchDir dir;
  ASSERT_TRUE(sys::write_file(dir.path() + "/broken.json", "{\"Name\": ").ok());
  ASSERT_TRUE(sys::write_file(dir.path() + "/other.txt", endpoint_json("other", "172.18.0.9", kDbId)).ok());
  ASSERT_TRUE(sys::write_file(dir.path() + "/" + kWebId + ".json", endpoint_json("web", "172.18.0.2", kWebId)).ok());
  auto records = load_endpoint_records({"frontend", dir.path(), kSubnet, 16});
  ASSERT_TRUE(records.ok()) << records.error().what();
  ASSERT_EQ(records->size(), 2u);  // web and its short id
  EXPECT_EQ((*records)[0].name, "web");
}

TEST(EndpointRecords, MissingDirectoryHasNoRecords) {
  auto records = load_endpoint_records({"frontend", "/nonexistent/minirun-test/endpoints", kSubnet, 16});
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());
}

TEST(EndpointRecords, BadFieldsAreErrorsThatNameFieldValueAndFile) {
  auto bad_address = parse_endpoint_records(endpoint_json("web", "172.18.0", kWebId), "frontend", "/x/web.json");
  ASSERT_FALSE(bad_address.ok());
  EXPECT_NE(bad_address.error().what().find("`IPv4Address` `172.18.0`"), std::string::npos)
      << bad_address.error().what();
  EXPECT_NE(bad_address.error().what().find("/x/web.json"), std::string::npos);
  auto bad_id = parse_endpoint_records(endpoint_json("web", "172.18.0.2", "xyz"), "frontend", "/x/web.json");
  ASSERT_FALSE(bad_id.ok());
  EXPECT_NE(bad_id.error().what().find("`ContainerID`"), std::string::npos) << bad_id.error().what();
  auto no_name = parse_endpoint_records(R"({"ContainerID":")" + kWebId + R"(","IPv4Address":"172.18.0.2"})",
                                        "frontend", "/x/web.json");
  ASSERT_FALSE(no_name.ok());
  EXPECT_NE(no_name.error().what().find("`Name`"), std::string::npos) << no_name.error().what();
}

TEST(EndpointRecords, ReloadSeesAFileAddedRightAfterTheLastLoad) {
  testing::ScratchDir dir;
  DnsResolver resolver({{"frontend", dir.path(), kSubnet, 16}});
  resolver.reload_if_changed();
  EXPECT_EQ(ask(resolver, "db").response.rcode(), DnsRcode::name_error);
  ASSERT_TRUE(sys::write_file_atomic(dir.path() + "/" + kDbId + ".json", endpoint_json("db", "172.18.0.3", kDbId)).ok());
  resolver.reload_if_changed();
  EXPECT_EQ(addresses(ask(resolver, "db")), std::vector<uint32_t>{kDb1});
}

TEST(EndpointRecords, ReloadSeesARemovedFile) {
  testing::ScratchDir dir;
  const std::string path = dir.path() + "/" + kDbId + ".json";
  ASSERT_TRUE(sys::write_file_atomic(path, endpoint_json("db", "172.18.0.3", kDbId)).ok());
  DnsResolver resolver({{"frontend", dir.path(), kSubnet, 16}});
  resolver.reload_if_changed();
  EXPECT_EQ(addresses(ask(resolver, "db")), std::vector<uint32_t>{kDb1});
  ASSERT_EQ(::unlink(path.c_str()), 0);
  resolver.reload_if_changed();
  EXPECT_EQ(ask(resolver, "db").response.rcode(), DnsRcode::name_error);
}

TEST(EndpointRecords, UnchangedDirectoryIsNotReread) {
  testing::ScratchDir dir;
  const std::string path = dir.path() + "/" + kDbId + ".json";
  ASSERT_TRUE(sys::write_file_atomic(path, endpoint_json("db", "172.18.0.3", kDbId)).ok());
  // Past the racy window: the directory's mtime is now trusted.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  DnsResolver resolver({{"frontend", dir.path(), kSubnet, 16}});
  resolver.reload_if_changed();
  // Rewritten in place (no rename): the directory's mtime stays, so no reread happens.
  ASSERT_TRUE(sys::write_file(path, endpoint_json("db", "172.18.0.4", kDbId)).ok());
  resolver.reload_if_changed();
  EXPECT_EQ(addresses(ask(resolver, "db")), std::vector<uint32_t>{kDb1});
  // A rename (how endpoint files are written) is seen.
  ASSERT_TRUE(sys::write_file_atomic(path, endpoint_json("db", "172.18.0.4", kDbId)).ok());
  resolver.reload_if_changed();
  EXPECT_EQ(addresses(ask(resolver, "db")), std::vector<uint32_t>{kDb2});
}

TEST(EndpointRecords, EveryAttachedNetworkIsRead) {
  testing::ScratchDir front;
  testing::ScratchDir back;
  ASSERT_TRUE(sys::write_file_atomic(front.path() + "/" + kWebId + ".json", endpoint_json("web", "172.18.0.2", kWebId)).ok());
  ASSERT_TRUE(sys::write_file_atomic(back.path() + "/" + kDbId + ".json", endpoint_json("db", "10.5.0.3", kDbId)).ok());
  DnsResolver resolver({{"frontend", front.path(), kSubnet, 16}, {"Backend", back.path(), 0x0A050000, 24}});
  resolver.reload_if_changed();
  EXPECT_EQ(addresses(ask(resolver, "web")), std::vector<uint32_t>{kWeb});
  EXPECT_EQ(addresses(ask(resolver, "db.backend")), std::vector<uint32_t>{0x0A050003u});
  EXPECT_EQ(ask(resolver, "db.frontend", kDnsTypeA, true).response.rcode(), DnsRcode::name_error);
}

}  // namespace
}  // namespace minirun::network
