/**
 * @file dns_resolver.hpp
 * @brief Which answer a container's DNS question gets: the decisions of Docker's
 * embedded DNS server (127.0.0.11), without any sockets.
 *
 * On a user-defined network Docker writes `nameserver 127.0.0.11` into the container's
 * resolv.conf(5), and a small server inside the container's network namespace answers
 * for the other containers on its networks: `ping web` works because `web` is a
 * container's name (or an alias, or the first 12 hex digits of its id) on a shared
 * network. Everything else goes to the upstream servers (the host's resolvers).
 * See Docker's "Container networking: DNS services" and "Embedded DNS server" docs.
 *
 * What is known, and where it comes from: every network the container is attached to
 * has a directory `<network dir>/endpoints/` with one `<container id>.json` per
 * attached container (its Name, Aliases, ContainerID, IPv4Address). The resolver turns
 * those files into a name index and a reverse (PTR) index. It rereads them only when a
 * directory's mtime changed: writers replace files with rename(2), which always touches
 * the directory, so one stat(2) per directory tells whether anything moved.
 *
 * The decisions, in order (RFC 1035 for the codes, RFC 2308 for NODATA):
 *  - a response (QR set) is dropped: answering it could start a loop between servers;
 *    a packet shorter than the header is dropped (there is no id to answer to);
 *  - opcode other than QUERY: NOTIMP; unreadable question or QDCOUNT != 1: FORMERR;
 *    class other than IN: REFUSED;
 *  - a known name: its A records for A and ANY, rotated round robin so clients that
 *    take the first address spread over the containers (Docker does the same); any
 *    other type (AAAA, MX...) gets NOERROR with no answers, "NODATA". NXDOMAIN would be
 *    wrong: RFC 2308 lets a client cache it as "this name does not exist", for A too;
 *  - `d.c.b.a.in-addr.arpa` of a known address: PTR `<name>.<network>`;
 *  - unknown, but ours to know (a single label, a name under `.<network>`, a reverse
 *    name inside an attached subnet): NXDOMAIN, authoritative;
 *  - anything else: forwarded when upstream servers exist, else REFUSED (a stub then
 *    tries the next nameserver line of resolv.conf).
 *
 * Left out: IPv6 (AAAA records, ip6.arpa), SRV/service discovery, Docker's per-query
 * view of "only networks shared with the asker" (the resolver serves one container and
 * sees exactly its networks), and negative-answer SOA records (RFC 2308 asks for one to
 * bound negative caching; without it stubs do not cache the NXDOMAIN, which suits
 * containers that come and go).
 * Lab: labs/09-discovery
 */
#pragma once

#include <time.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "minirun/sys/error.hpp"

namespace minirun::network {

/// Docker's TTL for embedded-DNS answers, in seconds.
inline constexpr uint32_t kDnsTtlSeconds = 600;

/// One name -> address fact: `name` (lowercase) resolves to `address` (host byte
/// order) on `network`. The first record of an address also names it for PTR.
struct DnsRecord {
  std::string name;
  uint32_t address = 0;
  std::string network;
};

/// A network the container is attached to. `prefix` 0 means the subnet is unknown
/// (no reverse name is then claimed as ours).
struct DnsNetwork {
  std::string name;
  std::string endpoints_dir;
  uint32_t subnet = 0;
  int prefix = 0;
};

/// The records of one endpoint file's JSON text: Name, each alias and the 12-hex short
/// id, each on `network`. Errors name the field and the file (`shown`).
sys::Result<std::vector<DnsRecord>> parse_endpoint_records(std::string_view json, const std::string& network,
                                                           const std::string& shown);

/// The records of every `*.json` file in `network.endpoints_dir` (sorted by file name);
/// files that fail to parse are skipped, a missing directory has no records.
sys::Result<std::vector<DnsRecord>> load_endpoint_records(const DnsNetwork& network);

/// Answers DNS questions for one container.
class DnsResolver {
 public:
  explicit DnsResolver(std::vector<DnsNetwork> networks);

  /// Reloads every network's records when an endpoints directory's mtime changed since
  /// the last load (one stat per directory). Call once per burst of datagrams.
  void reload_if_changed();

  /// Replaces the records (tests; networks' directories are then not read until one
  /// of their mtimes changes).
  void set_records(std::vector<DnsRecord> records);

  enum class Decision { answer, forward, drop };

  /// Decides the answer to the query in `packet`. Decision::answer: send `answer`.
  /// Decision::forward: send the query upstream (only when `have_upstream`; without
  /// upstreams `answer` holds REFUSED instead). Decision::drop: send nothing.
  Decision resolve(std::span<const uint8_t> packet, bool have_upstream, std::vector<uint8_t>& answer);

  /// Number of distinct names known (each of `name` and `name.network` counts).
  size_t name_count() const { return names_.size(); }

  /// Why the last reload could not read a directory ("" when it could): the monitor
  /// logs it; the resolver goes on with what it could read.
  const std::string& last_reload_error() const { return last_reload_error_; }

 private:
  struct NameEntry {
    std::vector<uint32_t> addresses;
    uint32_t next = 0;  ///< round-robin position
  };

  void index_records(const std::vector<DnsRecord>& records);
  bool is_our_domain(std::string_view name) const;
  bool in_attached_subnet(uint32_t address) const;

  std::vector<DnsNetwork> networks_;
  std::vector<std::optional<timespec>> loaded_mtimes_;  ///< per network; nullopt: missing
  bool must_reload_ = true;
  std::unordered_map<std::string, NameEntry> names_;
  std::unordered_map<uint32_t, std::vector<uint8_t>> reverse_;  ///< address -> PTR rdata
  std::string last_reload_error_;
};

}  // namespace minirun::network
