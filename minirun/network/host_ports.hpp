/**
 * @file host_ports.hpp
 * @brief Is a host port free, and which one to take for `-p 80` / `-P`.
 *
 * Docker publishes a port in two ways at once: a DNAT rule, and (by default) a
 * docker-proxy process that binds the host port. The bind is what makes
 * `docker run -p 8080:80` fail with "port is already allocated" or "address already in
 * use" when another program listens on 8080. minirun publishes with DNAT only (see
 * nat_rules.hpp), so nothing would notice such a clash: the container would silently
 * steal the port's new connections from the program that owns it. Hence this check,
 * made just before publishing: bind(2) a socket to the address and port, then close it.
 * SO_REUSEADDR stays off, so a listener on the same port of any address makes it fail.
 *
 * What it cannot see: ports published by other containers (nothing binds them; the
 * nftables map is the record of those, and `create element` refuses a duplicate), and
 * which program holds a port (that needs /proc/net/tcp plus every process's fds, the
 * work of ss(8)). There is a window between the check and the DNAT rule; Docker's proxy
 * closes it by keeping the socket open, which this kit does not do.
 *
 * A port left as 0 (`-p 80`, `-p 127.0.0.1::80`, and every port of `-P`) gets a random
 * free one from 32768-60999, Linux's default ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range), which is where Docker picks them too.
 *
 * Man pages: bind(2), socket(7) (SO_REUSEADDR), ip(7) (ip_local_port_range).
 * Docker docs: "Published ports". Lab: labs/08-networks
 */
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "minirun/sys/error.hpp"

namespace minirun::network {

/// The range pick_free_host_port draws from.
inline constexpr uint16_t kFirstEphemeralPort = 32768;
inline constexpr uint16_t kLastEphemeralPort = 60999;

/// Can a process bind host_ip:port/protocol right now? host_ip "" means every address.
/// In use: "host port 8080/tcp is in use by another program; choose another with -p".
/// Also fails, naming the address, when host_ip is not an address of this host.
sys::Result<void> check_host_port_free(const std::string& host_ip, uint16_t port, const std::string& protocol);

/// A random port in 32768-60999 that is not in `taken` and that check_host_port_free
/// finds free on every address.
sys::Result<uint16_t> pick_free_host_port(const std::string& protocol, const std::set<uint16_t>& taken);

}  // namespace minirun::network
