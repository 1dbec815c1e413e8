/**
 * @file test_env.cpp
 * @brief Shared test support (see test_env.hpp).
 */
#include "tests/support/test_env.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>

#include "minirun/sys/file.hpp"

#ifndef MINIRUN_OCI_BINARY
#define MINIRUN_OCI_BINARY "minirun-oci"
#endif
#ifndef MINIRUN_SOURCE_DIR
#define MINIRUN_SOURCE_DIR "."
#endif

namespace minirun::testing {

bool running_as_root() { return ::geteuid() == 0; }

std::string minirun_oci_binary() { return MINIRUN_OCI_BINARY; }

std::string busybox_rootfs() {
  static std::once_flag once;
  static std::string path;
  std::call_once(once, [] {
    // Built up with append(): g++ 12 warns (-Warray-bounds, a known false positive) on
    // the equivalent operator+ of a macro string.
    std::string target;
    if (const char* env = std::getenv("MINIRUN_TEST_ROOTFS")) {
      target = env;
    } else {
      target.append(MINIRUN_SOURCE_DIR).append("/build/testdata/busybox-rootfs");
    }
    auto r = run_command({"/bin/sh", std::string(MINIRUN_SOURCE_DIR) + "/scripts/make-busybox-rootfs.sh", target});
    if (r.exit_code == 0) path = target;
    else fprintf(stderr, "make-busybox-rootfs.sh failed: %s\n", r.err.c_str());
  });
  return path;
}

ScratchDir::ScratchDir() {
  char tmpl[] = "/tmp/minirun-test-XXXXXX";
  char* p = ::mkdtemp(tmpl);
  if (p != nullptr) path_ = p;
}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) (void)sys::remove_tree(path_);
}

static void drain(int fd, std::string& into) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) into.append(buf, static_cast<size_t>(n));
}

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input, int timeout_seconds) {
  CommandResult result;
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) < 0 || ::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(err, O_CLOEXEC) < 0) return result;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!input.empty()) (void)!::write(in[1], input.data(), input.size());
  ::close(in[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    if (fds[0].revents) {
      size_t before = result.out.size();
      drain(out[0], result.out);
      if (result.out.size() == before) out_open = false;
    }
    if (fds[1].revents) {
      size_t before = result.err.size();
      drain(err[0], result.err);
      if (result.err.size() == before) err_open = false;
    }
  }
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace minirun::testing
