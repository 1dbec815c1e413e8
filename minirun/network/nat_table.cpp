/**
 * @file nat_table.cpp
 * @brief List, then change only what is needed; see nat_table.hpp.
 */
#include "minirun/network/nat_table.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "minirun/network/host_ports.hpp"
#include "minirun/network/subnet.hpp"

namespace minirun::network {

namespace {

using sys::Error;

std::string table_shown(std::string_view table) { return "nftables table ip " + std::string(table); }

/// How often a delete is retried after losing a race with another remover.
constexpr int kDeleteAttempts = 3;

/// Runs the commands `make` computes from fresh listings, until they succeed or
/// kDeleteAttempts have failed. Nothing to run, or no table, is success.
template <class MakeCommands>
sys::Result<void> delete_listed(Nftables& nft, std::string_view table, MakeCommands make) {
  for (int attempt = 1;; ++attempt) {
    auto exists = table_exists(nft, table);
    if (!exists) return std::move(exists.error());
    if (!*exists) return sys::ok();
    sys::Result<std::string> commands = make();
    if (!commands) return std::move(commands.error());
    if (commands->empty()) return sys::ok();
    auto ran = nft.run(*commands);
    if (ran) return sys::ok();
    if (attempt == kDeleteAttempts) return std::move(ran.error());
  }
}

/// The collision of `m` with one of `published`, as the error a user sees, or "".
std::string collision(const PortMapping& m, const std::vector<PortMapping>& published) {
  for (const auto& p : published) {
    if (!host_ports_collide(m, p)) continue;
    return "host port " + describe_host_port(m) + " is already published by another container (" +
           describe_host_port(p) + " -> " + p.container_ip + ":" + std::to_string(p.container_port) + ")";
  }
  return "";
}

}  // namespace

sys::Result<bool> table_exists(Nftables& nft, std::string_view table) {
  MINIRUN_TRY(check_table_name(table), "nftables");
  auto listing = nft.list_json("list tables ip");
  if (!listing) return std::move(listing.error());
  const auto& items = (*listing)["nftables"];
  if (!items.is_array()) return Error("nft `list tables ip`: no \"nftables\" array in the JSON output");
  for (const auto& item : items)
    if (item.contains("table") && item["table"].value("name", "") == table) return true;
  return false;
}

sys::Result<void> ensure_base(Nftables& nft, std::string_view table) {
  MINIRUN_TRY(check_table_name(table), "nftables");
  auto made = nft.run(nft_create_base(table));
  if (made) return sys::ok();
  // Lost the race to another process, or the table was there already: either way it
  // exists whole, because it is only ever made by this one transaction.
  auto exists = table_exists(nft, table);
  if (exists && *exists) return sys::ok();
  return std::move(made.error()).context("create " + table_shown(table));
}

sys::Result<void> add_network(Nftables& nft, std::string_view table, std::string_view bridge,
                              std::string_view subnet_cidr) {
  MINIRUN_TRY(check_bridge_name(bridge), "add network");
  auto subnet = parse_subnet(subnet_cidr);
  if (!subnet) return std::move(subnet.error()).context("add network " + std::string(bridge));
  MINIRUN_TRY(ensure_base(nft, table), "add network " + std::string(bridge));
  auto added = nft.run(nft_add_network(table, bridge, subnet->to_string()));
  if (!added)
    return std::move(added.error())
        .context("add network " + std::string(bridge) + " (" + subnet->to_string() + ") to " + table_shown(table));
  return sys::ok();
}

sys::Result<std::vector<std::string>> list_set_elements(Nftables& nft, std::string_view table, std::string_view set) {
  auto exists = table_exists(nft, table);
  if (!exists) return std::move(exists.error());
  if (!*exists) return std::vector<std::string>();
  auto listing = nft.list_json("list set ip " + std::string(table) + " " + std::string(set));
  if (!listing) return std::move(listing.error());
  return read_set_elements(*listing, set);
}

sys::Result<void> remove_network(Nftables& nft, std::string_view table, std::string_view bridge,
                                 std::string_view subnet_cidr) {
  MINIRUN_TRY(check_bridge_name(bridge), "remove network");
  auto subnet = parse_subnet(subnet_cidr);
  if (!subnet) return std::move(subnet.error()).context("remove network " + std::string(bridge));
  const std::vector<std::pair<std::string, std::string>> wanted = {
      {"bridges", element_bridge(bridge)},
      {"same_bridge", element_same_bridge(bridge)},
      {"subnets", subnet->to_string()},
  };
  auto removed = delete_listed(nft, table, [&]() -> sys::Result<std::string> {
    std::string commands;
    for (const auto& [set, element] : wanted) {
      auto present = list_set_elements(nft, table, set);
      if (!present) return std::move(present.error());
      if (std::find(present->begin(), present->end(), element) != present->end())
        commands += nft_delete_elements(table, set, {element});
    }
    return commands;
  });
  if (!removed) return std::move(removed.error()).context("remove network " + std::string(bridge));
  return sys::ok();
}

sys::Result<std::optional<nlohmann::json>> list_table(Nftables& nft, std::string_view table) {
  MINIRUN_TRY(check_table_name(table), "nftables");
  // One listing of the whole table: every libnftables command first fills its cache
  // from the kernel, so each command saved is a round of netlink dumps saved.
  auto listing = nft.list_json("list table ip " + std::string(table));
  if (listing) return std::optional<nlohmann::json>(std::move(*listing));
  auto exists = table_exists(nft, table);
  if (exists && !*exists) return std::optional<nlohmann::json>();
  return std::move(listing.error());
}

namespace {

sys::Result<std::vector<PortMapping>> published_in(const std::optional<nlohmann::json>& listing) {
  std::vector<PortMapping> out;
  if (!listing) return out;
  for (std::string_view map : {"published", "published_on"}) {
    auto mappings = read_published_elements(*listing, map);
    if (!mappings) return std::move(mappings.error());
    out.insert(out.end(), mappings->begin(), mappings->end());
  }
  return out;
}

}  // namespace

sys::Result<std::vector<PortMapping>> list_published(Nftables& nft, std::string_view table) {
  auto listing = list_table(nft, table);
  if (!listing) return std::move(listing.error());
  return published_in(*listing);
}

namespace {

/// assign_host_ports over a listing already made.
sys::Result<std::vector<PortMapping>> assign_ports(const std::vector<PortMapping>& published,
                                                   std::vector<PortMapping> mappings);

}  // namespace

sys::Result<std::vector<PortMapping>> assign_host_ports(Nftables& nft, std::string_view table,
                                                        std::vector<PortMapping> mappings) {
  auto published = list_published(nft, table);
  if (!published) return std::move(published.error());
  return assign_ports(*published, std::move(mappings));
}

namespace {

sys::Result<std::vector<PortMapping>> assign_ports(const std::vector<PortMapping>& published,
                                                   std::vector<PortMapping> mappings) {
  const std::vector<PortMapping>* listed = &published;
  std::map<std::string, std::set<uint16_t>> taken;  // protocol -> ports
  for (const auto& p : *listed) taken[p.protocol].insert(p.host_port);
  for (const auto& m : mappings)
    if (m.host_port != 0) taken[m.protocol].insert(m.host_port);
  for (auto& m : mappings) {
    if (m.host_port == 0) {
      auto port = pick_free_host_port(m.protocol, taken[m.protocol]);
      if (!port) return std::move(port.error());
      m.host_port = *port;
      taken[m.protocol].insert(*port);
    } else {
      MINIRUN_TRY(check_host_port_free(m.host_ip, m.host_port, m.protocol), "publish");
    }
  }
  return mappings;
}

/// publish() over a listing already made (nullopt: the table does not exist yet).
sys::Result<void> publish_listed(Nftables& nft, std::string_view table, const std::vector<PortMapping>& mappings,
                                 const std::optional<nlohmann::json>& listing);

}  // namespace

sys::Result<void> publish(Nftables& nft, std::string_view table, const std::vector<PortMapping>& mappings) {
  auto listing = list_table(nft, table);
  if (!listing) return std::move(listing.error()).context("publish");
  return publish_listed(nft, table, mappings, *listing);
}

sys::Result<std::vector<PortMapping>> publish_assigning(Nftables& nft, std::string_view table,
                                                        std::vector<PortMapping> mappings) {
  auto listing = list_table(nft, table);
  if (!listing) return std::move(listing.error()).context("publish");
  auto published = published_in(*listing);
  if (!published) return std::move(published.error()).context("publish");
  auto assigned = assign_ports(*published, std::move(mappings));
  if (!assigned) return std::move(assigned.error());
  MINIRUN_TRY(publish_listed(nft, table, *assigned, *listing), "");
  return assigned;
}

namespace {

sys::Result<void> publish_listed(Nftables& nft, std::string_view table, const std::vector<PortMapping>& mappings,
                                 const std::optional<nlohmann::json>& listing) {
  for (size_t i = 0; i < mappings.size(); ++i) {
    MINIRUN_TRY(check_mapping(mappings[i]), "publish");
    for (size_t j = 0; j < i; ++j)
      if (host_ports_collide(mappings[i], mappings[j]))
        return Error("publish: host port " + describe_host_port(mappings[i]) + " is given twice (" +
                     format_mapping_arg(mappings[j]) + " and " + format_mapping_arg(mappings[i]) + ")");
  }
  if (mappings.empty()) return sys::ok();
  if (!listing) MINIRUN_TRY(ensure_base(nft, table), "publish");
  // The kernel refuses a key that exists; the listing also catches "every address"
  // against "one address" of the same port, which are keys of two different maps.
  auto published = published_in(listing);
  if (!published) return std::move(published.error()).context("publish");
  for (const auto& m : mappings)
    if (auto clash = collision(m, *published); !clash.empty()) return Error(clash);
  auto created = nft.run(nft_publish(table, mappings));
  if (created) return sys::ok();
  // Another publish got in between: name the port it took, if that is what happened.
  auto now = list_published(nft, table);
  if (now)
    for (const auto& m : mappings)
      if (auto clash = collision(m, *now); !clash.empty()) return Error(clash);
  return std::move(created.error()).context("publish in " + table_shown(table));
}

}  // namespace

sys::Result<void> unpublish(Nftables& nft, std::string_view table, const std::vector<PortMapping>& mappings) {
  for (const auto& m : mappings) MINIRUN_TRY(check_mapping(m), "unpublish");
  auto removed = delete_listed(nft, table, [&]() -> sys::Result<std::string> {
    auto published = list_published(nft, table);
    if (!published) return std::move(published.error());
    std::vector<PortMapping> present;
    for (const auto& m : mappings) {
      // Same key and same container: a port that moved on to another container stays.
      for (const auto& p : *published)
        if (p == m) present.push_back(m);
    }
    return nft_unpublish(table, present);
  });
  if (!removed) return std::move(removed.error()).context("unpublish");
  return sys::ok();
}

sys::Result<void> remove_table(Nftables& nft, std::string_view table) {
  auto exists = table_exists(nft, table);
  if (!exists) return std::move(exists.error());
  if (!*exists) return sys::ok();
  auto removed = nft.run("delete table ip " + std::string(table));
  if (removed) return sys::ok();
  auto still = table_exists(nft, table);
  if (still && !*still) return sys::ok();  // another remover was first
  return std::move(removed.error()).context("remove " + table_shown(table));
}

}  // namespace minirun::network
