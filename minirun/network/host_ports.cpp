/**
 * @file host_ports.cpp
 * @brief bind(2) as the test of a free port; see host_ports.hpp.
 */
#include "minirun/network/host_ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <random>

#include "minirun/sys/unique_fd.hpp"

namespace minirun::network {

sys::Result<void> check_host_port_free(const std::string& host_ip, uint16_t port, const std::string& protocol) {
  const std::string shown = (host_ip.empty() ? "" : host_ip + ":") + std::to_string(port) + "/" + protocol;
  int type = 0;
  if (protocol == "tcp") type = SOCK_STREAM;
  if (protocol == "udp") type = SOCK_DGRAM;
  if (type == 0) return sys::Error("host port " + shown + ": protocol must be tcp or udp");
  if (port == 0) return sys::Error("host port " + shown + ": port 0 is not a port one can publish");

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (!host_ip.empty() && ::inet_pton(AF_INET, host_ip.c_str(), &address.sin_addr) != 1)
    return sys::Error("host port " + shown + ": '" + host_ip + "' is not an IPv4 address");

  sys::UniqueFd sock(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!sock) return sys::Error::from_errno("socket").context("check host port " + shown);
  // No SO_REUSEADDR: with it, a TCP bind would succeed next to a socket in TIME_WAIT and,
  // for UDP, even next to another program's socket.
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return sys::ok();
  const int error = errno;
  switch (error) {
    case EADDRINUSE:
      return sys::Error("host port " + shown + " is in use by another program; choose another with -p");
    case EADDRNOTAVAIL:
      return sys::Error("host port " + shown + ": " + host_ip +
                        " is not an address of this host; publish on one of its addresses, or on every "
                        "address (leave the address out)");
    case EACCES:
      return sys::Error("host port " + shown + ": ports below 1024 need root (CAP_NET_BIND_SERVICE)");
    default:
      return sys::Error::from_errno("bind", shown, error).context("check host port");
  }
}

sys::Result<uint16_t> pick_free_host_port(const std::string& protocol, const std::set<uint16_t>& taken) {
  if (protocol != "tcp" && protocol != "udp")
    return sys::Error("pick a host port: protocol '" + protocol + "' must be tcp or udp");
  // A random starting point, then every port once: random enough that two containers
  // started together rarely try the same port, and certain to end.
  constexpr unsigned kCount = kLastEphemeralPort - kFirstEphemeralPort + 1;
  std::random_device seed;
  const unsigned start = std::uniform_int_distribution<unsigned>(0, kCount - 1)(seed);
  for (unsigned i = 0; i < kCount; ++i) {
    const auto port = static_cast<uint16_t>(kFirstEphemeralPort + (start + i) % kCount);
    if (taken.count(port)) continue;
    if (check_host_port_free("", port, protocol)) return port;
  }
  return sys::Error("no free " + protocol + " host port in " + std::to_string(kFirstEphemeralPort) + "-" +
                    std::to_string(kLastEphemeralPort) + ": every one is published or in use");
}

}  // namespace minirun::network
