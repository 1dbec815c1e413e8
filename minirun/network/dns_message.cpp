/**
 * @file dns_message.cpp
 * @brief The DNS wire format, bounds-checked at every byte; see dns_message.hpp.
 */
#include "minirun/network/dns_message.hpp"

namespace minirun::network {

namespace {

using sys::Error;

/// Names on the wire are at most 255 bytes, labels at most 63 (RFC 1035 2.3.4).
constexpr size_t kMaxNameWireLength = 255;
constexpr size_t kMaxLabelLength = 63;

uint16_t read16(std::span<const uint8_t> p, size_t at) { return static_cast<uint16_t>(p[at] << 8 | p[at + 1]); }

uint32_t read32(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint32_t>(p[at]) << 24 | static_cast<uint32_t>(p[at + 1]) << 16 |
         static_cast<uint32_t>(p[at + 2]) << 8 | p[at + 3];
}

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}

std::string at_offset(size_t offset) { return " at offset " + std::to_string(offset); }

/// Reads the name starting at `offset` into `name` (lowercased, labels joined by '.',
/// no trailing dot). Returns the offset just past the name *where it started*: after
/// its zero byte, or after the first compression pointer.
///
/// Loop safety: a pointer must jump to before `run_start`, the offset where the labels
/// being read began. Each jump therefore lowers run_start, which cannot go on forever.
/// Pointers into the 12-byte header are refused too: there is no name there.
sys::Result<size_t> read_name(std::span<const uint8_t> p, size_t offset, std::string& name) {
  name.clear();
  size_t pos = offset;
  size_t run_start = offset;
  size_t end = 0;  // set at the first pointer, or at the final zero byte
  size_t wire_length = 0;
  for (;;) {
    if (pos >= p.size()) return Error("DNS name" + at_offset(offset) + " runs past the end of the packet");
    const uint8_t length = p[pos];
    if ((length & 0xC0) == 0xC0) {
      if (pos + 1 >= p.size()) return Error("DNS compression pointer" + at_offset(pos) + " is cut off");
      const size_t target = static_cast<size_t>(length & 0x3F) << 8 | p[pos + 1];
      if (target >= run_start || target < kDnsHeaderSize) {
        return Error("DNS compression pointer" + at_offset(pos) + " to offset " + std::to_string(target) +
                     " does not point back to an earlier name (a loop or out of bounds)");
      }
      if (end == 0) end = pos + 2;
      pos = run_start = target;
      continue;
    }
    if (length > kMaxLabelLength) {
      return Error("DNS label" + at_offset(pos) + " has length byte " + std::to_string(length) +
                   ": labels are at most 63 bytes (64-191 are reserved label types)");
    }
    wire_length += length + 1u;
    if (wire_length > kMaxNameWireLength) {
      return Error("DNS name" + at_offset(offset) + " is longer than 255 bytes");
    }
    if (length == 0) return end == 0 ? pos + 1 : end;
    if (pos + 1 + length > p.size()) return Error("DNS label" + at_offset(pos) + " runs past the end of the packet");
    if (!name.empty()) name += '.';
    for (size_t i = pos + 1; i <= pos + length; ++i) {
      char c = static_cast<char>(p[i]);
      if (c == '.') return Error("DNS label" + at_offset(pos) + " contains a `.` byte, which this resolver refuses");
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      name += c;
    }
    pos += 1 + length;
  }
}

/// Reads a question (name, type, class) at `offset`; returns the offset past it.
sys::Result<size_t> read_question(std::span<const uint8_t> p, size_t offset, DnsQuestion& question) {
  auto name_end = read_name(p, offset, question.name);
  if (!name_end) return std::move(name_end.error()).context("question");
  if (*name_end + 4 > p.size()) return Error("DNS question: type and class run past the end of the packet");
  question.type = read16(p, *name_end);
  question.qclass = read16(p, *name_end + 2);
  return *name_end + 4;
}

}  // namespace

sys::Result<DnsHeader> parse_dns_header(std::span<const uint8_t> packet) {
  if (packet.size() < kDnsHeaderSize) {
    return Error("DNS packet of " + std::to_string(packet.size()) + " bytes is shorter than the 12-byte header");
  }
  DnsHeader h;
  h.id = read16(packet, 0);
  h.flags = read16(packet, 2);
  h.question_count = read16(packet, 4);
  h.answer_count = read16(packet, 6);
  h.authority_count = read16(packet, 8);
  h.additional_count = read16(packet, 10);
  return h;
}

sys::Result<DnsQuery> parse_dns_query(std::span<const uint8_t> packet) {
  auto header = parse_dns_header(packet);
  if (!header) return std::move(header.error());
  if (header->question_count != 1) {
    return Error("DNS query has " + std::to_string(header->question_count) + " questions; exactly 1 is supported");
  }
  DnsQuery query;
  query.id = header->id;
  query.flags = header->flags;
  auto end = read_question(packet, kDnsHeaderSize, query.question);
  if (!end) return std::move(end.error());
  query.question_end = *end;
  return query;
}

std::vector<uint8_t> build_dns_response(std::span<const uint8_t> query_packet, const DnsQuery& q, DnsRcode rcode,
                                        const std::vector<DnsAnswer>& answers, bool authoritative,
                                        bool recursion_available) {
  const bool has_question = q.question_end > kDnsHeaderSize && q.question_end <= query_packet.size();
  uint16_t flags = kDnsFlagResponse | (q.flags & (0x7800 | kDnsFlagRecursionDesired)) | static_cast<uint16_t>(rcode);
  if (authoritative) flags |= kDnsFlagAuthoritative;
  if (recursion_available) flags |= kDnsFlagRecursionAvailable;

  std::vector<uint8_t> out;
  out.reserve(kDnsMaxUdpSize);
  put16(out, q.id);
  put16(out, flags);
  put16(out, has_question ? 1 : 0);
  put16(out, 0);  // answer count, filled in below
  put16(out, 0);
  put16(out, 0);
  if (!has_question) return out;
  // Copied, not re-encoded: the client's letter case comes back, and any compression
  // pointer inside the question still points at the same offsets.
  out.insert(out.end(), query_packet.begin() + kDnsHeaderSize, query_packet.begin() + q.question_end);

  uint16_t added = 0;
  for (const DnsAnswer& answer : answers) {
    // Without EDNS0 a UDP reply must fit in 512 bytes. Records that do not fit are left
    // out and TC is *not* set: TC tells the client to retry over TCP, and this server
    // has no TCP listener, so a truncated (rotated) address list serves it better.
    if (out.size() + 12 + answer.rdata.size() > kDnsMaxUdpSize) break;
    put16(out, 0xC000 | kDnsHeaderSize);  // owner name: pointer to the question's name
    put16(out, answer.type);
    put16(out, kDnsClassIn);
    put32(out, answer.ttl);
    put16(out, static_cast<uint16_t>(answer.rdata.size()));
    out.insert(out.end(), answer.rdata.begin(), answer.rdata.end());
    ++added;
  }
  out[6] = static_cast<uint8_t>(added >> 8);
  out[7] = static_cast<uint8_t>(added);
  return out;
}

std::vector<uint8_t> encode_a_rdata(uint32_t address) {
  return {static_cast<uint8_t>(address >> 24), static_cast<uint8_t>(address >> 16),
          static_cast<uint8_t>(address >> 8), static_cast<uint8_t>(address)};
}

sys::Result<std::vector<uint8_t>> encode_dns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::vector<uint8_t> out;
  while (!name.empty()) {
    const size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty()) return Error("DNS name `" + std::string(name) + "` has an empty label (two dots in a row?)");
    if (label.size() > kMaxLabelLength) {
      return Error("DNS label `" + std::string(label) + "` is " + std::to_string(label.size()) +
                   " bytes; labels are at most 63");
    }
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  out.push_back(0);
  if (out.size() > kMaxNameWireLength) return Error("DNS name is longer than 255 bytes on the wire");
  return out;
}

sys::Result<std::vector<uint8_t>> build_dns_query(uint16_t id, std::string_view name, uint16_t type,
                                                  bool recursion_desired) {
  auto encoded = encode_dns_name(name);
  if (!encoded) return std::move(encoded.error()).context("DNS query for `" + std::string(name) + "`");
  std::vector<uint8_t> out;
  put16(out, id);
  put16(out, recursion_desired ? kDnsFlagRecursionDesired : 0);
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  out.insert(out.end(), encoded->begin(), encoded->end());
  put16(out, type);
  put16(out, kDnsClassIn);
  return out;
}

sys::Result<DnsResponse> parse_dns_response(std::span<const uint8_t> packet) {
  auto header = parse_dns_header(packet);
  if (!header) return std::move(header.error());
  DnsResponse response;
  response.header = *header;
  if (header->question_count > 1) {
    return Error("DNS response has " + std::to_string(header->question_count) + " questions; at most 1 is supported");
  }
  size_t pos = kDnsHeaderSize;
  if (header->question_count == 1) {
    auto end = read_question(packet, pos, response.question);
    if (!end) return std::move(end.error());
    pos = *end;
  }
  for (uint16_t i = 0; i < header->answer_count; ++i) {
    std::string owner;
    auto name_end = read_name(packet, pos, owner);
    if (!name_end) return std::move(name_end.error()).context("answer " + std::to_string(i + 1));
    pos = *name_end;
    if (pos + 10 > packet.size()) return Error("DNS answer " + std::to_string(i + 1) + " is cut off");
    DnsParsedAnswer answer;
    answer.type = read16(packet, pos);
    answer.qclass = read16(packet, pos + 2);
    answer.ttl = read32(packet, pos + 4);
    const size_t length = read16(packet, pos + 8);
    pos += 10;
    if (pos + length > packet.size()) {
      return Error("DNS answer " + std::to_string(i + 1) + ": rdata runs past the end of the packet");
    }
    answer.rdata.assign(packet.begin() + pos, packet.begin() + pos + length);
    if (answer.type == kDnsTypePtr) {
      auto ptr_end = read_name(packet, pos, answer.ptr_name);
      if (!ptr_end) return std::move(ptr_end.error()).context("PTR answer " + std::to_string(i + 1));
    }
    pos += length;
    response.answers.push_back(std::move(answer));
  }
  return response;
}

}  // namespace minirun::network
