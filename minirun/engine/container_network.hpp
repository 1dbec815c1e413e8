/**
 * @file container_network.hpp
 * @brief A container's networking through its life: `--network`, `-p`, `--dns` and
 *        `--add-host` from create to rm.
 *
 * Docker's `--network` has five meanings, and each decides who makes the container's
 * network namespace and what is in it:
 *  - `bridge` (the default) or a network's name: a namespace of its own, plugged into
 *    that network's bridge by a veth pair, with an address from the network's IPAM;
 *  - `none`: a namespace of its own with only `lo` in it;
 *  - `host`: no namespace of its own at all; it sees the host's interfaces;
 *  - `container:NAME`: the namespace of another, running container (a pod's way).
 *
 * The work is spread over the container's life so that each step happens once, where it
 * is cheapest:
 *  - **create** leases the address on every network (network_store.hpp). The address is
 *    the container's until `rm`, so /etc/hosts, `inspect` and other containers' DNS
 *    answers are right before it even starts, and a restart keeps it.
 *  - **start** (the `minirun` process) makes sure the bridges exist and publishes the
 *    ports (`-p`, `-P`): random host ports are picked now, and every host port is checked
 *    to be free, so a port conflict fails `start` with a clear error and nothing
 *    published. The ports stay published while the monitor supervises the container,
 *    restarts included, and the monitor takes them down at its end.
 *  - **each run of the container** (the monitor, between the runtime's create and start)
 *    plugs the veth pairs into the new namespace and sets addresses and routes; the pairs
 *    vanish with the namespace when the container exits (the kernel deletes them in
 *    the background, so an exit does not wait for it).
 *  - **rm** releases the addresses and forgets the endpoints; it also takes down the
 *    ports a dead monitor could not.
 *
 * Lab: labs/08-networks.
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/engine/container_config.hpp"
#include "minirun/engine/container_state.hpp"
#include "minirun/network/network_store.hpp"
#include "minirun/network/veth_endpoint.hpp"

namespace minirun::engine {

/// --network with its Docker meaning.
enum class NetworkKind { bridge, none, host, container };
NetworkKind network_kind(const std::string& network_mode);

/// create: leases an address on the network `--network` names (the default network for
/// "bridge", made on first use), with `--ip` and `--network-alias`. For "none", "host"
/// and "container:..." there is nothing to lease.
Result<void> connect_at_create(network::NetworkStore& networks, ContainerConfig& c, const std::string& ip,
                               const std::vector<std::string>& aliases);

/// `minirun network connect`: one more network for a container (not running, or
/// running: then the caller plugs the veth in as well).
Result<NetworkAttachment> connect_network(network::NetworkStore& networks, ContainerConfig& c,
                                          const std::string& network, const std::string& ip,
                                          const std::vector<std::string>& aliases);

/// rm / network disconnect: releases the leases; errors are not fatal for rm (the
/// network may be gone), so this returns the first one for the caller to decide.
Result<void> disconnect_network(network::NetworkStore& networks, const ContainerConfig& c,
                                const NetworkAttachment& attachment);

/// start: every port `-p`/`-P` asks for, with random host ports picked and every host
/// port checked, published through minirun-net; returns them as minirun-net arguments
/// (what state.json keeps, to take them down later).
Result<std::vector<std::string>> publish_ports(const network::NetworkStore& networks, const ContainerConfig& c);

/// Takes published ports down (idempotent: what is gone already is skipped).
Result<void> unpublish_ports(const network::NetPlugin& plugin, const std::vector<std::string>& mappings);

/// The veth pair of one attachment: its names, addresses and MAC, to be plugged in as
/// `container_ifname` (default route via its gateway when `default_route`).
Result<network::EndpointConfig> endpoint_config(const NetworkAttachment& a, const std::string& container_ifname,
                                                bool default_route);

/// The endpoint record (what DNS answers) of one attachment of container `c`.
network::Endpoint endpoint_of(const ContainerConfig& c, const NetworkAttachment& a);

/// monitor, before the container's program runs: one veth pair per network into the
/// namespace `netns_fd`, the first network's gateway as the default route. On failure
/// nothing it made is left.
Result<void> attach_networks(const ContainerConfig& c, int netns_fd);

/// Each start: the container's names (its name, its aliases) become answerable on each of
/// its networks; at its exit they are withdrawn (the address stays leased until rm).
void publish_container_names(const network::NetworkStore& networks, const ContainerConfig& c);
void withdraw_container_names(const network::NetworkStore& networks, const ContainerConfig& c);

/// Removes the veth pairs at once (used when a start fails half-way; after a normal
/// exit the pairs go by themselves with the container's namespace).
void detach_networks(const ContainerConfig& c);

/// The container's /etc/hosts: localhost, its own address and name, --add-host lines.
std::string hosts_file(const ContainerConfig& c, const std::string& hostname);

/// The container's /etc/resolv.conf: the embedded DNS server (127.0.0.11) on
/// user-defined networks; the host's servers (or --dns) on the default bridge and host;
/// none with --network none.
std::string resolv_conf(const ContainerConfig& c, const std::string& host_resolv_conf);

/// `ps`'s PORTS column: "0.0.0.0:8080->80/tcp" for each published port, then the
/// EXPOSEd ports that are not ("443/tcp").
std::string ports_column(const ContainerConfig& c, const ContainerState& s);

/// inspect's NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}],
/// "443/tcp": null}.
nlohmann::json ports_json(const ContainerConfig& c, const ContainerState& s);

/// Checks `--dns` and `--add-host` values (IP addresses, NAME:IP).
Result<void> check_dns_flags(const std::vector<std::string>& dns, const std::vector<std::string>& extra_hosts);

}  // namespace minirun::engine
