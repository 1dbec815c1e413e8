/**
 * @file console.cpp
 * @brief Pseudo-terminals for containers (see console.hpp).
 */
#include "minirun/runtime/console.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace minirun::runtime {

using sys::Error;
using sys::UniqueFd;

static sys::Result<void> send_fd(int socket, int fd, const std::string& name) {
  struct msghdr msg {};
  char control[CMSG_SPACE(sizeof(int))] = {};
  struct iovec iov {const_cast<char*>(name.data()), name.size()};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  if (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) return Error::from_errno("sendmsg", "console socket");
  return sys::ok();
}

sys::Result<void> setup_console(int console_socket) {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) return Error::from_errno("open", "/dev/ptmx");
  if (::unlockpt(master.get()) < 0) return Error::from_errno("unlockpt");
  char name[128];
  if (::ptsname_r(master.get(), name, sizeof name) != 0) return Error::from_errno("ptsname");
  UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) return Error::from_errno("open", name);
  MINIRUN_TRY(send_fd(console_socket, master.get(), name), "send pty master");
  for (int fd = 0; fd <= 2; ++fd)
    if (::dup2(slave.get(), fd) < 0) return Error::from_errno("dup2", name);
  if (::ioctl(0, TIOCSCTTY, 0) < 0) return Error::from_errno("ioctl TIOCSCTTY", name);
  return sys::ok();
}

sys::Result<UniqueFd> connect_console_socket(const std::string& path) {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) return Error::from_errno("socket");
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Error("--console-socket: path too long: " + path);
  std::strcpy(addr.sun_path, path.c_str());
  if (::connect(s.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0) {
    return Error::from_errno("connect", path).context("--console-socket");
  }
  return s;
}

sys::Result<UniqueFd> receive_fd(int socket) {
  char buf[256];
  char control[CMSG_SPACE(sizeof(int))] = {};
  struct iovec iov {buf, sizeof buf};
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC) < 0) return Error::from_errno("recvmsg", "console socket");
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) return Error("console socket: no file descriptor received");
  int fd;
  std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return UniqueFd(fd);
}

}  // namespace minirun::runtime
