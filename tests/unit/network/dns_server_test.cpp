// The DNS server over real UDP sockets on 127.0.0.1 (loopback only; the "upstream" is a
// socket of the test's own, also on 127.0.0.1).
#include "minirun/network/dns_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <optional>
#include <thread>

#include "minirun/sys/file.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::network {
namespace {

using Bytes = std::vector<uint8_t>;
constexpr uint32_t kLoopback = 0x7F000001;
const std::string kWebId = std::string("8cd9f216d20a") + std::string(52, 'b');

/// A UDP socket on 127.0.0.1, an ephemeral port; the test's client or fake upstream.
struct UdpPeer {
  sys::UniqueFd fd;
  uint16_t port = 0;

  UdpPeer() : fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(kLoopback);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t length = sizeof a;
    EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &length), 0);
    port = ntohs(a.sin_port);
  }

  void send_to(uint16_t to_port, const Bytes& packet) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(kLoopback);
    a.sin_port = htons(to_port);
    ASSERT_EQ(::sendto(fd.get(), packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a),
              static_cast<ssize_t>(packet.size()));
  }

  /// The next datagram within `timeout_ms`, and the port it came from.
  std::optional<Bytes> receive(int timeout_ms = 1000, uint16_t* from_port = nullptr) const {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    Bytes buffer(65535);
    sockaddr_in from{};
    socklen_t length = sizeof from;
    ssize_t n = ::recvfrom(fd.get(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return std::nullopt;
    buffer.resize(static_cast<size_t>(n));
    if (from_port != nullptr) *from_port = ntohs(from.sin_port);
    return buffer;
  }
};

bool wait_readable(int fd, int timeout_ms = 1000) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

Bytes query(uint16_t id, std::string_view name, uint16_t type = kDnsTypeA) {
  auto q = build_dns_query(id, name, type);
  EXPECT_TRUE(q.ok());
  return q.ok() ? *q : Bytes{};
}

DnsServer bind_server(std::vector<DnsNetwork> networks, std::vector<std::pair<uint32_t, uint16_t>> upstreams = {}) {
  auto server = DnsServer::bind(kLoopback, 0, DnsResolver(std::move(networks)), std::move(upstreams));
  EXPECT_TRUE(server.ok()) << server.error().what();
  return std::move(*server);
}

DnsResponse parse(const std::optional<Bytes>& packet) {
  EXPECT_TRUE(packet.has_value()) << "no reply";
  if (!packet) return {};
  auto parsed = parse_dns_response(*packet);
  EXPECT_TRUE(parsed.ok()) << parsed.error().what();
  return parsed.ok() ? *parsed : DnsResponse{};
}

TEST(DnsServer, AnswersAFromAnEndpointsDirectoryOverUdp) {
  testing::ScratchDir dir;
  ASSERT_TRUE(sys::write_file_atomic(dir.path() + "/" + kWebId + ".json",
                                     R"({"ContainerID":")" + kWebId +
                                         R"(","Name":"web","Aliases":[],"IPv4Address":"172.18.0.2"})")
                  .ok());
  DnsServer server = bind_server({{"frontend", dir.path(), 0xAC120000, 16}});
  ASSERT_NE(server.port(), 0);
  UdpPeer client;
  client.send_to(server.port(), query(0x5151, "web"));
  ASSERT_TRUE(wait_readable(server.fd()));
  server.on_readable();
  DnsResponse response = parse(client.receive());
  EXPECT_EQ(response.header.id, 0x5151);
  EXPECT_EQ(response.rcode(), DnsRcode::no_error);
  ASSERT_EQ(response.answers.size(), 1u);
  EXPECT_EQ(response.answers[0].rdata, (Bytes{172, 18, 0, 2}));
}

TEST(DnsServer, GarbageWithAHeaderGetsFormerrOverTheSocket) {
  DnsServer server = bind_server({});
  UdpPeer client;
  client.send_to(server.port(), Bytes{0x77, 0x88, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF});
  ASSERT_TRUE(wait_readable(server.fd()));
  server.on_readable();
  DnsResponse response = parse(client.receive());
  EXPECT_EQ(response.header.id, 0x7788);
  EXPECT_EQ(response.rcode(), DnsRcode::format_error);
}

TEST(DnsServer, DatagramShorterThanAHeaderGetsNoReply) {
  DnsServer server = bind_server({});
  UdpPeer client;
  client.send_to(server.port(), Bytes{0x01, 0x02, 0x03});
  client.send_to(server.port(), query(0x0909, "ghost"));
  ASSERT_TRUE(wait_readable(server.fd()));
  server.on_readable();
  // The one reply is the real query's (NXDOMAIN); the short datagram got none.
  DnsResponse response = parse(client.receive());
  EXPECT_EQ(response.header.id, 0x0909);
  EXPECT_EQ(response.rcode(), DnsRcode::name_error);
  EXPECT_FALSE(client.receive(50).has_value());
}

TEST(DnsServer, ABurstIsAnsweredInOneCall) {
  DnsServer server = bind_server({});
  UdpPeer client;
  constexpr int kQueries = 100;
  for (int i = 0; i < kQueries; ++i) client.send_to(server.port(), query(static_cast<uint16_t>(i), "ghost"));
  ASSERT_TRUE(wait_readable(server.fd()));
  server.on_readable();
  int replies = 0;
  while (client.receive(50)) ++replies;
  EXPECT_EQ(replies, kQueries);
}

TEST(DnsServer, BindingAPortInUseFailsAndNamesTheAddress) {
  DnsServer first = bind_server({});
  auto second = DnsServer::bind(kLoopback, first.port(), DnsResolver({}));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().what().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << second.error().what();
}

TEST(DnsServer, UpstreamWithoutPortIsRefusedAtBind) {
  auto server = DnsServer::bind(kLoopback, 0, DnsResolver({}), {{kLoopback, 0}});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().what().find("`127.0.0.1:0`"), std::string::npos) << server.error().what();
}

TEST(DnsServer, WithoutUpstreamThereIsNoUpstreamSocketAndNothingPending) {
  DnsServer server = bind_server({});
  EXPECT_EQ(server.upstream_fd(), -1);
  EXPECT_EQ(server.next_timeout_ms(), -1);
}

TEST(DnsServer, ForwardedQueryGoesUpstreamWithAFreshIdAndTheReplyComesBackWithTheClients) {
  UdpPeer upstream;
  DnsServer server = bind_server({}, {{kLoopback, upstream.port}});
  UdpPeer client;
  constexpr int kQueries = 8;
  int same_ids = 0;
  for (uint16_t id = 1; id <= kQueries; ++id) {
    client.send_to(server.port(), query(id, "example.org"));
    ASSERT_TRUE(wait_readable(server.fd()));
    server.on_readable();
    uint16_t from_port = 0;
    auto forwarded = upstream.receive(1000, &from_port);
    ASSERT_TRUE(forwarded.has_value());
    auto asked = parse_dns_query(*forwarded);
    ASSERT_TRUE(asked.ok());
    EXPECT_EQ(asked->question.name, "example.org");
    if (asked->id == id) ++same_ids;
    // The fake upstream answers, from the port the query was sent to.
    auto answer = build_dns_response(*forwarded, *asked, DnsRcode::no_error,
                                     {{kDnsTypeA, 30, encode_a_rdata(0x7F000063)}}, false, true);
    upstream.send_to(from_port, answer);
    ASSERT_TRUE(wait_readable(server.upstream_fd()));
    server.on_upstream_readable();
    DnsResponse relayed = parse(client.receive());
    EXPECT_EQ(relayed.header.id, id);
    ASSERT_EQ(relayed.answers.size(), 1u);
    EXPECT_EQ(relayed.answers[0].rdata, (Bytes{127, 0, 0, 99}));
  }
  EXPECT_LT(same_ids, kQueries);  // ids are random: all 8 equal to the client's is (1/65536)^8
  EXPECT_EQ(server.pending_count(), 0u);
  EXPECT_EQ(server.next_timeout_ms(), -1);
}

TEST(DnsServer, ReplyFromAnotherPortOrForAnotherQuestionIsNotRelayed) {
  UdpPeer upstream;
  DnsServer server = bind_server({}, {{kLoopback, upstream.port}});
  UdpPeer client;
  UdpPeer spoofer;
  client.send_to(server.port(), query(0x2222, "example.org"));
  ASSERT_TRUE(wait_readable(server.fd()));
  server.on_readable();
  uint16_t from_port = 0;
  auto forwarded = upstream.receive(1000, &from_port);
  ASSERT_TRUE(forwarded.has_value());
  auto asked = parse_dns_query(*forwarded);
  ASSERT_TRUE(asked.ok());
  const Bytes genuine = build_dns_response(*forwarded, *asked, DnsRcode::no_error, {}, false, true);
  // Right id, wrong source port.
  spoofer.send_to(from_port, genuine);
  // Right id and source, other question.
  Bytes other = query(asked->id, "evil.example");
  other[2] |= 0x80;
  upstream.send_to(from_port, other);
  ASSERT_TRUE(wait_readable(server.upstream_fd()));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let both arrive
  server.on_upstream_readable();
  EXPECT_FALSE(client.receive(50).has_value());
  EXPECT_EQ(server.pending_count(), 1u);
  upstream.send_to(from_port, genuine);
  ASSERT_TRUE(wait_readable(server.upstream_fd()));
  server.on_upstream_readable();
  EXPECT_EQ(parse(client.receive()).header.id, 0x2222);
}

TEST(DnsServer, UnansweredForwardGetsServfailWhenItsTimeIsUp) {
  UdpPeer upstream;
  DnsServer server = bind_server({}, {{kLoopback, upstream.port}});
  server.set_upstream_timeout(std::chrono::milliseconds(50));
  UdpPeer client;
  client.send_to(server.port(), query(0x3333, "example.org"));
  ASSERT_TRUE(wait_readable(server.fd()));
  server.on_readable();
  ASSERT_TRUE(upstream.receive().has_value());  // forwarded, never answered
  const int timeout = server.next_timeout_ms();
  EXPECT_GE(timeout, 0);
  EXPECT_LE(timeout, 50);
  server.expire_pending();  // too early: nothing happens
  EXPECT_EQ(server.pending_count(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(timeout + 5));
  server.expire_pending();
  DnsResponse response = parse(client.receive());
  EXPECT_EQ(response.header.id, 0x3333);
  EXPECT_EQ(response.rcode(), DnsRcode::server_failure);
  EXPECT_EQ(server.pending_count(), 0u);
  EXPECT_EQ(server.next_timeout_ms(), -1);
}

}  // namespace
}  // namespace minirun::network
