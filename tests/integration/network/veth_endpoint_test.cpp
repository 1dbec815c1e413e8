// ROOT_ tests of minirun/network/veth_endpoint.hpp against the real kernel.
//
// Each test makes a "host" namespace (a stand-in for the real host, so the host's own
// interfaces and sysctls are never touched) holding the bridge, and one namespace per
// "container", each kept alive by a child process that unshare(CLONE_NEWNET)s and waits.
// Traffic goes only between addresses inside those namespaces. Interface names start with
// "mrt"; guards delete them and kill the children when a test ends, also when it fails.
// (bridge_test.cpp carries the same two helpers; both files link into one binary, so
// each keeps its own copy in an anonymous namespace.)
#include "minirun/network/veth_endpoint.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "minirun/network/bridge.hpp"
#include "minirun/network/netns.hpp"
#include "tests/integration/network/netns_test_support.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::network {
namespace {

using testing::LinkCleanup;
using testing::NamespaceChild;

std::string bridge_name() { return "mrtb" + std::to_string(::getpid()); }
std::string veth_name(int n) { return "mrtv" + std::to_string(::getpid()) + std::to_string(n); }

constexpr uint32_t kGateway = 0x0A580001;  // 10.88.0.1
constexpr uint32_t kAddressA = 0x0A580002;  // 10.88.0.2
constexpr uint32_t kAddressB = 0x0A580003;  // 10.88.0.3
constexpr int kPrefix = 24;

EndpointConfig endpoint(int n, uint32_t address, const std::string& mac) {
  EndpointConfig config;
  config.host_ifname = veth_name(n);
  config.bridge = bridge_name();
  config.address = address;
  config.prefix = kPrefix;
  config.gateway = kGateway;
  config.mac = mac;
  return config;
}

/// Runs `body` inside `ns`, failing the test when entering fails.
template <class Body>
void inside(const NamespaceChild& ns, Body body) {
  auto entered = in_network_namespace(ns.fd(), [&]() -> sys::Result<void> {
    body();
    return sys::ok();
  });
  ASSERT_TRUE(entered.ok()) << entered.error().what();
}

/// What the kernel says about one link, asked through `socket`.
struct LinkFacts {
  bool found = false;
  int ifindex = 0;
  unsigned flags = 0;
  int master = 0;
  std::string mac;
};

LinkFacts facts_of(const RouteSocket& socket, const std::string& name) {
  LinkFacts facts;
  rtnl_link* link = nullptr;
  if (::rtnl_link_get_kernel(socket.get(), 0, name.c_str(), &link) < 0) return facts;
  facts.found = true;
  facts.ifindex = ::rtnl_link_get_ifindex(link);
  facts.flags = ::rtnl_link_get_flags(link);
  facts.master = ::rtnl_link_get_master(link);
  char text[32] = {};
  if (nl_addr* addr = ::rtnl_link_get_addr(link)) facts.mac = ::nl_addr2str(addr, text, sizeof text);
  ::rtnl_link_put(link);
  return facts;
}

std::vector<std::pair<uint32_t, int>> addresses_of(const RouteSocket& socket, int ifindex) {
  std::vector<std::pair<uint32_t, int>> found;
  nl_cache* cache = nullptr;
  if (::rtnl_addr_alloc_cache(socket.get(), &cache) < 0) return found;
  for (nl_object* o = ::nl_cache_get_first(cache); o != nullptr; o = ::nl_cache_get_next(o)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(o);
    if (::rtnl_addr_get_ifindex(addr) != ifindex || ::rtnl_addr_get_family(addr) != AF_INET) continue;
    uint32_t be = 0;
    std::memcpy(&be, ::nl_addr_get_binary_addr(::rtnl_addr_get_local(addr)), 4);
    found.emplace_back(ntohl(be), ::rtnl_addr_get_prefixlen(addr));
  }
  ::nl_cache_free(cache);
  return found;
}

/// The gateway and interface of the default route in the main table, if there is one.
std::optional<std::pair<uint32_t, int>> default_route_of(const RouteSocket& socket) {
  std::optional<std::pair<uint32_t, int>> found;
  nl_cache* cache = nullptr;
  if (::rtnl_route_alloc_cache(socket.get(), AF_INET, 0, &cache) < 0) return found;
  for (nl_object* o = ::nl_cache_get_first(cache); o != nullptr; o = ::nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    nl_addr* dst = ::rtnl_route_get_dst(route);
    if (::rtnl_route_get_table(route) != RT_TABLE_MAIN || dst == nullptr || ::nl_addr_get_prefixlen(dst) != 0) continue;
    if (::rtnl_route_get_nnexthops(route) < 1) continue;
    rtnl_nexthop* hop = ::rtnl_route_nexthop_n(route, 0);
    nl_addr* via = ::rtnl_route_nh_get_gateway(hop);
    if (via == nullptr || ::nl_addr_get_len(via) != 4) continue;
    uint32_t be = 0;
    std::memcpy(&be, ::nl_addr_get_binary_addr(via), 4);
    found.emplace(ntohl(be), ::rtnl_route_nh_get_ifindex(hop));
  }
  ::nl_cache_free(cache);
  return found;
}

/// One container namespace attached to a fresh bridge in a fresh host namespace: the
/// set-up most tests share.
struct OneContainer {
  NamespaceChild host;
  NamespaceChild container;
  LinkCleanup cleanup{host.fd(), {veth_name(1), veth_name(2), bridge_name()}};
  EndpointConfig config = endpoint(1, kAddressA, "02:42:0a:58:00:02");

  double attach_ms = 0;  ///< wall time of attach_endpoint alone

  /// ensure_bridge + attach_endpoint inside `host`; returns attach's result.
  sys::Result<void> attach() {
    sys::Result<void> attached = sys::Error("not run");
    auto entered = in_network_namespace(host.fd(), [&]() -> sys::Result<void> {
      MINIRUN_TRY(ensure_bridge(bridge_name(), kGateway, kPrefix), "test bridge");
      const auto start = std::chrono::steady_clock::now();
      attached = attach_endpoint(container.fd(), config);
      attach_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      return sys::ok();
    });
    if (!entered) return std::move(entered.error());
    return attached;
  }
};

TEST(VethEndpoint, ROOT_AttachPutsTheInterfaceWithAddressMacAndUpStateInTheNamespace) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  // A figure for the engine's 5 ms budget, printed rather than asserted: a loaded shared
  // machine must not fail the suite.
  std::cout << "[ figure   ] attach_endpoint took " << setup.attach_ms << " ms\n";
  auto socket = RouteSocket::open_in(setup.container.fd());
  ASSERT_TRUE(socket.ok()) << socket.error().what();
  const LinkFacts eth0 = facts_of(*socket, "eth0");
  ASSERT_TRUE(eth0.found);
  EXPECT_EQ(eth0.mac, "02:42:0a:58:00:02");
  EXPECT_NE(eth0.flags & IFF_UP, 0u);
  EXPECT_EQ(addresses_of(*socket, eth0.ifindex), (std::vector<std::pair<uint32_t, int>>{{kAddressA, kPrefix}}));
}

TEST(VethEndpoint, ROOT_AttachSetsLoopbackUp) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  auto socket = RouteSocket::open_in(setup.container.fd());
  ASSERT_TRUE(socket.ok());
  EXPECT_NE(facts_of(*socket, "lo").flags & IFF_UP, 0u);
}

TEST(VethEndpoint, ROOT_AttachAddsTheDefaultRouteViaTheGateway) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  auto socket = RouteSocket::open_in(setup.container.fd());
  ASSERT_TRUE(socket.ok());
  const auto route = default_route_of(*socket);
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->first, kGateway);
  EXPECT_EQ(route->second, facts_of(*socket, "eth0").ifindex);
}

TEST(VethEndpoint, ROOT_AttachWithoutDefaultRouteAddsNone) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  setup.config.default_route = false;
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  auto socket = RouteSocket::open_in(setup.container.fd());
  ASSERT_TRUE(socket.ok());
  EXPECT_FALSE(default_route_of(*socket).has_value());
}

TEST(VethEndpoint, ROOT_AttachEnslavesTheHostEndToTheBridgeAndSetsItUp) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  auto socket = RouteSocket::open_in(setup.host.fd());
  ASSERT_TRUE(socket.ok());
  const LinkFacts host_end = facts_of(*socket, veth_name(1));
  ASSERT_TRUE(host_end.found);
  EXPECT_EQ(host_end.master, facts_of(*socket, bridge_name()).ifindex);
  EXPECT_NE(host_end.flags & IFF_UP, 0u);
  // The container end was created inside the container's namespace, never on the host.
  EXPECT_FALSE(facts_of(*socket, "eth0").found);
}

TEST(VethEndpoint, ROOT_TwoEndpointsOnOneBridgeTalkTcp) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  NamespaceChild second;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok() && second.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  inside(setup.host, [&] {
    auto other = attach_endpoint(second.fd(), endpoint(2, kAddressB, "02:42:0a:58:00:03"));
    ASSERT_TRUE(other.ok()) << other.error().what();
  });

  // Sockets belong to the namespace they are created in: the listener lives in A, the
  // client in B, and this thread drives both from outside.
  constexpr uint16_t kPort = 7070;
  sys::UniqueFd listener;
  sys::UniqueFd client;
  const timeval timeout{5, 0};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(kPort);
  a.sin_addr.s_addr = htonl(kAddressA);
  inside(setup.container, [&] {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(listener.valid());
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    ASSERT_EQ(::listen(listener.get(), 1), 0);
    ::setsockopt(listener.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);  // bounds accept()
  });
  inside(second, [&] {
    client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(client.valid());
    ::setsockopt(client.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  // bounds connect()
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  });
  ASSERT_TRUE(listener.valid() && client.valid());
  sockaddr_in peer{};
  socklen_t peer_size = sizeof peer;
  sys::UniqueFd accepted(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &peer_size, SOCK_CLOEXEC));
  ASSERT_TRUE(accepted.valid()) << std::strerror(errno);
  EXPECT_EQ(ntohl(peer.sin_addr.s_addr), kAddressB);
  ASSERT_EQ(::send(client.get(), "ping", 4, 0), 4);
  ::setsockopt(accepted.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char received[8] = {};
  ASSERT_EQ(::recv(accepted.get(), received, sizeof received, 0), 4);
  EXPECT_EQ(std::string(received, 4), "ping");
}

TEST(VethEndpoint, ROOT_AttachOntoAMissingBridgeFailsAndLeavesNoVeth) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  inside(setup.host, [&] {
    auto attached = attach_endpoint(setup.container.fd(), setup.config);  // no ensure_bridge
    ASSERT_FALSE(attached.ok());
    EXPECT_NE(attached.error().what().find("`" + bridge_name() + "`"), std::string::npos) << attached.error().what();
    EXPECT_FALSE(link_exists(veth_name(1)));
  });
  auto socket = RouteSocket::open_in(setup.container.fd());
  ASSERT_TRUE(socket.ok());
  EXPECT_FALSE(facts_of(*socket, "eth0").found);
}

TEST(VethEndpoint, ROOT_AttachFailingInsideTheNamespaceDeletesThePair) {
  MINIRUN_REQUIRE_ROOT();
  // A second endpoint in the same namespace that also asks for the default route fails at
  // the last step (the namespace has one already): its pair must be gone, the first kept.
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  EndpointConfig second = endpoint(2, kAddressB, "02:42:0a:58:00:03");
  second.container_ifname = "eth1";
  inside(setup.host, [&] {
    auto failed = attach_endpoint(setup.container.fd(), second);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().what().find("default route"), std::string::npos) << failed.error().what();
    EXPECT_FALSE(link_exists(veth_name(2)));
    EXPECT_TRUE(link_exists(veth_name(1)));
  });
  auto socket = RouteSocket::open_in(setup.container.fd());
  ASSERT_TRUE(socket.ok());
  EXPECT_FALSE(facts_of(*socket, "eth1").found);
  EXPECT_TRUE(facts_of(*socket, "eth0").found);
}

TEST(VethEndpoint, ROOT_DetachRemovesThePair) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  inside(setup.host, [&] {
    auto detached = detach_endpoint(veth_name(1));
    ASSERT_TRUE(detached.ok()) << detached.error().what();
    EXPECT_FALSE(link_exists(veth_name(1)));
  });
  auto socket = RouteSocket::open_in(setup.container.fd());
  ASSERT_TRUE(socket.ok());
  EXPECT_FALSE(facts_of(*socket, "eth0").found);
}

TEST(VethEndpoint, ROOT_DetachOfAMissingEndpointSucceeds) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  inside(host, [&] {
    auto detached = detach_endpoint(veth_name(1));
    EXPECT_TRUE(detached.ok()) << detached.error().what();
  });
}

TEST(VethEndpoint, ROOT_DetachRefusesAnInterfaceThatIsNotAVeth) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  inside(setup.host, [&] {
    ASSERT_TRUE(ensure_bridge(bridge_name(), kGateway, kPrefix).ok());
    auto detached = detach_endpoint(bridge_name());
    ASSERT_FALSE(detached.ok());
    EXPECT_NE(detached.error().what().find("`" + bridge_name() + "`"), std::string::npos) << detached.error().what();
    EXPECT_TRUE(link_exists(bridge_name()));
  });
}

TEST(VethEndpoint, ROOT_HostEndDisappearsWhenTheNamespaceDies) {
  MINIRUN_REQUIRE_ROOT();
  OneContainer setup;
  ASSERT_TRUE(setup.host.ok() && setup.container.ok());
  auto attached = setup.attach();
  ASSERT_TRUE(attached.ok()) << attached.error().what();
  setup.container.end();
  // The kernel tears a dead namespace down asynchronously (a workqueue, after an RCU grace
  // period), so the test waits for it, up to 10 s; the product code never waits like this.
  bool gone = false;
  inside(setup.host, [&] {
    for (int i = 0; i < 1000 && !gone; ++i) {
      gone = !link_exists(veth_name(1));
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  EXPECT_TRUE(gone);
}

}  // namespace
}  // namespace minirun::network
