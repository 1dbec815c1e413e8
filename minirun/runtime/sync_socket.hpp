/**
 * @file sync_socket.hpp
 * @brief The conversation between the runtime and the container's first process.
 *
 * After clone3(2) two processes must take turns: the parent puts the child in its
 * cgroup and writes its uid/gid maps, and only then may the child go on; the child
 * sets up mounts, pivot_root, privileges, and then tells the parent it is ready (or
 * why it failed, so the parent can print one clear error and clean up). They talk over
 * a socketpair(2) of type SOCK_SEQPACKET: each write is one message, so a message is a
 * type byte and an optional text, and no framing code is needed. If the child dies,
 * the parent reads end-of-file instead of blocking forever.
 *
 * Man pages: socketpair(2), unix(7) (SOCK_SEQPACKET).
 */
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

/// Message types.
enum class SyncMessage : char {
  go = 'G',     ///< parent -> child: cgroup and id maps are in place, carry on
  ready = 'R',  ///< child -> parent: set up, waiting for `start`
  error = 'E',  ///< child -> parent: setup failed; the text says why
};

/// Both ends of a fresh socketpair (SOCK_SEQPACKET | SOCK_CLOEXEC).
sys::Result<std::pair<sys::UniqueFd, sys::UniqueFd>> make_sync_socket();

/// Sends one message.
sys::Result<void> send_sync(int fd, SyncMessage type, std::string_view text = {});

/// Receives one message; end-of-file (the peer is gone) is an error.
sys::Result<std::pair<SyncMessage, std::string>> receive_sync(int fd);

/// Like receive_sync, but only takes a message that is already there (MSG_DONTWAIT):
/// an error when there is none. For the parent to look for the child's own error.
sys::Result<std::pair<SyncMessage, std::string>> receive_sync_nowait(int fd);

}  // namespace minirun::runtime
