/**
 * @file network_bench_dns.hpp
 * @brief network_bench's third figure: the embedded DNS server of a running container,
 *        asked from inside another container's network namespace.
 *
 * A UDP socket made in container B's namespace (it stays there whichever thread uses it)
 * and connected to 127.0.0.11:53 asks for container A's single-label name, never a name
 * the server would forward; every answer is checked against A's address. Two figures:
 * answers per second with kDnsWindow queries in flight, and the round trip of one query
 * at a time (p50, p99, max). Also here: making a socket inside a namespace, which the
 * throughput figure uses too.
 */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <vector>

#include "minirun/network/dns_message.hpp"
#include "minirun/network/netns.hpp"
#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"
#include "tests/bench/bench_support.hpp"

namespace minirun::bench {

using minirun::sys::Error;
using minirun::sys::Result;
using minirun::sys::UniqueFd;

inline constexpr int kDnsWindow = 64;  // queries in flight
inline constexpr auto kDnsThroughputTime = std::chrono::seconds(2);
inline constexpr int kDnsLatencyQueries = 20000;

/// A container as the DNS figure sees it: its name, its address, its network namespace.
struct DnsPeer {
  std::string name;
  std::string address;
  int netns_fd = -1;
};

/// A socket created in the network namespace `netns_fd` (-1: this thread's own). It stays
/// in that namespace whichever thread uses it afterwards.
inline Result<UniqueFd> socket_in(int netns_fd, int type) {
  UniqueFd fd;
  auto make = [&]() -> Result<void> {
    fd = UniqueFd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return Error::from_errno("socket");
    return minirun::sys::ok();
  };
  auto made = netns_fd < 0 ? make() : minirun::network::in_network_namespace(netns_fd, make);
  if (!made) return std::move(made.error());
  return fd;
}

inline sockaddr_in ipv4_address(const std::string& address, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  return a;
}

/// A reply read back: its id (-1 if it is no DNS response at all) and whether it is the
/// right answer: NOERROR and an A record holding the expected address.
struct DnsReply {
  int id = -1;
  bool right = false;
};

inline DnsReply read_reply(const uint8_t* data, size_t size, const in_addr& expected) {
  namespace net = minirun::network;
  auto response = net::parse_dns_response({data, size});
  if (!response) return {};
  DnsReply reply{response->header.id, false};
  reply.right = (response->header.flags & net::kDnsFlagResponse) && response->rcode() == net::DnsRcode::no_error &&
                !response->answers.empty() && response->answers[0].type == net::kDnsTypeA &&
                response->answers[0].rdata.size() == 4 &&
                std::memcmp(response->answers[0].rdata.data(), &expected, 4) == 0;
  return reply;
}

/// What the DNS half measures against: a UDP socket in B's namespace connected to the
/// embedded server, a query for A's name (its id patched into the first two bytes), and
/// A's address to expect in every answer.
struct DnsClient {
  UniqueFd socket;
  std::vector<uint8_t> query;
  in_addr expected{};

  static Result<DnsClient> open(const DnsPeer& asking, const DnsPeer& asked) {
    DnsClient c;
    auto fd = socket_in(asking.netns_fd, SOCK_DGRAM);
    if (!fd) return std::move(fd.error()).context("DNS socket in " + asking.name);
    c.socket = std::move(*fd);
    sockaddr_in server = ipv4_address("127.0.0.11", 53);
    if (::connect(c.socket.get(), reinterpret_cast<sockaddr*>(&server), sizeof server) < 0)
      return Error::from_errno("connect", "127.0.0.11:53");
    auto query = minirun::network::build_dns_query(0, asked.name, minirun::network::kDnsTypeA);
    if (!query) return std::move(query.error());
    c.query = std::move(*query);
    ::inet_pton(AF_INET, asked.address.c_str(), &c.expected);
    return c;
  }

  bool send(uint16_t id) {
    query[0] = static_cast<uint8_t>(id >> 8);
    query[1] = static_cast<uint8_t>(id & 0xff);
    return ::send(socket.get(), query.data(), query.size(), 0) == static_cast<ssize_t>(query.size());
  }

  /// Waits up to `timeout_ms` for one reply; false on timeout. An error from recv (an
  /// ICMP "port unreachable" on a connected UDP socket: no server) is an error.
  Result<bool> receive(int timeout_ms, DnsReply& reply) {
    pollfd ready{socket.get(), POLLIN, 0};
    int n = ::poll(&ready, 1, timeout_ms);
    if (n < 0 && errno == EINTR) return false;
    if (n < 0) return Error::from_errno("poll", "DNS socket");
    if (n == 0) return false;
    uint8_t buffer[minirun::network::kDnsMaxUdpSize * 2];
    ssize_t size = ::recv(socket.get(), buffer, sizeof buffer, 0);
    if (size < 0) return Error::from_errno("recv", "127.0.0.11:53");
    reply = read_reply(buffer, static_cast<size_t>(size), expected);
    return true;
  }
};

inline void report(const Error& e) { std::fprintf(stderr, "network_bench: DNS: %s\n", e.what().c_str()); }

/// One query at a time: each one's round trip, in microseconds; `lost` counts timeouts (1 s
/// each; more than kDnsMaxLost of them end the run: the server is gone) and `wrong` the
/// answers that were not A's address (neither is in the samples).
inline constexpr int kDnsMaxLost = 10;
inline Result<std::vector<double>> dns_round_trips(DnsClient& client, int count, int& lost, int& wrong) {
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count && !g_interrupted; ++i) {
    const uint16_t id = static_cast<uint16_t>(i);
    auto start = Clock::now();
    if (!client.send(id)) return Error::from_errno("send", "127.0.0.11:53");
    DnsReply reply;
    bool answered = false;
    while (!answered) {  // a late reply to an earlier, timed-out query is skipped
      auto got = client.receive(1000, reply);
      if (!got) return std::move(got.error());
      if (!*got || g_interrupted) break;
      answered = reply.id == id;
    }
    double us = ms_since(start) * 1000;
    if (!answered && !g_interrupted && ++lost > kDnsMaxLost) {
      return Error(std::to_string(lost) + " queries without an answer within 1 s");
    } else if (!answered) {
      continue;
    } else if (!reply.right) {
      ++wrong;
    } else {
      micros.push_back(us);
    }
  }
  return micros;
}

/// `kDnsWindow` queries in flight for kDnsThroughputTime: a new one goes out as each
/// answer comes back. After 200 ms without any reply the outstanding ones count as lost
/// and the window is filled again.
inline bool dns_throughput(DnsClient& client) {
  std::vector<char> in_flight(65536, 0);
  int outstanding = 0;
  uint16_t next_id = 0;
  long answered = 0, wrong = 0, lost = 0, stray = 0;
  auto fill_window = [&] {
    for (; outstanding < kDnsWindow; ++outstanding, ++next_id) {
      if (!client.send(next_id)) return false;
      in_flight[next_id] = 1;
    }
    return true;
  };
  auto start = Clock::now();
  if (!fill_window()) return report(Error::from_errno("send", "127.0.0.11:53")), false;
  while (Clock::now() - start < kDnsThroughputTime && !g_interrupted) {
    DnsReply reply;
    auto got = client.receive(200, reply);
    if (!got) return report(got.error()), false;
    if (!*got) {
      lost += outstanding;
      std::fill(in_flight.begin(), in_flight.end(), 0);
      outstanding = 0;
    } else if (reply.id < 0 || !in_flight[reply.id]) {
      ++stray;
      continue;
    } else {
      in_flight[reply.id] = 0;
      --outstanding;
      ++(reply.right ? answered : wrong);
    }
    if (!fill_window()) return report(Error::from_errno("send", "127.0.0.11:53")), false;
  }
  if (g_interrupted) return false;
  double seconds = ms_since(start) / 1000;
  std::printf("  throughput, %d in flight for %.1f s: %8.0f answers/s (target >= 20,000)   [%ld right, %ld wrong, "
              "%ld lost, %ld stray]\n", kDnsWindow, seconds, static_cast<double>(answered) / seconds, answered, wrong,
              lost, stray);
  return true;
}

/// Item 3: the embedded DNS server of container B answering A's name.
inline bool bench_dns(const DnsPeer& a, const DnsPeer& b) {
  std::printf("\n3. embedded DNS server (127.0.0.11:53 in %s's namespace, UDP, A record of the single-label name %s; "
              "every answer checked)\n", b.name.c_str(), a.name.c_str());
  auto client = DnsClient::open(b, a);
  if (!client) return report(client.error()), false;
  // Warm-up: 1000 queries, which must find the server answering, and answering right.
  int lost = 0, wrong = 0;
  auto warm = dns_round_trips(*client, 1000, lost, wrong);
  if (!warm) return report(std::move(warm.error()).context("warm-up")), false;
  if (warm->empty()) return report(Error("warm-up: no right answer for " + a.name + " among 1000")), false;
  if (!dns_throughput(*client) || g_interrupted) return false;
  auto fresh = DnsClient::open(b, a);  // no late replies of the throughput run
  if (!fresh) return report(fresh.error()), false;
  lost = wrong = 0;
  auto micros = dns_round_trips(*fresh, kDnsLatencyQueries, lost, wrong);
  if (!micros) return report(micros.error()), false;
  if (g_interrupted) return false;
  std::printf("  latency, one at a time, %d queries:  p50 %6.1f us   p99 %6.1f us (target < 1000 us)   max %7.1f us"
              "   [%zu right, %d wrong, %d lost]\n", kDnsLatencyQueries, percentile(*micros, 0.50),
              percentile(*micros, 0.99), micros->empty() ? 0.0 : *std::max_element(micros->begin(), micros->end()),
              micros->size(), wrong, lost);
  std::fflush(stdout);
  return true;
}

}  // namespace minirun::bench
