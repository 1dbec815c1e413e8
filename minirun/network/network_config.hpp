/**
 * @file network_config.hpp
 * @brief What a bridge network *is* (`minirun network inspect`), and one container's
 *        place on it (an *endpoint*), as the files the engine keeps on disk.
 *
 * Docker's single-host networks are all alike underneath: a Linux bridge (a virtual
 * switch, `ip link add type bridge`) with the network's gateway address on it, one
 * subnet to hand addresses out of, and a few nftables rules. So a network is a small
 * record, written once when it is created, to `<data-root>/networks/<id>/network.json`,
 * in the shape `docker network inspect` prints (Name, Id, Driver, IPAM.Config with
 * Subnet and Gateway, Options with the bridge's name), so that the file a learner opens
 * and the command's output are the same thing.
 *
 * An *endpoint* is one container attached to one network: its address, its MAC, the
 * host end of its veth pair, the names other containers may call it by (its name, its
 * `--network-alias`es). Endpoints are files too, one per container in
 * `<network>/endpoints/<container-id>.json`: the embedded DNS server of every container
 * on the network reads that directory to answer names (dns_resolver.hpp), and
 * `network rm` refuses while it is not empty.
 *
 * Reference: `docker network inspect` output; moby api/types/network (Inspect, IPAM,
 * EndpointSettings). Lab: labs/08-networks.
 */
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace minirun::network {

using sys::Error;
using sys::Result;

/// One bridge network, in Docker's inspect shape.
struct NetworkConfig {
  std::string id;       ///< 64 hex characters
  std::string name;     ///< "bridge" for the default network
  std::string created;  ///< RFC 3339
  std::string subnet;   ///< "172.18.0.0/16"
  std::string gateway;  ///< "172.18.0.1": the bridge's own address, the containers' default route
  std::string bridge;   ///< the Linux bridge interface: "minirun0" or "mr-<id12>"
  std::map<std::string, std::string> labels;

  /// The default `bridge` network: no name-based discovery on it (as in Docker, where
  /// the legacy default bridge predates the embedded DNS server).
  bool is_default() const { return name == "bridge"; }

  nlohmann::json to_json() const;
  static Result<NetworkConfig> from_json(const nlohmann::json& j);
};

/// One container on one network (the file `endpoints/<container-id>.json`).
struct Endpoint {
  std::string container_id;
  std::string name;                  ///< the container's name: what DNS answers
  std::vector<std::string> aliases;  ///< --network-alias: more names for the same address
  std::string ipv4;                  ///< "172.18.0.2"
  std::string mac;                   ///< "02:42:ac:12:00:02"
  std::string host_interface;        ///< the veth's host end, "mrv8cd9f216d2"

  nlohmann::json to_json() const;
  static Result<Endpoint> from_json(const nlohmann::json& j);
};

}  // namespace minirun::network
