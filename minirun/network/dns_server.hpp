/**
 * @file dns_server.hpp
 * @brief The embedded DNS server's socket side: a UDP socket on 127.0.0.11:53 inside
 * the container, and the pieces of a poll(2) loop that the container's monitor runs.
 *
 * Docker's engine runs one resolver per container, listening on 127.0.0.11 inside the
 * container's network namespace (its resolv.conf(5) says `nameserver 127.0.0.11`).
 * Here the monitor plays that part: it joins the container's namespace with setns(2)
 * in one thread, calls DnsServer::bind() (a socket belongs to the namespace it was
 * created in, for the rest of its life), returns to its own namespace, and from then on
 * serves the socket from its ordinary poll loop. No thread, no process in the container.
 *
 * The loop pieces:
 *  - fd() readable -> on_readable(): takes every waiting datagram with recvmmsg(2),
 *    32 at a time, looks once (one stat per network) whether the endpoint files changed,
 *    answers them all with sendmmsg(2). Non-blocking throughout: a full send buffer drops
 *    a reply (UDP; the client asks again) instead of stalling the monitor;
 *  - upstream_fd() readable -> on_upstream_readable(): relays upstream replies;
 *  - next_timeout_ms() as poll's timeout, then expire_pending().
 *
 * Forwarding (names that are not the containers'): the query goes to an upstream server
 * with a fresh random id from arc4random(3), and the reply is accepted only from that
 * server's address and port, with that id and the same question, then relayed with the
 * client's id. Random ids and those checks are what make a blind spoofed reply (the
 * Kaminsky attack) a guessing game. A query without a reply gets SERVFAIL after 2 s.
 * The upstream socket lives in the namespace bind() runs in, like the listening one.
 *
 * Left out: TCP (clients retry over TCP only after a TC bit, which this server never
 * sets), EDNS0 buffer sizes (our answers stay under 512 bytes; forwarded queries carry
 * the client's OPT through unchanged), retrying the next upstream on a timeout.
 * Man pages: recvmmsg(2), sendmmsg(2), udp(7), poll(2), setns(2). RFC 1035 4.2.1.
 * Lab: labs/09-discovery
 */
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include "minirun/network/dns_message.hpp"
#include "minirun/network/dns_resolver.hpp"
#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::network {

/// Docker's embedded DNS address, 127.0.0.11, in host byte order.
inline constexpr uint32_t kEmbeddedDnsAddress = 0x7F00000B;

/// How long a forwarded query waits for its upstream reply before SERVFAIL.
inline constexpr std::chrono::milliseconds kDnsUpstreamTimeout{2000};

/// At most this many forwarded queries wait at once; more get SERVFAIL at once, so a
/// flood of unanswerable names cannot grow the monitor's memory without bound.
inline constexpr size_t kDnsMaxPending = 1024;

class DnsServer {
 public:
  /// Binds a UDP socket (non-blocking, close-on-exec) on address:port (host byte order)
  /// in the calling thread's network namespace; port 0 picks a free port (tests).
  /// `upstreams` (ip, port) receive the names that are not ours.
  static sys::Result<DnsServer> bind(uint32_t address, uint16_t port, DnsResolver resolver,
                                     std::vector<std::pair<uint32_t, uint16_t>> upstreams = {});

  DnsServer(DnsServer&&) = default;
  DnsServer& operator=(DnsServer&&) = default;

  /// The listening socket, for the caller's poll(2).
  int fd() const { return socket_.get(); }
  /// The socket upstream replies arrive on; -1 without upstreams.
  int upstream_fd() const { return upstream_socket_.get(); }
  /// The bound port (useful after binding port 0).
  uint16_t port() const { return port_; }

  /// Answers (or forwards) every datagram waiting on fd(); never blocks.
  void on_readable();
  /// Relays every upstream reply waiting on upstream_fd(); never blocks.
  void on_upstream_readable();
  /// Milliseconds until the oldest forwarded query expires; -1 when none waits.
  int next_timeout_ms() const;
  /// Answers SERVFAIL to every forwarded query whose time is up.
  void expire_pending();

  /// Forwarded queries still waiting for their upstream.
  size_t pending_count() const { return pending_.size(); }
  /// Overrides kDnsUpstreamTimeout (tests).
  void set_upstream_timeout(std::chrono::milliseconds timeout) { upstream_timeout_ = timeout; }

 private:
  using Clock = std::chrono::steady_clock;

  /// A forwarded query: who asked, with which id and question, sent where, until when.
  struct Pending {
    sockaddr_in client{};
    std::vector<uint8_t> query;  ///< as the client sent it (for SERVFAIL)
    DnsQuery parsed;
    sockaddr_in upstream{};
    Clock::time_point deadline;
  };

  DnsServer(sys::UniqueFd socket, sys::UniqueFd upstream_socket, uint16_t port, DnsResolver resolver,
            std::vector<sockaddr_in> upstreams);

  void forward(std::span<const uint8_t> packet, const sockaddr_in& client);
  void reply_to(const sockaddr_in& client, std::span<const uint8_t> packet);
  void reply_servfail(std::span<const uint8_t> query, const DnsQuery& parsed, const sockaddr_in& client);

  sys::UniqueFd socket_;
  sys::UniqueFd upstream_socket_;
  uint16_t port_ = 0;
  DnsResolver resolver_;
  std::vector<sockaddr_in> upstreams_;
  size_t next_upstream_ = 0;  ///< upstreams take turns, one per forwarded query
  std::chrono::milliseconds upstream_timeout_ = kDnsUpstreamTimeout;
  std::unordered_map<uint16_t, Pending> pending_;  ///< by the id sent upstream
  /// (deadline, upstream id) in sending order; all timeouts are equal, so the front is
  /// always the next to expire. Entries of answered queries are skipped when reached.
  std::deque<std::pair<Clock::time_point, uint16_t>> expiry_order_;
  /// Reused between bursts: one receive slot per datagram of a recvmmsg batch, and
  /// the replies being built.
  std::vector<uint8_t> receive_buffer_;
  std::vector<std::vector<uint8_t>> replies_;
};

}  // namespace minirun::network
