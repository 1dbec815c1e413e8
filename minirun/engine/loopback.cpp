/**
 * @file loopback.cpp
 * @brief setns + socket, then SIOCSIFFLAGS; see loopback.hpp.
 */
#include "minirun/engine/loopback.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "minirun/network/netns.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::engine {

sys::Result<void> bring_up_loopback(pid_t pid) {
  auto ns = network::open_network_namespace(pid);
  if (!ns) return std::move(ns.error());
  const std::string where = "bring up lo in the network namespace of process " + std::to_string(pid);
  // A socket belongs to the namespace its creator was in when it made it, for life: so
  // only its creation happens in the container's namespace, the ioctls work from home.
  sys::UniqueFd sock;
  auto made = network::in_network_namespace(ns->get(), [&]() -> sys::Result<void> {
    sock.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return sys::Error::from_errno("socket", "AF_INET");
    return sys::ok();
  });
  if (!made) return std::move(made.error()).context(where);
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) < 0) return sys::Error::from_errno("ioctl SIOCGIFFLAGS", "lo").context(where);
  request.ifr_flags |= IFF_UP;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) < 0) return sys::Error::from_errno("ioctl SIOCSIFFLAGS", "lo").context(where);
  return sys::ok();
}

}  // namespace minirun::engine
