// DNS wire format: reading queries safely, building responses (RFC 1035 section 4).
#include "minirun/network/dns_message.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>

namespace minirun::network {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes query_for(std::string_view name, uint16_t type = kDnsTypeA) {
  auto q = build_dns_query(0x1234, name, type);
  EXPECT_TRUE(q.ok()) << q.error().what();
  return q.ok() ? *q : Bytes{};
}

/// A header with QDCOUNT 1 and id 0xabcd, followed by `question` bytes as given.
Bytes raw_query(const Bytes& question) {
  // Sized once, then filled: g++ 12 misreads an insert() that grows the 12-byte vector
  // as a copy out of bounds (-Warray-bounds).
  const Bytes header = {0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  Bytes p(header.size() + question.size());
  std::copy(header.begin(), header.end(), p.begin());
  std::copy(question.begin(), question.end(), p.begin() + static_cast<std::ptrdiff_t>(header.size()));
  return p;
}

TEST(DnsMessage, QuestionNameIsLowercasedWithoutTrailingDot) {
  Bytes packet = query_for("WeB.Front-End.", kDnsTypeAaaa);
  auto q = parse_dns_query(packet);
  ASSERT_TRUE(q.ok()) << q.error().what();
  EXPECT_EQ(q->id, 0x1234);
  EXPECT_EQ(q->question.name, "web.front-end");
  EXPECT_EQ(q->question.type, kDnsTypeAaaa);
  EXPECT_EQ(q->question.qclass, kDnsClassIn);
  EXPECT_EQ(q->question_end, packet.size());
  EXPECT_TRUE(q->flags & kDnsFlagRecursionDesired);
}

TEST(DnsMessage, QueryWithEdnsOptRecordStillParses) {
  Bytes packet = query_for("web");
  packet[11] = 1;  // ARCOUNT = 1
  const size_t question_end = packet.size();
  // OPT: root name, type 41, UDP size 4096, extended rcode/flags 0, no options.
  Bytes opt = {0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  packet.insert(packet.end(), opt.begin(), opt.end());
  auto q = parse_dns_query(packet);
  ASSERT_TRUE(q.ok()) << q.error().what();
  EXPECT_EQ(q->question.name, "web");
  EXPECT_EQ(q->question_end, question_end);
}

TEST(DnsMessage, RootNameIsTheEmptyString) {
  auto q = parse_dns_query(raw_query({0x00, 0x00, 0x02, 0x00, 0x01}));
  ASSERT_TRUE(q.ok()) << q.error().what();
  EXPECT_EQ(q->question.name, "");
  EXPECT_EQ(q->question.type, 2);
}

TEST(DnsMessage, PointerToItselfIsRejected) {
  auto q = parse_dns_query(raw_query({0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01}));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().what().find("compression pointer"), std::string::npos) << q.error().what();
}

TEST(DnsMessage, PointerBackToTheStartOfTheSameNameIsRejected) {
  // "a" then a pointer to offset 12, where "a" starts: an endless a.a.a.a...
  EXPECT_FALSE(parse_dns_query(raw_query({0x01, 'a', 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01})).ok());
}

TEST(DnsMessage, ForwardPointerIsRejected) {
  // Points at offset 20, after itself (where a valid-looking "b" sits).
  EXPECT_FALSE(parse_dns_query(raw_query({0xC0, 0x14, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 'b', 0x00})).ok());
}

TEST(DnsMessage, PointerPastTheEndIsRejected) {
  EXPECT_FALSE(parse_dns_query(raw_query({0xFF, 0xFF, 0x00, 0x01, 0x00, 0x01})).ok());
}

TEST(DnsMessage, PointerIntoTheHeaderIsRejected) {
  EXPECT_FALSE(parse_dns_query(raw_query({0xC0, 0x02, 0x00, 0x01, 0x00, 0x01})).ok());
}

TEST(DnsMessage, EveryTruncationOfAQueryIsRejected) {
  const Bytes packet = query_for("web.frontend");
  for (size_t size = 0; size < packet.size(); ++size) {
    EXPECT_FALSE(parse_dns_query(std::span(packet.data(), size)).ok()) << "accepted " << size << " bytes";
  }
}

TEST(DnsMessage, HeaderShorterThan12BytesIsAnErrorThatSaysSo) {
  const Bytes packet = {0x12, 0x34, 0x01};
  auto h = parse_dns_header(packet);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().what().find("12-byte header"), std::string::npos) << h.error().what();
}

TEST(DnsMessage, LabelOf64BytesIsRejected) {
  Bytes question = {64};
  question.insert(question.end(), 64, 'a');
  question.insert(question.end(), {0x00, 0x00, 0x01, 0x00, 0x01});
  auto q = parse_dns_query(raw_query(question));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().what().find("63"), std::string::npos) << q.error().what();
}

TEST(DnsMessage, NameLongerThan255BytesIsRejected) {
  Bytes question;
  for (int i = 0; i < 5; ++i) {
    question.push_back(63);
    question.insert(question.end(), 63, 'a');
  }
  question.insert(question.end(), {0x00, 0x00, 0x01, 0x00, 0x01});
  auto q = parse_dns_query(raw_query(question));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().what().find("255"), std::string::npos) << q.error().what();
}

TEST(DnsMessage, LabelContainingADotIsRejected) {
  EXPECT_FALSE(parse_dns_query(raw_query({0x03, 'a', '.', 'b', 0x00, 0x00, 0x01, 0x00, 0x01})).ok());
}

TEST(DnsMessage, QuestionCountOtherThanOneIsRejected) {
  Bytes packet = query_for("web");
  packet[5] = 2;
  EXPECT_FALSE(parse_dns_query(packet).ok());
  packet[5] = 0;
  EXPECT_FALSE(parse_dns_query(packet).ok());
}

TEST(DnsMessage, ResponseEchoesIdQuestionAndRdAndPointsAnswersAtTheQuestion) {
  const Bytes packet = query_for("Web");
  auto q = parse_dns_query(packet);
  ASSERT_TRUE(q.ok());
  Bytes response = build_dns_response(packet, *q, DnsRcode::no_error,
                                      {{kDnsTypeA, 600, encode_a_rdata(0xAC120002)}}, true, false);
  ASSERT_EQ(response.size(), packet.size() + 16);
  EXPECT_EQ(response[0], 0x12);
  EXPECT_EQ(response[1], 0x34);
  // QR, AA, RD set; RA clear; rcode 0.
  EXPECT_EQ(response[2], 0x85);
  EXPECT_EQ(response[3], 0x00);
  // The question comes back byte for byte, letter case included.
  EXPECT_TRUE(std::equal(packet.begin() + 12, packet.end(), response.begin() + 12));
  const size_t a = packet.size();
  EXPECT_EQ(response[a], 0xC0);
  EXPECT_EQ(response[a + 1], 0x0C);
  auto parsed = parse_dns_response(response);
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  ASSERT_EQ(parsed->answers.size(), 1u);
  EXPECT_EQ(parsed->answers[0].ttl, 600u);
  EXPECT_EQ(parsed->answers[0].rdata, (Bytes{172, 18, 0, 2}));
}

TEST(DnsMessage, RecursionAvailableAndRcodeAreSetAsAsked) {
  const Bytes packet = query_for("example.org");
  auto q = parse_dns_query(packet);
  ASSERT_TRUE(q.ok());
  Bytes response = build_dns_response(packet, *q, DnsRcode::refused, {}, false, true);
  EXPECT_EQ(response[2], 0x81);  // QR, RD
  EXPECT_EQ(response[3], 0x85);  // RA, rcode 5
}

TEST(DnsMessage, ResponseWithoutAQuestionIsTheHeaderAlone) {
  const Bytes packet = {0xab, 0xcd, 0x01, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0};
  DnsQuery q;
  q.id = 0xabcd;
  q.flags = 0x0100;
  Bytes response = build_dns_response(packet, q, DnsRcode::format_error, {}, true, false);
  ASSERT_EQ(response.size(), 12u);
  EXPECT_EQ(response[0], 0xab);
  EXPECT_EQ(response[3] & 0x0F, 1);
  EXPECT_EQ(response[5], 0);  // QDCOUNT 0
}

TEST(DnsMessage, AnswersThatDoNotFitIn512BytesAreLeftOutWithoutTruncationFlag) {
  const Bytes packet = query_for("many");
  auto q = parse_dns_query(packet);
  ASSERT_TRUE(q.ok());
  std::vector<DnsAnswer> answers(100, DnsAnswer{kDnsTypeA, 600, encode_a_rdata(0x0A000001)});
  Bytes response = build_dns_response(packet, *q, DnsRcode::no_error, answers, true, false);
  EXPECT_LE(response.size(), kDnsMaxUdpSize);
  EXPECT_GT(response.size(), kDnsMaxUdpSize - 16);
  auto parsed = parse_dns_response(response);
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  EXPECT_EQ(parsed->answers.size(), (kDnsMaxUdpSize - packet.size()) / 16);
  EXPECT_FALSE(parsed->header.flags & kDnsFlagTruncated);
}

TEST(DnsMessage, PtrRdataDecodesBackToTheName) {
  const Bytes packet = query_for("2.0.18.172.in-addr.arpa", kDnsTypePtr);
  auto q = parse_dns_query(packet);
  ASSERT_TRUE(q.ok());
  auto name = encode_dns_name("web.frontend.");
  ASSERT_TRUE(name.ok()) << name.error().what();
  Bytes response = build_dns_response(packet, *q, DnsRcode::no_error, {{kDnsTypePtr, 600, *name}}, true, false);
  auto parsed = parse_dns_response(response);
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  ASSERT_EQ(parsed->answers.size(), 1u);
  EXPECT_EQ(parsed->answers[0].ptr_name, "web.frontend");
}

TEST(DnsMessage, AnswerNameCompressedAgainstAnEarlierNameIsFollowed) {
  // Question "www.example", then an answer whose owner is "mail" + pointer to
  // "example" (offset 16), and a PTR rdata that is just a pointer to offset 12.
  Bytes p = {0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
             3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0x00, 0x0C, 0x00, 0x01,
             4, 'm', 'a', 'i', 'l', 0xC0, 0x10, 0x00, 0x0C, 0x00, 0x01, 0, 0, 0, 60, 0x00, 0x02, 0xC0, 0x0C};
  auto parsed = parse_dns_response(p);
  ASSERT_TRUE(parsed.ok()) << parsed.error().what();
  EXPECT_EQ(parsed->question.name, "www.example");
  ASSERT_EQ(parsed->answers.size(), 1u);
  EXPECT_EQ(parsed->answers[0].ttl, 60u);
  EXPECT_EQ(parsed->answers[0].ptr_name, "www.example");
}

TEST(DnsMessage, EncodingANameRefusesEmptyAndOverlongLabels) {
  EXPECT_FALSE(encode_dns_name("a..b").ok());
  EXPECT_FALSE(encode_dns_name(std::string(64, 'x') + ".net").ok());
  EXPECT_FALSE(build_dns_query(1, std::string(300, 'a'), kDnsTypeA).ok());
  auto root = encode_dns_name("");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root, Bytes{0});
}

}  // namespace
}  // namespace minirun::network
