/**
 * @file sync_socket.cpp
 * @brief Parent/child messages over a SOCK_SEQPACKET socketpair (see sync_socket.hpp).
 */
#include "minirun/runtime/sync_socket.hpp"

#include <sys/socket.h>

namespace minirun::runtime {

using sys::Error;
using sys::UniqueFd;

sys::Result<std::pair<UniqueFd, UniqueFd>> make_sync_socket() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return Error::from_errno("socketpair");
  return std::pair<UniqueFd, UniqueFd>(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

sys::Result<void> send_sync(int fd, SyncMessage type, std::string_view text) {
  std::string msg(1, static_cast<char>(type));
  msg.append(text);
  for (;;) {
    if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) >= 0) return sys::ok();
    if (errno != EINTR) return Error::from_errno("send", "sync socket");
  }
}

namespace {
sys::Result<std::pair<SyncMessage, std::string>> receive(int fd, int flags) {
  char buf[8192];
  bool reset_seen = false;
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, flags);
    if (n < 0 && errno == EINTR) continue;
    // The peer closed while a message *to* it was still unread (the child failed and
    // exited before reading `go`): the kernel reports that as ECONNRESET, once, ahead
    // of whatever the peer had sent us before. Read on: its last words are what matter.
    if (n < 0 && errno == ECONNRESET && !reset_seen) {
      reset_seen = true;
      continue;
    }
    if (n < 0) return Error::from_errno("recv", "sync socket");
    if (n == 0) return Error("the container's init exited during setup");
    return std::pair<SyncMessage, std::string>(static_cast<SyncMessage>(buf[0]),
                                               std::string(buf + 1, static_cast<size_t>(n - 1)));
  }
}
}  // namespace

sys::Result<std::pair<SyncMessage, std::string>> receive_sync(int fd) { return receive(fd, 0); }

sys::Result<std::pair<SyncMessage, std::string>> receive_sync_nowait(int fd) { return receive(fd, MSG_DONTWAIT); }

}  // namespace minirun::runtime
