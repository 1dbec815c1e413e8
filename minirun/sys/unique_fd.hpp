/**
 * @file unique_fd.hpp
 * @brief UniqueFd: a file descriptor that closes itself.
 *
 * Every kernel handle the runtime holds (a namespace, a cgroup directory, a pidfd, the
 * sync socket to a container's init) is a file descriptor. A leaked one is worse than
 * a leaked byte of memory: a descriptor that survives into the container is a way out
 * (runc's CVE-2024-21626 was a leaked fd of the host's cgroup directory). So every fd
 * lives in a UniqueFd, is opened with O_CLOEXEC, and is closed exactly once, by the
 * destructor, on every path. Like Porto's `TFile` or crun's `cleanup_close`.
 *
 * Man pages: close(2), open(2) (O_CLOEXEC).
 */
#pragma once

#include <unistd.h>

#include <utility>

namespace minirun::sys {

/// Owns one file descriptor; non-copyable, movable, closes on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  /// Gives up ownership without closing (e.g. the fd becomes a child's stdin).
  int release() { return std::exchange(fd_, -1); }

  /// Closes the current fd (errors from close(2) are ignored: the fd is gone either
  /// way, and retrying close on Linux may close someone else's fd).
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace minirun::sys
