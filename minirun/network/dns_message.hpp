/**
 * @file dns_message.hpp
 * @brief Reading and writing DNS messages on the wire (RFC 1035 section 4).
 *
 * Every DNS message, query or response, has the same shape: a 12-byte header (an id,
 * a 16-bit flags word, four section counts), then the question section, then answer,
 * authority and additional records. A name on the wire is a run of labels, each a
 * length byte (at most 63) and that many bytes, ended by a zero byte; to save space a
 * name may end instead with a two-byte *compression pointer* (top bits `11`) to an
 * earlier name in the same message (RFC 1035 4.1.4).
 *
 * Pointers are where parsers get hurt: a pointer to itself, two pointers to each other,
 * or one past the end of the packet turn a naive loop into a hang or an out-of-bounds
 * read, and any process on the network can send such a packet. This reader accepts a
 * pointer only if it jumps strictly backwards, before where the current run of labels
 * began, so every jump makes progress and a loop cannot exist; it also checks every
 * length against the packet, refuses the reserved label types (`01`, `10`, which is also
 * how a "label of 64 bytes or more" shows up) and names longer than 255 bytes.
 *
 * What the embedded resolver needs is small: one question in, a response out that
 * echoes the question byte for byte (letter case included: some clients randomize it,
 * "0x20 encoding", and check it comes back) and whose answers point back at that
 * question's name. Labels holding a `.` byte are refused: in the text form used for
 * lookups they would be indistinguishable from two labels.
 *
 * Left out: EDNS0 (RFC 6891; an OPT record in the additional section is skipped, not
 * echoed, so replies keep the classic 512-byte limit), DNSSEC, TCP framing, and every
 * record type but A and PTR.
 *
 * See RFC 1035 (format), RFC 2308 (NODATA vs NXDOMAIN), resolv.conf(5).
 * Lab: labs/09-discovery
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"

namespace minirun::network {

/// Record types and the one class this resolver knows (RFC 1035 3.2.2, RFC 3596).
inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypePtr = 12;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint16_t kDnsTypeAny = 255;
inline constexpr uint16_t kDnsClassIn = 1;

/// Bits of the header's flags word (RFC 1035 4.1.1).
inline constexpr uint16_t kDnsFlagResponse = 0x8000;            ///< QR
inline constexpr uint16_t kDnsFlagAuthoritative = 0x0400;       ///< AA
inline constexpr uint16_t kDnsFlagTruncated = 0x0200;           ///< TC
inline constexpr uint16_t kDnsFlagRecursionDesired = 0x0100;    ///< RD
inline constexpr uint16_t kDnsFlagRecursionAvailable = 0x0080;  ///< RA

/// Size of the fixed header, and of a UDP message without EDNS0 (RFC 1035 4.2.1).
inline constexpr size_t kDnsHeaderSize = 12;
inline constexpr size_t kDnsMaxUdpSize = 512;

/// The OPCODE field (4 bits); 0 is a standard QUERY.
inline constexpr int dns_opcode(uint16_t flags) { return (flags >> 11) & 0xF; }

/// The fixed 12-byte header.
struct DnsHeader {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint16_t question_count = 0;
  uint16_t answer_count = 0;
  uint16_t authority_count = 0;
  uint16_t additional_count = 0;
};

/// One question: name lowercased, without the trailing dot ("" is the root).
struct DnsQuestion {
  std::string name;
  uint16_t type = 0;
  uint16_t qclass = 0;
};

/// A parsed query. `question_end` is the offset just past the question in the packet
/// (the response copies bytes [12, question_end)); 0 means "no question to echo".
struct DnsQuery {
  uint16_t id = 0;
  uint16_t flags = 0;
  DnsQuestion question;
  size_t question_end = 0;
};

/// RCODE values (RFC 1035 4.1.1).
enum class DnsRcode : uint8_t {
  no_error = 0,
  format_error = 1,
  server_failure = 2,
  name_error = 3,  ///< NXDOMAIN
  not_implemented = 4,
  refused = 5,
};

/// One answer record; its owner name is always the question's (a pointer to offset 12).
struct DnsAnswer {
  uint16_t type;
  uint32_t ttl;
  std::vector<uint8_t> rdata;  ///< already encoded
};

/// Reads the 12-byte header; fails only when the packet is shorter than that.
sys::Result<DnsHeader> parse_dns_header(std::span<const uint8_t> packet);

/// Reads the header and the single question of a query. Fails (the caller answers
/// FORMERR) on QDCOUNT other than 1, a truncated question, a bad or looping compression
/// pointer, a label over 63 bytes, a name over 255 bytes. Records after the question
/// (an EDNS0 OPT, say) are not looked at.
sys::Result<DnsQuery> parse_dns_query(std::span<const uint8_t> packet);

/// Builds the response to `query_packet`: QR set, id and opcode and RD copied, AA and RA
/// as asked, the question echoed (when q.question_end > 0), then `answers`. Answers
/// that would push the message past 512 bytes are left out (see dns_message.cpp).
std::vector<uint8_t> build_dns_response(std::span<const uint8_t> query_packet, const DnsQuery& q, DnsRcode rcode,
                                        const std::vector<DnsAnswer>& answers, bool authoritative,
                                        bool recursion_available);

/// The 4 bytes of an A record's rdata: `address` (host byte order) in network order.
std::vector<uint8_t> encode_a_rdata(uint32_t address);

/// `name` ("web.frontend", trailing dot optional) as uncompressed wire labels: PTR
/// rdata, or a question name. Fails on an empty label, a label over 63 bytes, a name
/// over 255 bytes.
sys::Result<std::vector<uint8_t>> encode_dns_name(std::string_view name);

/// A query for `name`/`type` in class IN, with RD set when `recursion_desired`: what a
/// stub resolver sends (tests, the benchmark).
sys::Result<std::vector<uint8_t>> build_dns_query(uint16_t id, std::string_view name, uint16_t type,
                                                  bool recursion_desired = true);

/// A response read back: header, question, and the answer section (owner names are not
/// kept; PTR rdata is returned as the name it encodes, in `ptr_name`).
struct DnsParsedAnswer {
  uint16_t type = 0;
  uint16_t qclass = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
  std::string ptr_name;  ///< decoded for PTR records, else empty
};
struct DnsResponse {
  DnsHeader header;
  DnsQuestion question;  ///< empty name and type 0 when QDCOUNT is 0
  std::vector<DnsParsedAnswer> answers;
  DnsRcode rcode() const { return static_cast<DnsRcode>(header.flags & 0xF); }
};

/// Reads a response (at most one question). Used by the tests, the benchmark and the
/// forwarder, which checks that an upstream reply answers the question it asked.
sys::Result<DnsResponse> parse_dns_response(std::span<const uint8_t> packet);

}  // namespace minirun::network
