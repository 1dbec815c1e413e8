/**
 * @file netns.cpp
 * @brief setns(2) into a network namespace and back; see netns.hpp.
 *
 * Lab: labs/08-networks
 */
#include "minirun/network/netns.hpp"

#include <fcntl.h>
#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <utility>

#include "minirun/sys/file.hpp"

namespace minirun::network {
namespace {

// The thread's own namespace, not the process's: after another thread called setns,
// /proc/self/ns/net (the main thread's) may be a different namespace than ours.
constexpr const char* kThisThreadNetns = "/proc/thread-self/ns/net";

/// Takes the thread back to `home` when the scope ends, on every path out of
/// in_network_namespace (also if `fn` throws, which the kit's code does not do but a
/// std::function may, e.g. std::bad_alloc).
class ReturnToNamespace {
 public:
  explicit ReturnToNamespace(int home) : home_(home) {}
  ReturnToNamespace(const ReturnToNamespace&) = delete;
  ReturnToNamespace& operator=(const ReturnToNamespace&) = delete;
  ~ReturnToNamespace() {
    if (::setns(home_, CLONE_NEWNET) == 0) return;
    // There is no good way on: every later socket, route or sysctl write of this thread
    // would land in the container's namespace while the code believes it is on the host
    // (a port published into the wrong namespace, a host route added inside the
    // container). Stopping loudly is the only safe answer. It cannot really happen:
    // setns back into a namespace we were in, through an fd we hold, has no failure
    // mode short of memory exhaustion.
    std::fprintf(stderr, "minirun: fatal: setns back to the original network namespace: %s\n",
                 std::strerror(errno));
    std::abort();
  }

 private:
  int home_;
};

}  // namespace

sys::Result<sys::UniqueFd> open_network_namespace(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  auto fd = sys::open_file(path, O_RDONLY);
  if (!fd) return std::move(fd.error()).context("open the network namespace of process " + std::to_string(pid));
  return fd;
}

sys::Result<void> in_network_namespace(int netns_fd, const std::function<sys::Result<void>()>& fn) {
  auto home = sys::open_file(kThisThreadNetns, O_RDONLY);
  if (!home) return std::move(home.error()).context("remember the current network namespace");
  if (::setns(netns_fd, CLONE_NEWNET) < 0) {
    return sys::Error::from_errno("setns CLONE_NEWNET", "fd " + std::to_string(netns_fd));
  }
  ReturnToNamespace back(home->get());
  return fn();
}

sys::Result<RouteSocket> RouteSocket::open() {
  nl_sock* socket = ::nl_socket_alloc();
  if (socket == nullptr) return sys::Error("allocate a netlink socket", ENOMEM);
  // nl_connect binds NETLINK_ROUTE with SOCK_CLOEXEC: the fd never leaks into a
  // container's process.
  if (int err = ::nl_connect(socket, NETLINK_ROUTE); err < 0) {
    ::nl_socket_free(socket);
    return netlink_error("connect a NETLINK_ROUTE socket", err);
  }
  return RouteSocket(socket);
}

sys::Result<RouteSocket> RouteSocket::open_in(int netns_fd) {
  nl_sock* opened = nullptr;
  auto entered = in_network_namespace(netns_fd, [&]() -> sys::Result<void> {
    auto socket = open();
    if (!socket) return std::move(socket.error());
    opened = std::exchange(socket->socket_, nullptr);
    return sys::ok();
  });
  if (!entered) return std::move(entered.error()).context("open a netlink socket in another network namespace");
  return RouteSocket(opened);
}

RouteSocket::RouteSocket(RouteSocket&& other) noexcept : socket_(std::exchange(other.socket_, nullptr)) {}

RouteSocket& RouteSocket::operator=(RouteSocket&& other) noexcept {
  if (this != &other) {
    if (socket_ != nullptr) ::nl_socket_free(socket_);
    socket_ = std::exchange(other.socket_, nullptr);
  }
  return *this;
}

RouteSocket::~RouteSocket() {
  // nl_socket_free also closes the fd.
  if (socket_ != nullptr) ::nl_socket_free(socket_);
}

sys::Error netlink_error(const std::string& what, int nl_error) {
  // libnl turns the kernel's errno into its own NLE_* codes (nl_syserr2nlerr); turn the
  // common ones back so the line reads like every other error of the kit.
  int code = 0;
  switch (nl_error < 0 ? -nl_error : nl_error) {
    case NLE_EXIST: code = EEXIST; break;
    case NLE_NODEV: code = ENODEV; break;
    case NLE_OBJ_NOTFOUND: code = ENOENT; break;
    case NLE_PERM: code = EPERM; break;
    case NLE_NOACCESS: code = EACCES; break;
    case NLE_BUSY: code = EBUSY; break;
    case NLE_INVAL: code = EINVAL; break;
    case NLE_RANGE: code = ERANGE; break;
    case NLE_NOMEM: code = ENOMEM; break;
    case NLE_OPNOTSUPP: code = EOPNOTSUPP; break;
    case NLE_NOADDR: code = EADDRNOTAVAIL; break;
    default: break;
  }
  if (code != 0) return sys::Error(what, code);
  return sys::Error(what + ": " + ::nl_geterror(nl_error));
}

}  // namespace minirun::network
