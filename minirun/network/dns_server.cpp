/**
 * @file dns_server.cpp
 * @brief recvmmsg/sendmmsg batches, forwarding and its timeouts; see dns_server.hpp.
 */
#include "minirun/network/dns_server.hpp"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>

namespace minirun::network {

namespace {

using sys::Error;
using sys::UniqueFd;

/// Datagrams taken per recvmmsg(2) call, and bytes kept of each. A query is tens of
/// bytes; a longer datagram is cut (MSG_TRUNC) and still gets its FORMERR or answer.
constexpr unsigned kBatch = 32;
constexpr size_t kSlotSize = 2048;
/// Batches per on_readable() call: the monitor has other fds to serve, and poll(2) is
/// level-triggered, so whatever is left waiting brings it straight back.
constexpr int kMaxBatchesPerCall = 8;
/// An upstream reply may be as large as the client's EDNS0 buffer allows.
constexpr size_t kUpstreamReplySize = 65535;
/// Upstream replies relayed per on_upstream_readable() call, for the same reason.
constexpr int kMaxRepliesPerCall = 64;

sockaddr_in make_address(uint32_t address, uint16_t port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_addr.s_addr = htonl(address);
  out.sin_port = htons(port);
  return out;
}

std::string format_endpoint(uint32_t address, uint16_t port) {
  in_addr a{htonl(address)};
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, text, sizeof text);
  return std::string(text) + ":" + std::to_string(port);
}

bool same_endpoint(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

}  // namespace

DnsServer::DnsServer(UniqueFd socket, UniqueFd upstream_socket, uint16_t port, DnsResolver resolver,
                     std::vector<sockaddr_in> upstreams)
    : socket_(std::move(socket)),
      upstream_socket_(std::move(upstream_socket)),
      port_(port),
      resolver_(std::move(resolver)),
      upstreams_(std::move(upstreams)) {}

sys::Result<DnsServer> DnsServer::bind(uint32_t address, uint16_t port, DnsResolver resolver,
                                       std::vector<std::pair<uint32_t, uint16_t>> upstreams) {
  std::vector<sockaddr_in> upstream_addresses;
  for (const auto& [upstream_address, upstream_port] : upstreams) {
    if (upstream_address == 0 || upstream_port == 0) {
      return Error("upstream DNS server `" + format_endpoint(upstream_address, upstream_port) +
                   "`: give an address and a port other than 0, as in 192.168.1.1:53");
    }
    upstream_addresses.push_back(make_address(upstream_address, upstream_port));
  }
  const std::string shown = format_endpoint(address, port);
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!sock) return Error::from_errno("socket").context("DNS server on " + shown);
  sockaddr_in local = make_address(address, port);
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) {
    return Error::from_errno("bind", shown).context("DNS server");
  }
  socklen_t length = sizeof local;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&local), &length) < 0) {
    return Error::from_errno("getsockname", shown).context("DNS server");
  }
  UniqueFd upstream;
  if (!upstream_addresses.empty()) {
    // Not bound: the kernel picks a random ephemeral source port at the first sendto,
    // which, with the random ids, is what a spoofer would have to guess.
    upstream.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!upstream) return Error::from_errno("socket").context("DNS server on " + shown + ": upstream socket");
  }
  return DnsServer(std::move(sock), std::move(upstream), ntohs(local.sin_port), std::move(resolver),
                   std::move(upstream_addresses));
}

void DnsServer::on_readable() {
  // One look per burst at the endpoint directories: a stat each, no file read unless
  // something changed.
  resolver_.reload_if_changed();
  receive_buffer_.resize(std::max(kBatch * kSlotSize, kUpstreamReplySize));
  replies_.resize(kBatch);
  mmsghdr received_messages[kBatch];
  iovec received_iov[kBatch];
  sockaddr_in clients[kBatch];
  mmsghdr reply_messages[kBatch];
  iovec reply_iov[kBatch];
  const bool have_upstream = !upstreams_.empty();

  for (int batch = 0; batch < kMaxBatchesPerCall; ++batch) {
    for (unsigned i = 0; i < kBatch; ++i) {
      received_iov[i] = {receive_buffer_.data() + i * kSlotSize, kSlotSize};
      received_messages[i] = {};
      received_messages[i].msg_hdr.msg_name = &clients[i];
      received_messages[i].msg_hdr.msg_namelen = sizeof clients[i];
      received_messages[i].msg_hdr.msg_iov = &received_iov[i];
      received_messages[i].msg_hdr.msg_iovlen = 1;
    }
    const int received = ::recvmmsg(socket_.get(), received_messages, kBatch, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: nothing more waiting
    }
    unsigned replies = 0;
    for (int i = 0; i < received; ++i) {
      const size_t length = std::min<size_t>(received_messages[i].msg_len, kSlotSize);
      std::span<const uint8_t> packet(receive_buffer_.data() + i * kSlotSize, length);
      switch (resolver_.resolve(packet, have_upstream, replies_[replies])) {
        case DnsResolver::Decision::answer:
          reply_iov[replies] = {replies_[replies].data(), replies_[replies].size()};
          reply_messages[replies] = {};
          reply_messages[replies].msg_hdr.msg_name = &clients[i];
          reply_messages[replies].msg_hdr.msg_namelen = sizeof clients[i];
          reply_messages[replies].msg_hdr.msg_iov = &reply_iov[replies];
          reply_messages[replies].msg_hdr.msg_iovlen = 1;
          ++replies;
          break;
        case DnsResolver::Decision::forward:
          forward(packet, clients[i]);
          break;
        case DnsResolver::Decision::drop:
          break;
      }
    }
    unsigned sent = 0;
    while (sent < replies) {
      const int n = ::sendmmsg(socket_.get(), reply_messages + sent, replies - sent, MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<unsigned>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;  // send buffer full: drop the rest, the clients will ask again
      } else {
        ++sent;  // this one cannot be sent (a firewall's EPERM, say): skip it
      }
    }
    if (received < static_cast<int>(kBatch)) return;
  }
}

void DnsServer::forward(std::span<const uint8_t> packet, const sockaddr_in& client) {
  auto parsed = parse_dns_query(packet);
  if (!parsed) return;  // cannot happen: the resolver forwards only what it parsed
  if (pending_.size() >= kDnsMaxPending || upstreams_.empty()) {
    reply_servfail(packet, *parsed, client);
    return;
  }
  uint16_t id = 0;
  do {
    id = static_cast<uint16_t>(::arc4random());
  } while (pending_.contains(id));
  std::vector<uint8_t> upstream_query(packet.begin(), packet.end());
  upstream_query[0] = static_cast<uint8_t>(id >> 8);
  upstream_query[1] = static_cast<uint8_t>(id);
  const sockaddr_in upstream = upstreams_[next_upstream_++ % upstreams_.size()];
  if (::sendto(upstream_socket_.get(), upstream_query.data(), upstream_query.size(), MSG_DONTWAIT,
               reinterpret_cast<const sockaddr*>(&upstream), sizeof upstream) < 0) {
    reply_servfail(packet, *parsed, client);
    return;
  }
  const Clock::time_point deadline = Clock::now() + upstream_timeout_;
  pending_.emplace(id, Pending{client, std::vector<uint8_t>(packet.begin(), packet.end()), std::move(*parsed),
                               upstream, deadline});
  expiry_order_.emplace_back(deadline, id);
}

void DnsServer::on_upstream_readable() {
  if (!upstream_socket_) return;
  receive_buffer_.resize(std::max(kBatch * kSlotSize, kUpstreamReplySize));
  for (int i = 0; i < kMaxRepliesPerCall; ++i) {
    sockaddr_in from{};
    socklen_t from_length = sizeof from;
    const ssize_t n = ::recvfrom(upstream_socket_.get(), receive_buffer_.data(), kUpstreamReplySize, MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    std::span<uint8_t> reply(receive_buffer_.data(), static_cast<size_t>(n));
    auto header = parse_dns_header(reply);
    if (!header || !(header->flags & kDnsFlagResponse)) continue;
    auto it = pending_.find(header->id);
    if (it == pending_.end()) continue;  // late, duplicate or spoofed
    const Pending& pending = it->second;
    if (!same_endpoint(from, pending.upstream)) continue;  // not from the server we asked
    auto question = parse_dns_query(reply);
    if (!question || question->question.name != pending.parsed.question.name ||
        question->question.type != pending.parsed.question.type ||
        question->question.qclass != pending.parsed.question.qclass) {
      continue;  // an answer to some other question
    }
    reply[0] = static_cast<uint8_t>(pending.parsed.id >> 8);
    reply[1] = static_cast<uint8_t>(pending.parsed.id);
    reply_to(pending.client, reply);
    pending_.erase(it);
  }
  // Forget answered queries at the front, so next_timeout_ms() looks at a live one.
  while (!expiry_order_.empty()) {
    auto it = pending_.find(expiry_order_.front().second);
    if (it != pending_.end() && it->second.deadline == expiry_order_.front().first) break;
    expiry_order_.pop_front();
  }
}

int DnsServer::next_timeout_ms() const {
  for (const auto& [deadline, id] : expiry_order_) {
    auto it = pending_.find(id);
    if (it == pending_.end() || it->second.deadline != deadline) continue;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<decltype(left)>(left, 0));
  }
  return -1;
}

void DnsServer::expire_pending() {
  const Clock::time_point now = Clock::now();
  while (!expiry_order_.empty() && expiry_order_.front().first <= now) {
    const auto [deadline, id] = expiry_order_.front();
    expiry_order_.pop_front();
    auto it = pending_.find(id);
    if (it == pending_.end() || it->second.deadline != deadline) continue;  // answered meanwhile
    reply_servfail(it->second.query, it->second.parsed, it->second.client);
    pending_.erase(it);
  }
}

void DnsServer::reply_servfail(std::span<const uint8_t> query, const DnsQuery& parsed, const sockaddr_in& client) {
  reply_to(client, build_dns_response(query, parsed, DnsRcode::server_failure, {}, false, !upstreams_.empty()));
}

void DnsServer::reply_to(const sockaddr_in& client, std::span<const uint8_t> packet) {
  // Errors are not reported: a reply that cannot be sent is a lost UDP datagram, which
  // the client's own retry covers.
  (void)::sendto(socket_.get(), packet.data(), packet.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&client),
                 sizeof client);
}

}  // namespace minirun::network
