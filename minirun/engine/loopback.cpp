/**
 * @file loopback.cpp
 * @brief setns + SIOCSIFFLAGS in a child; see loopback.hpp.
 */
#include "minirun/engine/loopback.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace minirun::engine {

sys::Result<void> bring_up_loopback(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) return sys::Error::from_errno("open", path);
  pid_t child = ::fork();
  if (child < 0) {
    sys::Error error = sys::Error::from_errno("fork");
    ::close(ns);
    return error;
  }
  if (child == 0) {
    // Exit codes carry the failing step back: 1 setns, 2 socket, 3 ioctl.
    if (::setns(ns, CLONE_NEWNET) < 0) ::_exit(1);
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) ::_exit(2);
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(sock, SIOCGIFFLAGS, &request) < 0) ::_exit(3);
    request.ifr_flags |= IFF_UP;
    if (::ioctl(sock, SIOCSIFFLAGS, &request) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(ns);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return sys::ok();
  static const char* steps[] = {"", "setns", "socket", "ioctl SIOCSIFFLAGS"};
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  return sys::Error(std::string("bring up lo in ") + path + ": " + (code >= 1 && code <= 3 ? steps[code] : "killed") +
                    " failed");
}

}  // namespace minirun::engine
