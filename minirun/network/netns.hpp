/**
 * @file netns.hpp
 * @brief Stepping into a container's network namespace for a moment, and back.
 *
 * A network namespace is a whole copy of the network stack: its own interfaces, addresses,
 * routes, sockets, nftables tables and `/proc/sys/net` knobs (network_namespaces(7)). A
 * container gets a new one from clone(2) with CLONE_NEWNET, and at first it holds only a
 * `lo` that is down. Everything the engine puts in it later (eth0's address, its default
 * route, `lo` up) must be asked of the kernel *from inside*: netlink requests and sysctl
 * writes act on the namespace of the thread that makes them.
 *
 * setns(2) moves the *calling thread* (not the process) into the namespace behind a file
 * descriptor such as `/proc/PID/ns/net`. in_network_namespace() does that, runs one
 * function, and moves the thread back to where it was, so the caller never has to think
 * about which namespace it is in. The useful trick it enables: a socket belongs for its
 * whole life to the namespace it was *created* in. So the engine steps in only to open a
 * netlink socket, steps out, and then configures the container's network from the host
 * side through that socket (see veth_endpoint.cpp).
 *
 * The shell equivalent is `nsenter --net=/proc/PID/ns/net ...` or `ip netns exec NAME ...`
 * (which is a setns + exec). Man pages: setns(2), network_namespaces(7), namespaces(7),
 * nsenter(1).
 *
 * The route netlink socket (RouteSocket) lives here too, because the one decision about a
 * netlink socket that matters is made when it is opened: which namespace it talks to.
 * Everything that talks to the kernel about links, addresses and routes (rtnetlink(7))
 * does it through libnl-route-3 on such a socket, never by running `ip`.
 *
 * Left out on purpose: entering any other kind of namespace (a mount or user namespace
 * cannot be entered by one thread of a multithreaded process, so those need a child
 * process; the runtime does them) and named namespaces under /run/netns (`ip netns add`):
 * the engine keeps a container's namespace alive through its processes, as Docker does.
 *
 * Lab: labs/08-networks
 */
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

struct nl_sock;  // libnl's socket; only the .cpp files need libnl's headers

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::network {

/// Opens `/proc/<pid>/ns/net`: a handle that keeps the network namespace of process
/// `pid` alive and can be passed to in_network_namespace() or as IFLA_NET_NS_FD.
sys::Result<sys::UniqueFd> open_network_namespace(pid_t pid);

/// Runs `fn` with the calling thread joined to the network namespace `netns_fd`
/// (setns(2)), then returns the thread to the namespace it was in, and returns what `fn`
/// returned. Meant for single-threaded callers (the container's monitor): other threads
/// stay where they are. If returning fails the thread would keep working in the
/// container's namespace believing it is on the host, so the process abort()s with a
/// message instead.
sys::Result<void> in_network_namespace(int netns_fd, const std::function<sys::Result<void>()>& fn);

/// A connected NETLINK_ROUTE socket from libnl (the thing `ip` itself talks through),
/// freed on destruction. One per namespace the caller works in: requests on it act on
/// the namespace it was opened in, whatever namespace the thread is in later.
class RouteSocket {
 public:
  /// A socket in the calling thread's current network namespace.
  static sys::Result<RouteSocket> open();
  /// A socket in the network namespace `netns_fd` (opened inside it, used from anywhere).
  static sys::Result<RouteSocket> open_in(int netns_fd);

  RouteSocket(const RouteSocket&) = delete;
  RouteSocket& operator=(const RouteSocket&) = delete;
  RouteSocket(RouteSocket&& other) noexcept;
  RouteSocket& operator=(RouteSocket&& other) noexcept;
  ~RouteSocket();

  nl_sock* get() const { return socket_; }

 private:
  explicit RouteSocket(nl_sock* socket) : socket_(socket) {}
  nl_sock* socket_ = nullptr;
};

/// A libnl failure (a negative NLE_* code) as the kit's Error: "`what`: REASON". The
/// codes that come from a kernel errno get that errno back (NLE_EXIST -> EEXIST,
/// NLE_NODEV -> ENODEV, ...), so callers can test Error::code().
sys::Error netlink_error(const std::string& what, int nl_error);

}  // namespace minirun::network
