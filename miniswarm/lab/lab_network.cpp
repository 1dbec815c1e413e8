/**
 * @file lab_network.cpp
 * @brief Named network namespaces, the nodes' cables, link up/down, and the host's
 *        routes and addresses, through libnl-route-3 (lab_network.hpp).
 */
#include "miniswarm/lab/lab_network.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "minirun/network/bridge.hpp"
#include "minirun/network/netns.hpp"
#include "minirun/network/veth_endpoint.hpp"
#include "minirun/sys/file.hpp"

namespace miniswarm::lab {

using minirun::network::RouteSocket;
using minirun::sys::Error;
using minirun::sys::Result;

namespace {

constexpr const char* kNetnsDir = "/run/netns";

struct LinkPut {
  void operator()(rtnl_link* link) const { ::rtnl_link_put(link); }
};
struct CacheFree {
  void operator()(nl_cache* cache) const { ::nl_cache_free(cache); }
};

std::string interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  return ::if_indextoname(ifindex, name) != nullptr ? name : "";
}

uint32_t ipv4_of(nl_addr* addr) {
  uint32_t network_order = 0;
  std::memcpy(&network_order, ::nl_addr_get_binary_addr(addr), 4);
  return ntohl(network_order);
}

}  // namespace

std::string netns_path(const std::string& name) { return std::string(kNetnsDir) + "/" + name; }

bool named_netns_exists(const std::string& name) { return minirun::sys::path_exists(netns_path(name)); }

Result<void> create_named_netns(const std::string& name) {
  MINIRUN_TRY(minirun::sys::make_directories(kNetnsDir), "create network namespace `" + name + "`");
  const std::string path = netns_path(name);
  // The mount point: an empty file (a namespace file can only be bind-mounted on a file).
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) {
    return Error::from_errno("create", path)
        .context("network namespace `" + name + "` exists already: run `miniswarm lab down` (or `ip netns delete " +
                 name + "`)");
  }
  ::close(fd);
  // The new namespace belongs to a child, so this process stays where it is. The child
  // is still in our mount namespace: its bind mount is visible on the host.
  pid_t child = ::fork();
  if (child < 0) {
    ::unlink(path.c_str());
    return Error::from_errno("fork");
  }
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
    if (::mount("/proc/self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) ::_exit(2);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ::unlink(path.c_str());
    const char* step = WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "unshare(CLONE_NEWNET)" : "bind-mount";
    return Error(std::string("create network namespace `") + name + "`: " + step + " failed in the child");
  }
  return minirun::sys::ok();
}

Result<void> delete_named_netns(const std::string& name) {
  const std::string path = netns_path(name);
  if (!minirun::sys::path_exists(path)) return minirun::sys::ok();
  // MNT_DETACH: copies of this mount in other mount namespaces do not keep us waiting.
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL) {
    return Error::from_errno("umount", path).context("delete network namespace `" + name + "`");
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error::from_errno("unlink", path).context("delete network namespace `" + name + "`");
  }
  return minirun::sys::ok();
}

Result<void> connect_node(const LabPlan& plan, const NodePlan& node) {
  auto fd = minirun::sys::open_file(netns_path(node.netns), O_RDONLY);
  if (!fd) return std::move(fd.error()).context("connect " + node.name);
  minirun::network::EndpointConfig cable;
  cable.host_ifname = node.host_veth;
  cable.bridge = plan.bridge;
  cable.container_ifname = "eth0";
  cable.address = node.address;
  cable.prefix = plan.subnet.prefix;
  cable.gateway = plan.gateway;
  cable.mac = minirun::network::mac_for_address(node.address);
  cable.default_route = true;
  MINIRUN_TRY(minirun::network::attach_endpoint(fd->get(), cable), "connect " + node.name);
  return minirun::sys::ok();
}

Result<void> disconnect_node(const NodePlan& node) {
  MINIRUN_TRY(minirun::network::detach_endpoint(node.host_veth), "disconnect " + node.name);
  return minirun::sys::ok();
}

Result<void> set_link_up(const std::string& ifname, bool up) {
  auto socket = RouteSocket::open();
  if (!socket) return std::move(socket.error());
  rtnl_link* raw = nullptr;
  if (int err = ::rtnl_link_get_kernel(socket->get(), 0, ifname.c_str(), &raw); err < 0) {
    return minirun::network::netlink_error("look up interface `" + ifname + "`", err);
  }
  std::unique_ptr<rtnl_link, LinkPut> link(raw);
  std::unique_ptr<rtnl_link, LinkPut> change(::rtnl_link_alloc());
  if (!change) return Error("allocate a netlink link", ENOMEM);
  if (up) {
    ::rtnl_link_set_flags(change.get(), IFF_UP);
  } else {
    ::rtnl_link_unset_flags(change.get(), IFF_UP);
  }
  if (int err = ::rtnl_link_change(socket->get(), link.get(), change.get(), 0); err < 0) {
    return minirun::network::netlink_error(std::string("set `") + ifname + "` " + (up ? "up" : "down"), err);
  }
  return minirun::sys::ok();
}

std::optional<bool> link_is_up(const std::string& ifname) {
  if (ifname.size() > minirun::network::kMaxInterfaceName) return std::nullopt;
  // SIOCGIFFLAGS would do as well; a netlink look-up keeps one way of asking.
  auto socket = RouteSocket::open();
  if (!socket) return std::nullopt;
  rtnl_link* raw = nullptr;
  if (::rtnl_link_get_kernel(socket->get(), 0, ifname.c_str(), &raw) < 0) return std::nullopt;
  std::unique_ptr<rtnl_link, LinkPut> link(raw);
  return (::rtnl_link_get_flags(link.get()) & IFF_UP) != 0;
}

Result<std::vector<HostRoute>> list_host_routes() {
  auto socket = RouteSocket::open();
  if (!socket) return std::move(socket.error()).context("list the host's routes");
  nl_cache* raw = nullptr;
  if (int err = ::rtnl_route_alloc_cache(socket->get(), AF_INET, 0, &raw); err < 0) {
    return minirun::network::netlink_error("list the host's IPv4 routes", err);
  }
  std::unique_ptr<nl_cache, CacheFree> cache(raw);
  std::vector<HostRoute> routes;
  for (nl_object* object = ::nl_cache_get_first(cache.get()); object != nullptr; object = ::nl_cache_get_next(object)) {
    auto* route = reinterpret_cast<rtnl_route*>(object);
    if (::rtnl_route_get_table(route) != RT_TABLE_MAIN) continue;
    nl_addr* dst = ::rtnl_route_get_dst(route);
    if (dst == nullptr || ::nl_addr_get_len(dst) != 4) continue;
    const int prefix = static_cast<int>(::nl_addr_get_prefixlen(dst));
    if (prefix == 0) continue;  // the default route "overlaps" everything
    HostRoute entry;
    entry.destination = {ipv4_of(dst), prefix};
    if (::rtnl_route_get_nnexthops(route) > 0) {
      entry.device = interface_name(::rtnl_route_nh_get_ifindex(::rtnl_route_nexthop_n(route, 0)));
    }
    routes.push_back(entry);
  }
  return routes;
}

Result<std::vector<HostAddress>> list_host_addresses() {
  auto socket = RouteSocket::open();
  if (!socket) return std::move(socket.error()).context("list the host's addresses");
  nl_cache* raw = nullptr;
  if (int err = ::rtnl_addr_alloc_cache(socket->get(), &raw); err < 0) {
    return minirun::network::netlink_error("list the host's IPv4 addresses", err);
  }
  std::unique_ptr<nl_cache, CacheFree> cache(raw);
  std::vector<HostAddress> addresses;
  for (nl_object* object = ::nl_cache_get_first(cache.get()); object != nullptr; object = ::nl_cache_get_next(object)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(object);
    if (::rtnl_addr_get_family(addr) != AF_INET) continue;
    nl_addr* local = ::rtnl_addr_get_local(addr);
    if (local == nullptr || ::nl_addr_get_len(local) != 4) continue;
    addresses.push_back({ipv4_of(local), ::rtnl_addr_get_prefixlen(addr), interface_name(::rtnl_addr_get_ifindex(addr))});
  }
  return addresses;
}

}  // namespace miniswarm::lab
