// Free host ports: bind(2) tells. Every socket here is bound to 127.0.0.1 or the
// wildcard and never sends anything.
#include "minirun/network/host_ports.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "minirun/sys/unique_fd.hpp"

namespace minirun::network {
namespace {

/// A socket bound to 127.0.0.1 on a port the kernel chooses (and, for TCP, listening):
/// a port that is certainly in use while it lives.
struct BoundSocket {
  sys::UniqueFd fd;
  uint16_t port = 0;
};

BoundSocket bind_loopback(int type) {
  BoundSocket s{sys::UniqueFd(::socket(AF_INET, type | SOCK_CLOEXEC, 0)), 0};
  EXPECT_TRUE(s.fd) << "socket: " << std::strerror(errno);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(s.fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  if (type == SOCK_STREAM) {
    EXPECT_EQ(::listen(s.fd.get(), 1), 0);
  }
  socklen_t length = sizeof a;
  EXPECT_EQ(::getsockname(s.fd.get(), reinterpret_cast<sockaddr*>(&a), &length), 0);
  s.port = ntohs(a.sin_port);
  return s;
}

TEST(HostPorts, PortBoundByAnotherSocketIsInUse) {
  BoundSocket held = bind_loopback(SOCK_STREAM);
  auto checked = check_host_port_free("127.0.0.1", held.port, "tcp");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().what(), "host port 127.0.0.1:" + std::to_string(held.port) +
                                        "/tcp is in use by another program; choose another with -p");
}

TEST(HostPorts, PortBoundOnOneAddressIsInUseForEveryAddress) {
  BoundSocket held = bind_loopback(SOCK_DGRAM);
  auto checked = check_host_port_free("", held.port, "udp");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().what(), "host port " + std::to_string(held.port) +
                                        "/udp is in use by another program; choose another with -p");
}

TEST(HostPorts, PortNobodyHoldsIsFree) {
  uint16_t port = 0;
  {
    BoundSocket released = bind_loopback(SOCK_STREAM);
    port = released.port;
  }
  auto checked = check_host_port_free("127.0.0.1", port, "tcp");
  EXPECT_TRUE(checked.ok()) << checked.error().what();
}

TEST(HostPorts, SamePortOfTheOtherProtocolIsFree) {
  BoundSocket held = bind_loopback(SOCK_STREAM);
  auto checked = check_host_port_free("127.0.0.1", held.port, "udp");
  EXPECT_TRUE(checked.ok()) << checked.error().what();
}

TEST(HostPorts, AddressNotOfThisHostIsNamed) {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real host.
  auto checked = check_host_port_free("192.0.2.1", 40000, "tcp");
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().what().find("192.0.2.1 is not an address of this host"), std::string::npos)
      << checked.error().what();
}

TEST(HostPorts, UnknownProtocolIsRefused) {
  auto checked = check_host_port_free("", 40000, "sctp");
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().what().find("protocol must be tcp or udp"), std::string::npos);
}

TEST(HostPorts, PickedPortIsInTheEphemeralRangeAndFree) {
  auto port = pick_free_host_port("tcp", {});
  ASSERT_TRUE(port.ok()) << port.error().what();
  EXPECT_GE(*port, kFirstEphemeralPort);
  EXPECT_LE(*port, kLastEphemeralPort);
  EXPECT_TRUE(check_host_port_free("", *port, "tcp").ok());
}

TEST(HostPorts, PickSkipsTakenPorts) {
  // Every port of the range but one is "taken": the pick must be that one. The one is a
  // port the kernel just handed out (so in the range, and free once closed).
  uint16_t left = 0;
  {
    BoundSocket released = bind_loopback(SOCK_STREAM);
    left = released.port;
  }
  ASSERT_GE(left, kFirstEphemeralPort) << "ip_local_port_range is not Linux's default";
  ASSERT_LE(left, kLastEphemeralPort) << "ip_local_port_range is not Linux's default";
  std::set<uint16_t> taken;
  for (unsigned p = kFirstEphemeralPort; p <= kLastEphemeralPort; ++p)
    if (p != left) taken.insert(static_cast<uint16_t>(p));
  auto port = pick_free_host_port("tcp", taken);
  ASSERT_TRUE(port.ok()) << port.error().what();
  EXPECT_EQ(*port, left);
}

TEST(HostPorts, PickFailsWhenEveryPortIsTaken) {
  std::set<uint16_t> taken;
  for (unsigned p = kFirstEphemeralPort; p <= kLastEphemeralPort; ++p) taken.insert(static_cast<uint16_t>(p));
  auto port = pick_free_host_port("udp", taken);
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().what().find("no free udp host port in 32768-60999"), std::string::npos);
}

}  // namespace
}  // namespace minirun::network
