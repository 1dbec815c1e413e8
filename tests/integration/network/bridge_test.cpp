// ROOT_ tests of minirun/network/bridge.hpp against the real kernel.
//
// Every test runs the code under test inside a network namespace it made itself (a
// "host" stand-in: a child process that unshare(CLONE_NEWNET)s and waits), so the real
// host's interfaces, routes and its ip_forward are never touched. Interface names start
// with "mrt"; a guard deletes them and kills the child when the test ends, also when it
// fails. (veth_endpoint_test.cpp carries the same small helpers: the two files are
// linked into one binary, so each keeps its own in an anonymous namespace.)
#include "minirun/network/bridge.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "minirun/network/netns.hpp"
#include "minirun/sys/file.hpp"
#include "tests/integration/network/netns_test_support.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::network {
namespace {

using testing::LinkCleanup;
using testing::NamespaceChild;

std::string bridge_name(int n = 0) { return "mrtb" + std::to_string(::getpid()) + (n ? std::to_string(n) : ""); }

constexpr uint32_t kGateway = 0x0A580001;  // 10.88.0.1
constexpr int kPrefix = 24;

/// Runs `body` inside `ns`, failing the test when entering fails.
template <class Body>
void inside(const NamespaceChild& ns, Body body) {
  auto entered = in_network_namespace(ns.fd(), [&]() -> sys::Result<void> {
    body();
    return sys::ok();
  });
  ASSERT_TRUE(entered.ok()) << entered.error().what();
}

/// IPv4 addresses (address, prefix) of `name` in the calling thread's namespace.
std::vector<std::pair<uint32_t, int>> addresses_of(const std::string& name) {
  std::vector<std::pair<uint32_t, int>> found;
  auto socket = RouteSocket::open();
  if (!socket) return found;
  const int ifindex = static_cast<int>(::if_nametoindex(name.c_str()));
  nl_cache* cache = nullptr;
  if (::rtnl_addr_alloc_cache(socket->get(), &cache) < 0) return found;
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

/// The interface flags of `name` (0 when missing).
unsigned interface_flags(const std::string& name) {
  auto socket = RouteSocket::open();
  if (!socket) return 0;
  rtnl_link* link = nullptr;
  if (::rtnl_link_get_kernel(socket->get(), 0, name.c_str(), &link) < 0) return 0;
  const unsigned flags = ::rtnl_link_get_flags(link);
  ::rtnl_link_put(link);
  return flags;
}

std::string read_knob(const std::string& path) {
  auto text = sys::read_file(path);
  return text ? *text : "<unreadable>";
}

TEST(Bridge, ROOT_EnsureBridgeCreatesItWithTheAddressAndUp) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  LinkCleanup cleanup(host.fd(), {bridge_name()});
  inside(host, [&] {
    auto made = ensure_bridge(bridge_name(), kGateway, kPrefix);
    ASSERT_TRUE(made.ok()) << made.error().what();
    EXPECT_TRUE(link_exists(bridge_name()));
    EXPECT_NE(interface_flags(bridge_name()) & IFF_UP, 0u);
    EXPECT_EQ(addresses_of(bridge_name()), (std::vector<std::pair<uint32_t, int>>{{kGateway, kPrefix}}));
  });
}

TEST(Bridge, ROOT_EnsureBridgeEnablesIpForwardAndRouteLocalnet) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  LinkCleanup cleanup(host.fd(), {bridge_name()});
  inside(host, [&] {
    // A new namespace copies the host's setting (which is 1 wherever a bridge network
    // was made before), so the test turns forwarding off in its own namespace first.
    {
      std::ofstream knob("/proc/sys/net/ipv4/ip_forward");
      knob << "0\n";
    }
    ASSERT_EQ(read_knob("/proc/sys/net/ipv4/ip_forward"), "0\n");
    auto made = ensure_bridge(bridge_name(), kGateway, kPrefix);
    ASSERT_TRUE(made.ok()) << made.error().what();
    EXPECT_EQ(read_knob("/proc/sys/net/ipv4/ip_forward"), "1\n");
    EXPECT_EQ(read_knob("/proc/sys/net/ipv4/conf/" + bridge_name() + "/route_localnet"), "1\n");
  });
}

TEST(Bridge, ROOT_EnsureBridgeTwiceIsFine) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  LinkCleanup cleanup(host.fd(), {bridge_name()});
  inside(host, [&] {
    ASSERT_TRUE(ensure_bridge(bridge_name(), kGateway, kPrefix).ok());
    auto again = ensure_bridge(bridge_name(), kGateway, kPrefix);
    ASSERT_TRUE(again.ok()) << again.error().what();
    EXPECT_EQ(addresses_of(bridge_name()).size(), 1u);
    EXPECT_NE(interface_flags(bridge_name()) & IFF_UP, 0u);
  });
}

TEST(Bridge, ROOT_EnsureBridgeBringsAnExistingDownBridgeUp) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  LinkCleanup cleanup(host.fd(), {bridge_name()});
  inside(host, [&] {
    ASSERT_TRUE(ensure_bridge(bridge_name(), kGateway, kPrefix).ok());
    auto socket = RouteSocket::open();
    ASSERT_TRUE(socket.ok());
    rtnl_link* link = nullptr;
    ASSERT_EQ(::rtnl_link_get_kernel(socket->get(), 0, bridge_name().c_str(), &link), 0);
    rtnl_link* down = ::rtnl_link_alloc();
    ::rtnl_link_unset_flags(down, IFF_UP);
    ASSERT_EQ(::rtnl_link_change(socket->get(), link, down, 0), 0);
    ::rtnl_link_put(down);
    ::rtnl_link_put(link);
    ASSERT_EQ(interface_flags(bridge_name()) & IFF_UP, 0u);
    auto again = ensure_bridge(bridge_name(), kGateway, kPrefix);
    ASSERT_TRUE(again.ok()) << again.error().what();
    EXPECT_NE(interface_flags(bridge_name()) & IFF_UP, 0u);
  });
}

TEST(Bridge, ROOT_EnsureBridgeWithAnotherAddressIsAnErrorAndChangesNothing) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  LinkCleanup cleanup(host.fd(), {bridge_name()});
  inside(host, [&] {
    ASSERT_TRUE(ensure_bridge(bridge_name(), kGateway, kPrefix).ok());
    auto other = ensure_bridge(bridge_name(), 0x0A590001, 24);  // 10.89.0.1/24
    ASSERT_FALSE(other.ok());
    EXPECT_NE(other.error().what().find("10.88.0.1/24"), std::string::npos) << other.error().what();
    EXPECT_EQ(addresses_of(bridge_name()), (std::vector<std::pair<uint32_t, int>>{{kGateway, kPrefix}}));
  });
}

TEST(Bridge, ROOT_BadOrTooLongBridgeNameIsAnErrorThatNamesIt) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  inside(host, [&] {
    const std::string too_long = "mrtbridge" + std::to_string(::getpid()) + "xxxxxxx";  // > 15 bytes
    auto made = ensure_bridge(too_long, kGateway, kPrefix);
    ASSERT_FALSE(made.ok());
    EXPECT_NE(made.error().what().find("`" + too_long + "`"), std::string::npos) << made.error().what();
    EXPECT_FALSE(link_exists(too_long.substr(0, 15)));
    auto slash = ensure_bridge("mrt/b", kGateway, kPrefix);
    ASSERT_FALSE(slash.ok());
    EXPECT_NE(slash.error().what().find("`mrt/b`"), std::string::npos) << slash.error().what();
  });
}

TEST(Bridge, ROOT_EnsureBridgeOnAnInterfaceThatIsNotABridgeIsAnError) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  inside(host, [&] {
    auto made = ensure_bridge("lo", kGateway, kPrefix);
    ASSERT_FALSE(made.ok());
    EXPECT_NE(made.error().what().find("not a bridge"), std::string::npos) << made.error().what();
    const auto on_lo = addresses_of("lo");
    EXPECT_EQ(std::find(on_lo.begin(), on_lo.end(), std::pair<uint32_t, int>{kGateway, kPrefix}), on_lo.end());
  });
}

TEST(Bridge, ROOT_EnsureBridgeThatFailsHalfWayDeletesTheBridgeItCreated) {
  MINIRUN_REQUIRE_ROOT();
  // The sysctl writes come after the bridge is made. A child in its own mount and network
  // namespaces makes /proc/sys read-only, so those writes fail (EROFS); the bridge must
  // then be gone. The child reports through its exit code: 0 as wanted, 1 setup failed,
  // 2 ensure_bridge succeeded, 3 the bridge was left behind.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) ::_exit(1);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) ::_exit(1);
    if (::mount("/proc/sys", "/proc/sys", nullptr, MS_BIND, nullptr) < 0) ::_exit(1);
    if (::mount(nullptr, "/proc/sys", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) < 0) ::_exit(1);
    if (ensure_bridge(bridge_name(), kGateway, kPrefix).ok()) ::_exit(2);
    ::_exit(link_exists(bridge_name()) ? 3 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1 setup failed, 2 ensure_bridge succeeded, 3 bridge left behind";
}

TEST(Bridge, ROOT_DeleteBridgeTwiceIsFine) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  LinkCleanup cleanup(host.fd(), {bridge_name()});
  inside(host, [&] {
    ASSERT_TRUE(ensure_bridge(bridge_name(), kGateway, kPrefix).ok());
    auto first = delete_bridge(bridge_name());
    ASSERT_TRUE(first.ok()) << first.error().what();
    EXPECT_FALSE(link_exists(bridge_name()));
    auto second = delete_bridge(bridge_name());
    EXPECT_TRUE(second.ok()) << second.error().what();
  });
}

TEST(Bridge, ROOT_DeleteBridgeRefusesAnInterfaceThatIsNotABridge) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  inside(host, [&] {
    auto deleted = delete_bridge("lo");
    ASSERT_FALSE(deleted.ok());
    EXPECT_NE(deleted.error().what().find("`lo`"), std::string::npos) << deleted.error().what();
    EXPECT_TRUE(link_exists("lo"));
  });
}

TEST(Bridge, ROOT_HostRoutesIncludeTheBridgeSubnetUnlessSkipped) {
  MINIRUN_REQUIRE_ROOT();
  NamespaceChild host;
  ASSERT_TRUE(host.ok());
  LinkCleanup cleanup(host.fd(), {bridge_name()});
  inside(host, [&] {
    ASSERT_TRUE(ensure_bridge(bridge_name(), kGateway, kPrefix).ok());
    const std::pair<uint32_t, int> subnet{0x0A580000, kPrefix};  // 10.88.0.0/24
    auto all = host_ipv4_routes("");
    ASSERT_TRUE(all.ok()) << all.error().what();
    EXPECT_NE(std::find(all->begin(), all->end(), subnet), all->end());
    auto skipped = host_ipv4_routes("mrtb");
    ASSERT_TRUE(skipped.ok()) << skipped.error().what();
    EXPECT_EQ(std::find(skipped->begin(), skipped->end(), subnet), skipped->end());
  });
}

}  // namespace
}  // namespace minirun::network
