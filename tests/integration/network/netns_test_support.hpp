/**
 * @file netns_test_support.hpp
 * @brief What the network integration tests share: a network namespace of the test's
 *        own (a child process that unshared one) and a guard that deletes the links a
 *        test made in it, also when the test fails.
 *
 * Every ROOT_ network test works inside namespaces it made, so the host's own
 * interfaces, routes and sysctls are never touched.
 */
#pragma once

#include <fcntl.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "minirun/network/netns.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::network::testing {

/// A child process alone in a new network namespace; killed (by its pid) and reaped on
/// destruction. fd() keeps the namespace open for setns.
class NamespaceChild {
 public:
  NamespaceChild() {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) < 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test binary takes it along
      const char answer = ::unshare(CLONE_NEWNET) == 0 ? '1' : '0';
      (void)!::write(ready[1], &answer, 1);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    char answer = '0';
    if (pid_ > 0 && ::read(ready[0], &answer, 1) == 1 && answer == '1') {
      auto fd = open_network_namespace(pid_);
      if (fd) fd_ = std::move(*fd);
    }
    ::close(ready[0]);
  }
  ~NamespaceChild() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  NamespaceChild(const NamespaceChild&) = delete;
  NamespaceChild& operator=(const NamespaceChild&) = delete;

  bool ok() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }

  /// Lets the namespace die: closes our handle and kills its only process.
  void end() {
    fd_.reset();
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  sys::UniqueFd fd_;
};

/// Deletes the links named in `names` inside namespace `netns_fd` at scope exit.
class LinkCleanup {
 public:
  LinkCleanup(int netns_fd, std::vector<std::string> names) : netns_fd_(netns_fd), names_(std::move(names)) {}
  LinkCleanup(const LinkCleanup&) = delete;
  LinkCleanup& operator=(const LinkCleanup&) = delete;
  ~LinkCleanup() {
    (void)in_network_namespace(netns_fd_, [&]() -> sys::Result<void> {
      auto socket = RouteSocket::open();
      if (!socket) return sys::ok();
      for (const auto& name : names_) {
        rtnl_link* link = ::rtnl_link_alloc();
        ::rtnl_link_set_name(link, name.c_str());
        (void)::rtnl_link_delete(socket->get(), link);
        ::rtnl_link_put(link);
      }
      return sys::ok();
    });
  }

 private:
  int netns_fd_;
  std::vector<std::string> names_;
};

}  // namespace minirun::network::testing
