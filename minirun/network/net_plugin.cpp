/**
 * @file net_plugin.cpp
 * @brief fork + exec of minirun-net with its stdout and stderr captured; see net_plugin.hpp.
 */
#include "minirun/network/net_plugin.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "minirun/sys/file.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::network {

NetPlugin::NetPlugin(std::string path) : path_(std::move(path)) {
  const char* table = std::getenv("MINIRUN_NFT_TABLE");
  table_ = table && *table ? table : "minirun";
}

namespace {

/// Reads both pipes to their end (poll, so that a full stderr pipe cannot stall a program
/// that is still writing stdout).
void drain(int out, int err, std::string& out_text, std::string& err_text) {
  pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        continue;
      }
      (i == 0 ? out_text : err_text).append(buffer, static_cast<size_t>(n));
    }
  }
}

}  // namespace

sys::Result<std::string> NetPlugin::output(const std::vector<std::string>& args) const {
  if (!sys::path_exists(path_)) return sys::Error(path_ + " is missing (it is built next to minirun)");
  std::vector<std::string> full = {path_, "--table", table_};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) < 0) return sys::Error::from_errno("pipe2");
  sys::UniqueFd out_read(out[0]), out_write(out[1]);
  if (::pipe2(err, O_CLOEXEC) < 0) return sys::Error::from_errno("pipe2");
  sys::UniqueFd err_read(err[0]), err_write(err[1]);
  pid_t child = ::fork();
  if (child < 0) return sys::Error::from_errno("fork");
  if (child == 0) {
    ::dup2(out_write.get(), 1);
    ::dup2(err_write.get(), 2);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  out_write.reset();
  err_write.reset();
  std::string out_text, err_text;
  drain(out_read.get(), err_read.get(), out_text, err_text);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out_text;
  while (!err_text.empty() && (err_text.back() == '\n' || err_text.back() == ' ')) err_text.pop_back();
  const std::string prefix = "minirun-net: ";
  if (err_text.rfind(prefix, 0) == 0) err_text.erase(0, prefix.size());
  if (err_text.empty())
    err_text = WIFEXITED(status) ? "exited with " + std::to_string(WEXITSTATUS(status))
                                 : "killed by signal " + std::to_string(WTERMSIG(status));
  return sys::Error(err_text);
}

sys::Result<void> NetPlugin::run(const std::vector<std::string>& args) const {
  auto out = output(args);
  if (!out) return std::move(out.error());
  return sys::ok();
}

}  // namespace minirun::network
