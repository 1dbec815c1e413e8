/**
 * @file nat_table.hpp
 * @brief The operations `minirun-net` offers, each safe to race and to repeat.
 *
 * nat_rules.hpp writes the commands; this file decides which to run, given what the
 * kernel already holds, so that each operation is right even when two engine commands
 * run at once, and even when a crashed one is cleaned up by running it again:
 * - ensure_base: the table is made by one transaction that starts with `create table`.
 *   If another process won the race, ours fails with EEXIST; since the table only ever
 *   comes into being whole, "it exists now" means "done".
 * - add_network / publish only add set and map *elements*, never rules.
 *   publish uses `create element`: a host port already in the map fails in the kernel,
 *   so two containers cannot both get 8080/tcp, even at the same moment. Every mapping
 *   of one call goes in one transaction: all of them, or none.
 * - remove_network / unpublish first list the set or map (as JSON), then delete only the
 *   elements that are there, because nft 1.0.6 has no `destroy` (a delete of a missing
 *   element fails the whole transaction). A missing table is success: there is nothing
 *   to remove. unpublish deletes a host port only if it still maps to the container
 *   named in the request, so a late cleanup cannot unpublish the next owner's port.
 *
 * What is not atomic: the listing and the delete are two steps; a concurrent remover
 * can delete an element in between, which fails our delete, so it lists again and
 * retries (3 times). The check that a new mapping does not overlap an existing one on
 * another map (every address vs. one address) is also a listing followed by a create;
 * two such publishes at the same instant could both pass it (the exact-key case is
 * always caught by the kernel).
 *
 * Man pages: nft(8) ("SETS", "MAPS", "ELEMENTS"). Docker docs: "Packet filtering and
 * firewalls". Lab: labs/08-networks
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/network/nat_rules.hpp"
#include "minirun/network/nftables.hpp"

namespace minirun::network {

/// The table name minirun uses when no other is given.
inline constexpr std::string_view kDefaultNatTable = "minirun";

/// Does table `ip TABLE` exist?
sys::Result<bool> table_exists(Nftables& nft, std::string_view table);

/// Makes the table with its sets, maps and chains unless it exists.
sys::Result<void> ensure_base(Nftables& nft, std::string_view table);

/// Adds a network's bridge and subnet (ensure_base first). Idempotent.
sys::Result<void> add_network(Nftables& nft, std::string_view table, std::string_view bridge,
                              std::string_view subnet_cidr);

/// Removes a network's elements that exist. Idempotent; a missing table is success.
sys::Result<void> remove_network(Nftables& nft, std::string_view table, std::string_view bridge,
                                 std::string_view subnet_cidr);

/// The elements of one set, spelled as nat_rules.hpp spells them; empty when the table
/// is missing.
sys::Result<std::vector<std::string>> list_set_elements(Nftables& nft, std::string_view table, std::string_view set);

/// Every published mapping (both maps); empty when the table is missing.
sys::Result<std::vector<PortMapping>> list_published(Nftables& nft, std::string_view table);

/// Fills host_port 0 with a random free port (not published, not bound), and checks that
/// every explicit host port is not bound by another program (host_ports.hpp).
sys::Result<std::vector<PortMapping>> assign_host_ports(Nftables& nft, std::string_view table,
                                                        std::vector<PortMapping> mappings);

/// Publishes all of `mappings` or none (ensure_base first). A host port that is
/// published already: "host port 8080/tcp is already published by another container".
sys::Result<void> publish(Nftables& nft, std::string_view table, const std::vector<PortMapping>& mappings);

/// assign_host_ports + publish over one listing of the table (what `minirun-net publish`
/// does: two libnftables commands in all, the listing and the transaction).
sys::Result<std::vector<PortMapping>> publish_assigning(Nftables& nft, std::string_view table,
                                                        std::vector<PortMapping> mappings);

/// The whole table as libnftables' JSON, or nullopt when it does not exist.
sys::Result<std::optional<nlohmann::json>> list_table(Nftables& nft, std::string_view table);

/// Unpublishes those of `mappings` that are published to the same container address
/// and port. Idempotent; a missing table is success.
sys::Result<void> unpublish(Nftables& nft, std::string_view table, const std::vector<PortMapping>& mappings);

/// Deletes the whole table (what a test's or the demo's teardown wants for its own table).
/// A missing table is success.
sys::Result<void> remove_table(Nftables& nft, std::string_view table);

}  // namespace minirun::network
