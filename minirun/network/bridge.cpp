/**
 * @file bridge.cpp
 * @brief The bridge through libnl-route-3: get, create, address, up, delete; host routes.
 *
 * Every kernel question here asks for exactly one object (rtnl_link_get_kernel sends one
 * RTM_GETLINK for one name) instead of dumping all links into a libnl cache: a host with
 * hundreds of containers has hundreds of veths, and ensure_bridge runs before every
 * container start. Only host_ipv4_routes and the address check of an *existing* bridge
 * dump a table, because the question is about the whole table.
 *
 * Lab: labs/08-networks
 */
#include "minirun/network/bridge.hpp"

#include "minirun/network/subnet.hpp"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/route.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "minirun/network/netns.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::network {
namespace {

// libnl objects are reference counted; these hold one reference each.
struct LinkPut {
  void operator()(rtnl_link* link) const { ::rtnl_link_put(link); }
};
struct AddrPut {
  void operator()(rtnl_addr* addr) const { ::rtnl_addr_put(addr); }
};
struct NlAddrPut {
  void operator()(nl_addr* addr) const { ::nl_addr_put(addr); }
};
struct CacheFree {
  void operator()(nl_cache* cache) const { ::nl_cache_free(cache); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using AddrPtr = std::unique_ptr<rtnl_addr, AddrPut>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrPut>;
using CachePtr = std::unique_ptr<nl_cache, CacheFree>;

constexpr const char* kIpForward = "/proc/sys/net/ipv4/ip_forward";

std::string with_prefix(uint32_t address, int prefix) { return format_ipv4(address) + "/" + std::to_string(prefix); }

/// The kernel's answer "no such device" comes back as NLE_NODEV or NLE_OBJ_NOTFOUND
/// depending on the request.
bool is_missing(int nl_error) { return nl_error == -NLE_NODEV || nl_error == -NLE_OBJ_NOTFOUND; }

/// RTM_GETLINK for one name. A missing link is a null pointer, not an error.
sys::Result<LinkPtr> get_link(nl_sock* socket, const std::string& name) {
  rtnl_link* link = nullptr;
  int err = ::rtnl_link_get_kernel(socket, 0, name.c_str(), &link);
  if (is_missing(err)) return LinkPtr();
  if (err < 0) return netlink_error("look up interface `" + name + "`", err);
  return LinkPtr(link);
}

bool is_bridge(rtnl_link* link) {
  const char* kind = ::rtnl_link_get_type(link);
  return kind != nullptr && std::string_view(kind) == "bridge";
}

/// Writes "1" to a sysctl unless it already reads 1 (a write per container start would
/// be harmless but pointless).
sys::Result<void> enable_sysctl(const std::string& path) {
  auto current = sys::read_file(path);
  if (current && !current->empty() && (*current)[0] == '1') return sys::ok();
  MINIRUN_TRY(sys::write_file(path, "1", O_WRONLY), "set " + path + " to 1");
  return sys::ok();
}

/// The IPv4 addresses (address, prefix) the interface `ifindex` carries.
sys::Result<std::vector<std::pair<uint32_t, int>>> ipv4_addresses_of(nl_sock* socket, int ifindex) {
  nl_cache* raw = nullptr;
  if (int err = ::rtnl_addr_alloc_cache(socket, &raw); err < 0) return netlink_error("list IPv4 addresses", err);
  CachePtr cache(raw);
  std::vector<std::pair<uint32_t, int>> found;
  for (nl_object* object = ::nl_cache_get_first(cache.get()); object != nullptr; object = ::nl_cache_get_next(object)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(object);
    if (::rtnl_addr_get_ifindex(addr) != ifindex || ::rtnl_addr_get_family(addr) != AF_INET) continue;
    nl_addr* local = ::rtnl_addr_get_local(addr);
    if (local == nullptr || ::nl_addr_get_len(local) != 4) continue;
    uint32_t network_order = 0;
    std::memcpy(&network_order, ::nl_addr_get_binary_addr(local), 4);
    found.emplace_back(ntohl(network_order), ::rtnl_addr_get_prefixlen(addr));
  }
  return found;
}

}  // namespace

sys::Result<void> add_ipv4_address(const RouteSocket& socket, int ifindex, uint32_t address, int prefix) {
  AddrPtr addr(::rtnl_addr_alloc());
  const uint32_t local_be = htonl(address);
  const uint32_t host_bits = prefix >= 32 ? 0 : (0xFFFFFFFFu >> prefix);
  const uint32_t broadcast_be = htonl(address | host_bits);
  NlAddrPtr local(::nl_addr_build(AF_INET, &local_be, 4));
  NlAddrPtr broadcast(::nl_addr_build(AF_INET, &broadcast_be, 4));
  if (!addr || !local || !broadcast) return sys::Error("allocate a netlink address", ENOMEM);
  ::nl_addr_set_prefixlen(local.get(), prefix);
  ::rtnl_addr_set_ifindex(addr.get(), ifindex);
  if (int err = ::rtnl_addr_set_local(addr.get(), local.get()); err < 0) return netlink_error("set local address", err);
  ::rtnl_addr_set_prefixlen(addr.get(), prefix);
  if (prefix < 31) ::rtnl_addr_set_broadcast(addr.get(), broadcast.get());
  if (int err = ::rtnl_addr_add(socket.get(), addr.get(), NLM_F_EXCL); err < 0) {
    return netlink_error("add address " + with_prefix(address, prefix), err);
  }
  return sys::ok();
}

namespace {

/// The steps after the bridge exists: its address (checked when it was already there), up,
/// and the two sysctls. `created` tells whether an address check is needed.
sys::Result<void> configure_bridge(const RouteSocket& socket, rtnl_link* bridge, const std::string& name, uint32_t gateway,
                                   int prefix, bool created) {
  const int ifindex = ::rtnl_link_get_ifindex(bridge);
  bool has_gateway = false;
  if (!created) {
    auto addresses = ipv4_addresses_of(socket.get(), ifindex);
    if (!addresses) return std::move(addresses.error());
    for (const auto& [address, length] : *addresses) {
      if (address == gateway && length == prefix) {
        has_gateway = true;
        continue;
      }
      // Another address means another network owns this bridge (or someone configured it
      // by hand); adding ours next to it would silently join two subnets.
      return sys::Error("bridge `" + name + "` already has address " + with_prefix(address, length) + ", not " +
                            with_prefix(gateway, prefix) +
                            ": remove that network (or `ip link delete " + name + "`) and try again",
                        EEXIST);
    }
  }
  if (!has_gateway) MINIRUN_TRY(add_ipv4_address(socket, ifindex, gateway, prefix), "bridge `" + name + "`");

  if ((::rtnl_link_get_flags(bridge) & IFF_UP) == 0) {
    LinkPtr change(::rtnl_link_alloc());
    if (!change) return sys::Error("allocate a netlink link", ENOMEM);
    ::rtnl_link_set_flags(change.get(), IFF_UP);
    if (int err = ::rtnl_link_change(socket.get(), bridge, change.get(), 0); err < 0) {
      return netlink_error("set bridge `" + name + "` up", err);
    }
  }
  MINIRUN_TRY(enable_sysctl("/proc/sys/net/ipv4/conf/" + name + "/route_localnet"), "bridge `" + name + "`");
  MINIRUN_TRY(enable_sysctl(kIpForward), "bridge `" + name + "`");
  return sys::ok();
}

}  // namespace

sys::Result<void> check_interface_name(const std::string& name, std::string_view role) {
  const std::string shown = std::string(role) + " `" + name + "`";
  if (name.empty()) return sys::Error(std::string(role) + " is empty: give an interface name of 1 to 15 bytes");
  if (name.size() > kMaxInterfaceName) {
    return sys::Error(shown + " is " + std::to_string(name.size()) +
                      " bytes long; Linux interface names are at most 15 (IFNAMSIZ-1): choose a shorter one");
  }
  if (name == "." || name == "..") return sys::Error(shown + " is not a valid interface name: choose another");
  for (unsigned char c : name) {
    if (c == '/' || c == ':' || std::isspace(c) || c < 0x20 || c == 0x7F) {
      return sys::Error(shown + " contains a character the kernel refuses in interface names ('/', ':', space or "
                                "a control character): use letters, digits, '-', '_' or '.'");
    }
  }
  return sys::ok();
}

bool link_exists(const std::string& name) {
  // if_nametoindex(3) is one SIOCGIFINDEX ioctl; it answers for the thread's namespace.
  return name.size() <= kMaxInterfaceName && ::if_nametoindex(name.c_str()) != 0;
}

sys::Result<void> ensure_bridge(const std::string& name, uint32_t gateway, int prefix) {
  MINIRUN_TRY(check_interface_name(name, "bridge name"), "ensure bridge");
  if (prefix < 1 || prefix > 30) {
    return sys::Error("bridge `" + name + "`: prefix /" + std::to_string(prefix) +
                      " leaves no room for a gateway and a container: use a prefix from /1 to /30");
  }
  if (gateway == 0) return sys::Error("bridge `" + name + "`: gateway 0.0.0.0 is not an address: give the gateway");
  auto socket = RouteSocket::open();
  if (!socket) return std::move(socket.error()).context("ensure bridge `" + name + "`");

  auto existing = get_link(socket->get(), name);
  if (!existing) return std::move(existing.error()).context("ensure bridge");
  LinkPtr bridge = std::move(*existing);
  bool created = false;
  if (bridge && !is_bridge(bridge.get())) {
    const char* kind = ::rtnl_link_get_type(bridge.get());
    return sys::Error("interface `" + name + "` exists and is " + (kind ? std::string("a ") + kind : "a plain device") +
                          ", not a bridge: choose another bridge name",
                      EEXIST);
  }
  if (!bridge) {
    // Created already up (IFF_UP in the same RTM_NEWLINK): one request fewer.
    LinkPtr wanted(::rtnl_link_bridge_alloc());
    if (!wanted) return sys::Error("allocate a netlink link", ENOMEM);
    ::rtnl_link_set_name(wanted.get(), name.c_str());
    ::rtnl_link_set_flags(wanted.get(), IFF_UP);
    int err = ::rtnl_link_add(socket->get(), wanted.get(), NLM_F_CREATE | NLM_F_EXCL);
    // EEXIST: another minirun made it between our look-up and our request; use it.
    created = err >= 0;
    if (err < 0 && err != -NLE_EXIST) return netlink_error("create bridge `" + name + "`", err);
    auto made = get_link(socket->get(), name);
    if (!made || !*made) {
      if (created) (void)delete_bridge(name);
      if (!made) return std::move(made.error()).context("ensure bridge");
      return sys::Error("bridge `" + name + "` vanished right after it was created (deleted concurrently?)", ENODEV);
    }
    bridge = std::move(*made);
    if (!is_bridge(bridge.get())) {
      return sys::Error("interface `" + name + "` appeared concurrently and is not a bridge: choose another name",
                        EEXIST);
    }
  }

  auto configured = configure_bridge(*socket, bridge.get(), name, gateway, prefix, created);
  if (!configured) {
    // Nothing half-made stays behind: a bridge we created goes again (with it, the
    // address we added). A bridge that was there before is left as it was found, apart
    // from what already succeeded.
    if (created) (void)delete_bridge(name);
    return std::move(configured.error()).context("ensure bridge");
  }
  return sys::ok();
}

sys::Result<void> delete_bridge(const std::string& name) {
  MINIRUN_TRY(check_interface_name(name, "bridge name"), "delete bridge");
  auto socket = RouteSocket::open();
  if (!socket) return std::move(socket.error()).context("delete bridge `" + name + "`");
  auto link = get_link(socket->get(), name);
  if (!link) return std::move(link.error()).context("delete bridge");
  if (!*link) return sys::ok();
  // Deleting by name alone would happily remove the host's eth0 on a typo.
  if (!is_bridge(link->get())) {
    return sys::Error("delete bridge: interface `" + name + "` is not a bridge; not deleting it", EINVAL);
  }
  int err = ::rtnl_link_delete(socket->get(), link->get());
  if (err < 0 && !is_missing(err)) return netlink_error("delete bridge `" + name + "`", err);
  return sys::ok();
}

sys::Result<std::vector<std::pair<uint32_t, int>>> host_ipv4_routes(const std::string& skip_prefix) {
  auto socket = RouteSocket::open();
  if (!socket) return std::move(socket.error()).context("list the host's routes");
  nl_cache* raw = nullptr;
  if (int err = ::rtnl_route_alloc_cache(socket->get(), AF_INET, 0, &raw); err < 0) {
    return netlink_error("list the host's IPv4 routes", err);
  }
  CachePtr cache(raw);

  auto through_skipped_interface = [&](rtnl_route* route) {
    const int hops = ::rtnl_route_get_nnexthops(route);
    if (skip_prefix.empty() || hops == 0) return false;
    for (int i = 0; i < hops; ++i) {
      char name[IF_NAMESIZE] = {};
      const int ifindex = ::rtnl_route_nh_get_ifindex(::rtnl_route_nexthop_n(route, i));
      if (::if_indextoname(ifindex, name) == nullptr) return false;
      if (std::string_view(name).substr(0, skip_prefix.size()) != skip_prefix) return false;
    }
    return true;
  };

  std::vector<std::pair<uint32_t, int>> routes;
  for (nl_object* object = ::nl_cache_get_first(cache.get()); object != nullptr; object = ::nl_cache_get_next(object)) {
    auto* route = reinterpret_cast<rtnl_route*>(object);
    // The local and broadcast routes of the host's own addresses live in table `local`;
    // the main table holds what `ip route` shows, which is what a subnet can collide with.
    if (::rtnl_route_get_table(route) != RT_TABLE_MAIN) continue;
    nl_addr* dst = ::rtnl_route_get_dst(route);
    if (dst == nullptr || ::nl_addr_get_len(dst) != 4) continue;
    const int prefix = static_cast<int>(::nl_addr_get_prefixlen(dst));
    if (prefix == 0) continue;  // the default route "collides" with everything
    if (through_skipped_interface(route)) continue;
    uint32_t network_order = 0;
    std::memcpy(&network_order, ::nl_addr_get_binary_addr(dst), 4);
    routes.emplace_back(ntohl(network_order), prefix);
  }
  return routes;
}

}  // namespace minirun::network
