/**
 * @file subnet.cpp
 * @brief IPv4 address and subnet arithmetic; see subnet.hpp.
 */
#include "minirun/network/subnet.hpp"

#include <charconv>
#include <cstdio>

namespace minirun::network {

namespace {

using sys::Error;

/// Parses a decimal number made only of digits, without a sign, spaces or leading
/// zeros ("0" itself is fine). Returns false when `text` is anything else.
bool parse_decimal(std::string_view text, unsigned& value) {
  if (text.empty() || text.size() > 3) return false;
  if (text.size() > 1 && text.front() == '0') return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  std::from_chars(text.data(), text.data() + text.size(), value);
  return true;
}

/// The reason `text` is not a dotted quad, or an empty string when it is one.
std::string check_dotted_quad(std::string_view text, Ipv4& address) {
  address = 0;
  int parts = 0;
  size_t start = 0;
  for (;;) {
    size_t dot = text.find('.', start);
    std::string_view part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (++parts > 4) return "it has more than four parts";
    unsigned value = 0;
    if (!parse_decimal(part, value)) {
      return "part `" + std::string(part) + "` is not a decimal number 0-255 (no signs, spaces or leading zeros)";
    }
    if (value > 255) return "part `" + std::string(part) + "` is greater than 255";
    address = (address << 8) | value;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts != 4) return "it has " + std::to_string(parts) + " parts, not four";
  return {};
}

}  // namespace

sys::Result<Ipv4> parse_ipv4(std::string_view text) {
  Ipv4 address = 0;
  std::string reason = check_dotted_quad(text, address);
  if (!reason.empty()) {
    return Error("invalid IPv4 address `" + std::string(text) + "`: " + reason +
                 "; write four numbers 0-255 separated by dots, like 172.18.0.2");
  }
  return address;
}

std::string format_ipv4(Ipv4 address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

// A prefix of 0 would make the shift below 32 bits wide, which C++ leaves undefined;
// parse_subnet never makes one, but a default-constructed Subnet has it.
Ipv4 Subnet::netmask() const { return prefix <= 0 ? 0 : ~Ipv4{0} << (32 - prefix); }

Ipv4 Subnet::broadcast() const { return network | ~netmask(); }

bool Subnet::contains(Ipv4 address) const { return (address & netmask()) == network; }

// Two CIDR blocks are either disjoint or one holds the other, so it is enough to ask
// whether either one holds the other's first address.
bool Subnet::overlaps(const Subnet& other) const { return contains(other.network) || other.contains(network); }

Ipv4 Subnet::first_host() const { return network + 1; }

uint64_t Subnet::size() const { return uint64_t{1} << (32 - prefix); }

std::string Subnet::to_string() const { return format_ipv4(network) + "/" + std::to_string(prefix); }

sys::Result<Subnet> parse_subnet(std::string_view cidr) {
  const std::string shown(cidr);
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) {
    return Error("invalid subnet `" + shown + "`: expected CIDR notation address/prefix, like 172.18.0.0/16");
  }
  auto address = parse_ipv4(cidr.substr(0, slash));
  if (!address) return std::move(address.error()).context("invalid subnet `" + shown + "`");

  std::string_view prefix_text = cidr.substr(slash + 1);
  unsigned prefix = 0;
  if (!parse_decimal(prefix_text, prefix)) {
    return Error("invalid subnet `" + shown + "`: the prefix length `" + std::string(prefix_text) +
                 "` after `/` is not a number");
  }
  // /31 and /32 leave no address for a container once the gateway has one; anything
  // wider than /8 would cover other people's networks.
  if (prefix < 8 || prefix > 30) {
    return Error("invalid subnet `" + shown + "`: prefix /" + std::to_string(prefix) +
                 " is outside 8..30 (a bridge network needs room for a gateway and at least one container)");
  }
  Subnet subnet{*address, static_cast<int>(prefix)};
  subnet.network = *address & subnet.netmask();
  if (subnet.network != *address) {
    return Error("invalid subnet " + shown + ": did you mean " + subnet.to_string() + "?");
  }
  return subnet;
}

std::vector<Subnet> default_address_pools() {
  std::vector<Subnet> pools;
  for (Ipv4 second = 17; second <= 31; ++second) pools.push_back({(172u << 24) | (second << 16), 16});
  for (Ipv4 third = 0; third <= 240; third += 16) pools.push_back({(192u << 24) | (168u << 16) | (third << 8), 20});
  return pools;
}

sys::Result<Subnet> pick_free_subnet(const std::vector<Subnet>& taken) {
  for (const Subnet& candidate : default_address_pools()) {
    bool free = true;
    for (const Subnet& used : taken) {
      if (candidate.overlaps(used)) {
        free = false;
        break;
      }
    }
    if (free) return candidate;
  }
  return Error("all default address pools are in use; pass --subnet");
}

std::string mac_for_address(Ipv4 address) {
  char text[18];
  std::snprintf(text, sizeof text, "02:42:%02x:%02x:%02x:%02x", address >> 24, (address >> 16) & 0xff,
                (address >> 8) & 0xff, address & 0xff);
  return text;
}

std::string reverse_dns_name(Ipv4 address) {
  return std::to_string(address & 0xff) + "." + std::to_string((address >> 8) & 0xff) + "." +
         std::to_string((address >> 16) & 0xff) + "." + std::to_string(address >> 24) + ".in-addr.arpa";
}

}  // namespace minirun::network
