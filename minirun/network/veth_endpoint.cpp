/**
 * @file veth_endpoint.cpp
 * @brief The veth pair through libnl-route-3; see veth_endpoint.hpp for the steps and why.
 *
 * Cost: one RTM_NEWLINK for the pair, then inside the namespace an RTM_GETLINK for the
 * container end, an RTM_NEWADDR, an RTM_NEWLINK to set it up, an RTM_GETLINK and
 * RTM_NEWLINK for `lo`, and an RTM_NEWROUTE. No dump of all links anywhere (a host with many containers has many).
 *
 * Lab: labs/08-networks
 */
#include "minirun/network/veth_endpoint.hpp"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <memory>
#include <optional>

#include "minirun/network/bridge.hpp"
#include "minirun/network/netns.hpp"

namespace minirun::network {
namespace {

struct LinkPut {
  void operator()(rtnl_link* link) const { ::rtnl_link_put(link); }
};
struct VethRelease {
  // A veth link object owns its peer object; rtnl_link_veth_release frees both.
  void operator()(rtnl_link* link) const { ::rtnl_link_veth_release(link); }
};
struct NlAddrPut {
  void operator()(nl_addr* addr) const { ::nl_addr_put(addr); }
};
struct RoutePut {
  void operator()(rtnl_route* route) const { ::rtnl_route_put(route); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using VethPtr = std::unique_ptr<rtnl_link, VethRelease>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrPut>;
using RoutePtr = std::unique_ptr<rtnl_route, RoutePut>;

bool is_missing(int nl_error) { return nl_error == -NLE_NODEV || nl_error == -NLE_OBJ_NOTFOUND; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

NlAddrPtr ipv4_nl_addr(uint32_t address, int prefix) {
  const uint32_t network_order = htonl(address);
  NlAddrPtr addr(::nl_addr_build(AF_INET, &network_order, 4));
  if (addr) ::nl_addr_set_prefixlen(addr.get(), prefix);
  return addr;
}

/// Step 1: the pair in one request (see the header). Without `mac` the kernel picks one.
sys::Result<void> create_pair(const RouteSocket& host, int netns_fd, int bridge_index, const EndpointConfig& config,
                              const std::optional<MacAddress>& mac) {
  VethPtr veth(::rtnl_link_veth_alloc());
  if (!veth) return sys::Error("allocate a netlink veth link", ENOMEM);
  ::rtnl_link_set_name(veth.get(), config.host_ifname.c_str());
  ::rtnl_link_set_master(veth.get(), bridge_index);
  ::rtnl_link_set_flags(veth.get(), IFF_UP);
  // get_peer hands out a reference of its own; the peer object still belongs to `veth`.
  LinkPtr peer(::rtnl_link_veth_get_peer(veth.get()));
  ::rtnl_link_set_name(peer.get(), config.container_ifname.c_str());
  ::rtnl_link_set_ns_fd(peer.get(), netns_fd);
  // Not IFF_UP here: the kernel brings the peer up before it links the two ends
  // together, and opening a veth without its other end fails (ENOTCONN). The container
  // end is set up from inside the namespace instead.
  if (mac) {
    NlAddrPtr lladdr(::nl_addr_build(AF_LLC, mac->data(), mac->size()));
    if (!lladdr) return sys::Error("allocate a netlink address", ENOMEM);
    ::rtnl_link_set_addr(peer.get(), lladdr.get());
  }
  if (int err = ::rtnl_link_add(host.get(), veth.get(), NLM_F_CREATE | NLM_F_EXCL); err < 0) {
    std::string what = "create veth pair `" + config.host_ifname + "` (host, on bridge `" + config.bridge + "`) - `" +
                       config.container_ifname + "` (container)";
    if (err == -NLE_EXIST) what += " (one of the two names is taken: detach the old endpoint first)";
    return netlink_error(what, err);
  }
  return sys::ok();
}

/// RTM_GETLINK for one name through `socket`.
sys::Result<LinkPtr> get_link(const RouteSocket& socket, const std::string& name) {
  rtnl_link* raw = nullptr;
  if (int err = ::rtnl_link_get_kernel(socket.get(), 0, name.c_str(), &raw); err < 0) {
    return netlink_error("look up `" + name + "`", err);
  }
  return LinkPtr(raw);
}

/// Sets `link` up through `socket` (RTM_NEWLINK), unless it is up already.
sys::Result<void> set_link_up(const RouteSocket& socket, const LinkPtr& link) {
  const std::string name = ::rtnl_link_get_name(link.get());
  if (::rtnl_link_get_flags(link.get()) & IFF_UP) return sys::ok();
  LinkPtr change(::rtnl_link_alloc());
  if (!change) return sys::Error("allocate a netlink link", ENOMEM);
  ::rtnl_link_set_flags(change.get(), IFF_UP);
  if (int err = ::rtnl_link_change(socket.get(), link.get(), change.get(), 0); err < 0) {
    return netlink_error("set `" + name + "` up", err);
  }
  return sys::ok();
}

/// RTM_NEWROUTE: default via `gateway` on `ifindex`, in the main table. Protocol "boot"
/// and scope "universe" are what `ip route add default via ...` sends.
sys::Result<void> add_default_route(const RouteSocket& socket, int ifindex, uint32_t gateway) {
  RoutePtr route(::rtnl_route_alloc());
  NlAddrPtr any = ipv4_nl_addr(0, 0);
  NlAddrPtr via = ipv4_nl_addr(gateway, 32);
  rtnl_nexthop* hop = ::rtnl_route_nh_alloc();
  if (!route || !any || !via || hop == nullptr) {
    if (hop != nullptr) ::rtnl_route_nh_free(hop);
    return sys::Error("allocate a netlink route", ENOMEM);
  }
  ::rtnl_route_set_family(route.get(), AF_INET);
  ::rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  ::rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  ::rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  ::rtnl_route_set_type(route.get(), RTN_UNICAST);
  if (int err = ::rtnl_route_set_dst(route.get(), any.get()); err < 0) return netlink_error("set route destination", err);
  ::rtnl_route_nh_set_ifindex(hop, ifindex);
  ::rtnl_route_nh_set_gateway(hop, via.get());
  ::rtnl_route_add_nexthop(route.get(), hop);  // the route owns the hop from here
  if (int err = ::rtnl_route_add(socket.get(), route.get(), NLM_F_EXCL); err < 0) {
    return netlink_error("add default route via " + format_ipv4(gateway), err);
  }
  return sys::ok();
}

/// Step 3: inside the namespace, through a socket opened there.
sys::Result<void> configure_container_end(int netns_fd, const EndpointConfig& config) {
  auto inside = RouteSocket::open_in(netns_fd);
  if (!inside) return std::move(inside.error());
  auto container_end = get_link(*inside, config.container_ifname);
  if (!container_end) return std::move(container_end.error()).context("in the container");
  const int ifindex = ::rtnl_link_get_ifindex(container_end->get());
  // Address first, then up: the subnet's route appears as the link comes up with it.
  MINIRUN_TRY(add_ipv4_address(*inside, ifindex, config.address, config.prefix), "`" + config.container_ifname + "`");
  MINIRUN_TRY(set_link_up(*inside, *container_end), "in the container");
  auto loopback = get_link(*inside, "lo");
  if (!loopback) return std::move(loopback.error()).context("in the container");
  MINIRUN_TRY(set_link_up(*inside, *loopback), "in the container");
  if (config.default_route) MINIRUN_TRY(add_default_route(*inside, ifindex, config.gateway), config.container_ifname);
  return sys::ok();
}

/// RTM_DELLINK by name; a link that is not there is success.
sys::Result<void> delete_link(const RouteSocket& socket, const std::string& name) {
  LinkPtr link(::rtnl_link_alloc());
  if (!link) return sys::Error("allocate a netlink link", ENOMEM);
  ::rtnl_link_set_name(link.get(), name.c_str());
  int err = ::rtnl_link_delete(socket.get(), link.get());
  if (err < 0 && !is_missing(err)) return netlink_error("delete `" + name + "`", err);
  return sys::ok();
}

}  // namespace

sys::Result<MacAddress> parse_mac(const std::string& text) {
  // "xx:xx:xx:xx:xx:xx" is exactly 17 characters.
  const std::string wanted = ": write it as six two-digit hex bytes separated by ':', e.g. 02:42:ac:12:00:02";
  if (text.size() != 17) return sys::Error("MAC address `" + text + "` is malformed" + wanted);
  MacAddress mac{};
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const int high = hex_digit(text[i * 3]);
    const int low = hex_digit(text[i * 3 + 1]);
    if (high < 0 || low < 0 || (i < 5 && text[i * 3 + 2] != ':')) {
      return sys::Error("MAC address `" + text + "` is malformed" + wanted);
    }
    mac[i] = static_cast<uint8_t>(high * 16 + low);
  }
  if (mac[0] & 0x01) {
    return sys::Error("MAC address `" + text +
                      "` is a multicast address (lowest bit of the first byte set), which an Ethernet interface "
                      "cannot have: use a unicast one such as 02:42:ac:12:00:02");
  }
  if (mac == MacAddress{}) return sys::Error("MAC address `" + text + "` is all zeros: use a real address");
  return mac;
}

sys::Result<void> check_endpoint_config(const EndpointConfig& config) {
  MINIRUN_TRY(check_interface_name(config.host_ifname, "host interface name"), "endpoint");
  MINIRUN_TRY(check_interface_name(config.bridge, "bridge name"), "endpoint");
  MINIRUN_TRY(check_interface_name(config.container_ifname, "container interface name"), "endpoint");
  const std::string where = "endpoint `" + config.host_ifname + "`: ";
  if (config.prefix < 1 || config.prefix > 32) {
    return sys::Error(where + "prefix /" + std::to_string(config.prefix) + " is out of range: use /1 to /32");
  }
  const uint32_t mask = config.prefix == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> config.prefix);
  const uint32_t network = config.address & mask;
  const std::string shown = format_ipv4(config.address) + "/" + std::to_string(config.prefix);
  if (config.address == 0) return sys::Error(where + "no address given: the endpoint needs one");
  if (config.prefix < 31 && (config.address == network || config.address == (network | ~mask))) {
    return sys::Error(where + "address " + shown + " is the network's own or broadcast address: pick a host address");
  }
  if (config.default_route) {
    if ((config.gateway & mask) != network || config.gateway == config.address) {
      return sys::Error(where + "gateway " + format_ipv4(config.gateway) + " is not another address inside " + shown +
                        ": give the bridge's address as gateway");
    }
  }
  if (!config.mac.empty()) {
    auto mac = parse_mac(config.mac);
    if (!mac) return std::move(mac.error()).context(where.substr(0, where.size() - 2));
  }
  return sys::ok();
}

sys::Result<void> attach_endpoint(int netns_fd, const EndpointConfig& config) {
  MINIRUN_TRY(check_endpoint_config(config), "attach endpoint");
  std::optional<MacAddress> mac;
  if (!config.mac.empty()) mac = *parse_mac(config.mac);
  // if_nametoindex is one ioctl; a missing bridge must fail before anything exists.
  const int bridge_index = static_cast<int>(::if_nametoindex(config.bridge.c_str()));
  if (bridge_index == 0) {
    return sys::Error("attach endpoint `" + config.host_ifname + "`: bridge `" + config.bridge +
                          "` does not exist: create (or re-create) its network first",
                      ENODEV);
  }
  auto host = RouteSocket::open();
  if (!host) return std::move(host.error()).context("attach endpoint `" + config.host_ifname + "`");

  MINIRUN_TRY(create_pair(*host, netns_fd, bridge_index, config, mac), "attach endpoint");
  auto configured = configure_container_end(netns_fd, config);
  if (!configured) {
    // Deleting the host end deletes the pair, with the address and route inside.
    (void)delete_link(*host, config.host_ifname);
    return std::move(configured.error()).context("attach endpoint `" + config.host_ifname + "`");
  }
  return sys::ok();
}

sys::Result<void> detach_endpoint(const std::string& host_ifname) {
  MINIRUN_TRY(check_interface_name(host_ifname, "host interface name"), "detach endpoint");
  auto host = RouteSocket::open();
  if (!host) return std::move(host.error()).context("detach endpoint `" + host_ifname + "`");
  rtnl_link* raw = nullptr;
  int err = ::rtnl_link_get_kernel(host->get(), 0, host_ifname.c_str(), &raw);
  if (is_missing(err)) return sys::ok();
  if (err < 0) return netlink_error("detach endpoint: look up `" + host_ifname + "`", err);
  LinkPtr link(raw);
  // The name came from the engine's state; a stale or wrong state must not delete an
  // unrelated interface that happens to carry it now.
  if (!::rtnl_link_is_veth(link.get())) {
    const char* kind = ::rtnl_link_get_type(link.get());
    return sys::Error("detach endpoint: interface `" + host_ifname + "` is " +
                          (kind ? std::string("a ") + kind : "not a veth") + ", not a veth; not deleting it",
                      EINVAL);
  }
  MINIRUN_TRY(delete_link(*host, host_ifname), "detach endpoint");
  return sys::ok();
}

}  // namespace minirun::network
