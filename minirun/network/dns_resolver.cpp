/**
 * @file dns_resolver.cpp
 * @brief Endpoint files -> name and PTR indexes -> decisions; see dns_resolver.hpp.
 */
#include "minirun/network/dns_resolver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "minirun/network/dns_message.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::network {

namespace {

using sys::Error;

/// A directory whose mtime is this close to "now" may still change within the same
/// timestamp tick (file times come from a coarse clock, one jiffy, a few ms), and that
/// change would leave the mtime as it is. Git calls such an index entry "racy"; the fix
/// is the same: do not trust it, look again next time.
constexpr long long kRacyWindowNs = 100'000'000;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// Lowercase, without a trailing dot: the form questions arrive in.
std::string normalize_name(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return lowercase(s);
}

std::optional<uint32_t> parse_address(std::string_view text) {
  // Docker's inspect shows "172.18.0.2/16"; the prefix is not needed here.
  const std::string address(text.substr(0, text.find('/')));
  in_addr parsed{};
  if (::inet_pton(AF_INET, address.c_str(), &parsed) != 1) return std::nullopt;
  return ntohl(parsed.s_addr);
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<timespec> directory_mtime(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st.st_mtim;
}

bool same_time(const std::optional<timespec>& a, const std::optional<timespec>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec);
}

bool is_racy(const std::optional<timespec>& mtime) {
  if (!mtime) return false;
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const long long age_ns = (static_cast<long long>(now.tv_sec) - mtime->tv_sec) * 1'000'000'000LL +
                           (now.tv_nsec - mtime->tv_nsec);
  return age_ns < kRacyWindowNs;
}

/// "d.c.b.a.in-addr.arpa" -> a.b.c.d; nullopt for any other name.
std::optional<uint32_t> parse_reverse_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".in-addr.arpa";
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  std::string_view rest = name.substr(0, name.size() - kSuffix.size());
  uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t dot = rest.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;  // exactly 4 labels
    const std::string_view label = rest.substr(0, dot);
    unsigned octet = 0;
    auto [end, ec] = std::from_chars(label.data(), label.data() + label.size(), octet);
    if (label.empty() || label.size() > 3 || ec != std::errc() || end != label.data() + label.size() || octet > 255) {
      return std::nullopt;
    }
    address |= octet << (8 * i);  // the first label is the last octet
    if (dot != std::string_view::npos) rest = rest.substr(dot + 1);
  }
  return address;
}

}  // namespace

sys::Result<std::vector<DnsRecord>> parse_endpoint_records(std::string_view json, const std::string& network,
                                                           const std::string& shown) {
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Error("endpoint file `" + shown + "`: not a JSON object");
  auto string_field = [&](const char* key) -> sys::Result<std::string> {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_string() || it->get<std::string>().empty()) {
      return Error("endpoint file `" + shown + "`: field `" + key + "` must be a non-empty string");
    }
    return it->get<std::string>();
  };
  auto name = string_field("Name");
  if (!name) return std::move(name.error());
  auto id = string_field("ContainerID");
  if (!id) return std::move(id.error());
  auto address_text = string_field("IPv4Address");
  if (!address_text) return std::move(address_text.error());

  const std::string container_id = lowercase(*id);
  if (container_id.size() != 64 || !is_hex(container_id)) {
    return Error("endpoint file `" + shown + "`: `ContainerID` `" + *id + "` is not 64 hex digits");
  }
  auto address = parse_address(*address_text);
  if (!address) {
    return Error("endpoint file `" + shown + "`: `IPv4Address` `" + *address_text +
                 "` is not an IPv4 address like 172.18.0.2");
  }
  // The Name first: the first record of an address is the one PTR answers with.
  std::vector<DnsRecord> records{{normalize_name(*name), *address, network}};
  if (auto aliases = doc.find("Aliases"); aliases != doc.end() && !aliases->is_null()) {
    if (!aliases->is_array()) return Error("endpoint file `" + shown + "`: `Aliases` must be an array of strings");
    for (const auto& alias : *aliases) {
      if (!alias.is_string() || alias.get<std::string>().empty()) {
        return Error("endpoint file `" + shown + "`: `Aliases` must hold non-empty strings");
      }
      records.push_back({normalize_name(alias.get<std::string>()), *address, network});
    }
  }
  records.push_back({container_id.substr(0, 12), *address, network});
  return records;
}

sys::Result<std::vector<DnsRecord>> load_endpoint_records(const DnsNetwork& network) {
  std::vector<DnsRecord> records;
  auto dir = sys::open_file(network.endpoints_dir, O_RDONLY | O_DIRECTORY);
  if (!dir) {
    if (dir.error().code() == ENOENT) return records;  // the network has no endpoints (yet, or any more)
    return std::move(dir.error()).context("read endpoints of network `" + network.name + "`");
  }
  auto names = sys::list_directory(dir->get(), network.endpoints_dir);
  if (!names) return std::move(names.error()).context("read endpoints of network `" + network.name + "`");
  const std::string domain = lowercase(network.name);
  for (const std::string& file : *names) {
    if (!file.ends_with(".json")) continue;  // also skips write_file_atomic's temporaries
    const std::string path = network.endpoints_dir + "/" + file;
    auto text = sys::read_file(path);
    if (!text) continue;  // removed since the listing
    auto parsed = parse_endpoint_records(*text, domain, path);
    if (!parsed) continue;  // a broken file hides one container, not the whole network
    records.insert(records.end(), parsed->begin(), parsed->end());
  }
  return records;
}

DnsResolver::DnsResolver(std::vector<DnsNetwork> networks)
    : networks_(std::move(networks)), loaded_mtimes_(networks_.size()) {}

void DnsResolver::reload_if_changed() {
  std::vector<std::optional<timespec>> mtimes;
  mtimes.reserve(networks_.size());
  bool changed = must_reload_;
  for (size_t i = 0; i < networks_.size(); ++i) {
    mtimes.push_back(directory_mtime(networks_[i].endpoints_dir));
    if (!same_time(mtimes[i], loaded_mtimes_[i])) changed = true;
  }
  if (!changed) return;

  // The mtimes are taken before the files are read: a change in between is then seen
  // as a change next time, never lost.
  std::vector<DnsRecord> records;
  last_reload_error_.clear();
  must_reload_ = false;
  for (size_t i = 0; i < networks_.size(); ++i) {
    auto loaded = load_endpoint_records(networks_[i]);
    if (!loaded) {
      last_reload_error_ = loaded.error().what();
      must_reload_ = true;  // try again on the next burst
      continue;
    }
    records.insert(records.end(), loaded->begin(), loaded->end());
    if (is_racy(mtimes[i])) must_reload_ = true;
  }
  loaded_mtimes_ = std::move(mtimes);
  index_records(records);
}

void DnsResolver::set_records(std::vector<DnsRecord> records) {
  for (DnsRecord& record : records) {
    record.name = normalize_name(record.name);
    record.network = lowercase(record.network);
  }
  for (size_t i = 0; i < networks_.size(); ++i) loaded_mtimes_[i] = directory_mtime(networks_[i].endpoints_dir);
  must_reload_ = false;
  index_records(records);
}

void DnsResolver::index_records(const std::vector<DnsRecord>& records) {
  names_.clear();
  reverse_.clear();
  auto add = [&](const std::string& key, uint32_t address) {
    auto& addresses = names_[key].addresses;
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) addresses.push_back(address);
  };
  for (const DnsRecord& record : records) {
    add(record.name, record.address);
    add(record.name + "." + record.network, record.address);
    if (!reverse_.contains(record.address)) {
      auto rdata = encode_dns_name(record.name + "." + record.network);
      if (rdata) reverse_.emplace(record.address, std::move(*rdata));  // a name too long for DNS gets no PTR
    }
  }
}

bool DnsResolver::is_our_domain(std::string_view name) const {
  if (name.find('.') == std::string_view::npos) return true;  // a single label: a container name or nothing
  for (const DnsNetwork& network : networks_) {
    const std::string domain = "." + lowercase(network.name);
    if (name.ends_with(domain)) return true;
  }
  return false;
}

bool DnsResolver::in_attached_subnet(uint32_t address) const {
  for (const DnsNetwork& network : networks_) {
    if (network.prefix <= 0 || network.prefix > 32) continue;
    const uint32_t mask = network.prefix == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> network.prefix);
    if ((address & mask) == (network.subnet & mask)) return true;
  }
  return false;
}

DnsResolver::Decision DnsResolver::resolve(std::span<const uint8_t> packet, bool have_upstream,
                                           std::vector<uint8_t>& answer) {
  answer.clear();
  auto header = parse_dns_header(packet);
  if (!header) return Decision::drop;  // no id to answer to
  if (header->flags & kDnsFlagResponse) return Decision::drop;

  DnsQuery query;
  query.id = header->id;
  query.flags = header->flags;
  auto reply = [&](DnsRcode rcode, const std::vector<DnsAnswer>& answers, bool authoritative) {
    answer = build_dns_response(packet, query, rcode, answers, authoritative, have_upstream);
    return Decision::answer;
  };
  auto forward_or_refuse = [&] {
    if (have_upstream) return Decision::forward;
    return reply(DnsRcode::refused, {}, false);
  };

  if (dns_opcode(header->flags) != 0) return reply(DnsRcode::not_implemented, {}, false);
  auto parsed = parse_dns_query(packet);
  if (!parsed) return reply(DnsRcode::format_error, {}, false);
  query = std::move(*parsed);
  if (query.question.qclass != kDnsClassIn) return reply(DnsRcode::refused, {}, false);

  const std::string& name = query.question.name;
  const uint16_t type = query.question.type;
  if (auto found = names_.find(name); found != names_.end()) {
    if (type != kDnsTypeA && type != kDnsTypeAny) return reply(DnsRcode::no_error, {}, true);  // NODATA
    NameEntry& entry = found->second;
    const size_t count = entry.addresses.size();
    const size_t first = entry.next++ % count;
    std::vector<DnsAnswer> answers;
    answers.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      answers.push_back({kDnsTypeA, kDnsTtlSeconds, encode_a_rdata(entry.addresses[(first + i) % count])});
    }
    return reply(DnsRcode::no_error, answers, true);
  }
  if (auto address = parse_reverse_name(name)) {
    if (auto found = reverse_.find(*address); found != reverse_.end()) {
      if (type != kDnsTypePtr && type != kDnsTypeAny) return reply(DnsRcode::no_error, {}, true);  // NODATA
      return reply(DnsRcode::no_error, {{kDnsTypePtr, kDnsTtlSeconds, found->second}}, true);
    }
    if (in_attached_subnet(*address)) return reply(DnsRcode::name_error, {}, true);
    return forward_or_refuse();
  }
  if (!name.empty() && is_our_domain(name)) return reply(DnsRcode::name_error, {}, true);
  return forward_or_refuse();
}

}  // namespace minirun::network
