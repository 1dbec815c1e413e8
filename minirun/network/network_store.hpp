/**
 * @file network_store.hpp
 * @brief `minirun network create/ls/inspect/rm/connect/disconnect`: networks on disk and
 *        the kernel objects that go with them.
 *
 * A network lives in three places at once, and this file keeps them in step:
 *  - on disk, under `<data-root>/networks/<id>/`: `network.json` (what it is),
 *    `leases/` (which addresses are taken, ipam.hpp) and `endpoints/` (which containers are
 *    attached, under which names);
 *  - in the kernel: a bridge interface with the gateway address on it (bridge.hpp);
 *  - in the nftables table `minirun`: its bridge and subnet in the sets that the masquerade
 *    and isolation rules match (nat_rules.hpp, applied by `minirun-net`).
 *
 * Creating one checks before it makes anything: a valid name nobody uses, a subnet that
 * overlaps no other network and no route of the host (else containers could not reach
 * whatever that route leads to), a gateway inside it. It then writes the directory and
 * brings up the kernel side; if that fails, it takes everything down again, so a failed
 * `network create` leaves nothing behind. Removing one refuses while containers are
 * attached, as Docker does.
 *
 * The default network `bridge` is made on first use. Its bridge is `minirun0` (Docker's
 * `docker0`) for the default data root; any other data root (the kit's tests, a simulated
 * node) gets `mr-<id12>` like user networks, so two data roots never fight over a name.
 *
 * All changes run under one lock file (`networks/.lock`): the overlap check and the
 * create, or the "no endpoints" check and the remove, must not interleave with another
 * command's. Lab: labs/08-networks.
 */
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "minirun/network/net_plugin.hpp"
#include "minirun/network/network_config.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::network {

/// `minirun network create` flags.
struct NetworkRequest {
  std::string name;
  std::string subnet;   ///< "" = the next free default pool
  std::string gateway;  ///< "" = the subnet's first address
  std::map<std::string, std::string> labels;
};

/// What `connect` needs to know about the container.
struct EndpointRequest {
  std::string container_id;
  std::string name;
  std::vector<std::string> aliases;
  std::string ipv4;  ///< --ip; "" = the next free address
};

/// The data root the engine uses when no --data-root is given.
inline constexpr const char* kDefaultDataRoot = "/var/lib/minirun";

class NetworkStore {
 public:
  NetworkStore(std::string data_root, NetPlugin plugin);

  std::string root() const { return root_; }
  std::string dir(const std::string& id) const { return root_ + "/" + id; }
  std::string leases_dir(const std::string& id) const { return dir(id) + "/leases"; }
  std::string endpoints_dir(const std::string& id) const { return dir(id) + "/endpoints"; }
  /// The names the embedded DNS servers answer: one file per *running* container
  /// (an endpoint's lease lasts until `rm`; its name only while it runs, as in Docker).
  std::string names_dir(const std::string& id) const { return dir(id) + "/names"; }

  Result<NetworkConfig> create(const NetworkRequest& request);
  /// The default `bridge` network, created if it does not exist yet.
  Result<NetworkConfig> ensure_default();
  /// By exact name, full id, or unique id prefix.
  Result<NetworkConfig> find(const std::string& name_or_id) const;
  /// Every network, sorted by name.
  std::vector<NetworkConfig> list() const;
  /// Refuses while containers are attached, and for the default network.
  Result<void> remove(const std::string& name_or_id);
  /// `network prune`: removes every network no container is attached to, the default one
  /// included (it is made again on first use); returns their names.
  Result<std::vector<std::string>> prune();

  Result<std::vector<Endpoint>> endpoints(const NetworkConfig& network) const;
  /// Leases an address and records the endpoint; the veth is made later, at each start.
  Result<Endpoint> connect(const NetworkConfig& network, const EndpointRequest& request);
  /// Releases the address and forgets the endpoint; succeeds if it is gone already.
  Result<void> disconnect(const NetworkConfig& network, const std::string& container_id);

  /// A container's names on a network become answerable (at each start) or stop being
  /// so (at its exit); both succeed if the network is gone.
  Result<void> publish_names(const std::string& network_id, const Endpoint& endpoint) const;
  void withdraw_names(const std::string& network_id, const std::string& container_id) const;

  /// Makes sure the bridge and the firewall rules exist (after a reboot they do not).
  Result<void> bring_up(const NetworkConfig& network) const;

  const NetPlugin& plugin() const { return plugin_; }

  /// The host end of a container's veth on a network: "mrv" + 8 hex of the container id
  /// + 4 of the network id (15 bytes, the kernel's limit; one per pair).
  static std::string host_interface(const std::string& container_id, const std::string& network_id);

 private:
  Result<sys::UniqueFd> lock() const;
  Result<NetworkConfig> create_locked(const NetworkRequest& request);
  Result<NetworkConfig> find_locked(const std::string& name_or_id) const;
  Result<void> remove_locked(const NetworkConfig& network);

  std::string data_root_;
  std::string root_;
  NetPlugin plugin_;
};

}  // namespace minirun::network
