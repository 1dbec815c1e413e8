// The manager's local socket (<state-dir>/manager.sock) is the CLI's way in, with the
// power of a cluster administrator and no certificate: like /var/run/docker.sock, only
// root may connect. A process of another user is refused by the socket's mode (0600),
// even when every directory on the way is open to it.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>

#include "miniswarm/manager/manager.hpp"

namespace miniswarm::manager {
namespace {

constexpr uid_t kNobody = 65534;

/// connect(2) to a unix socket as `uid` in a child process: its errno, 0 on success.
int connect_as(uid_t uid, const std::string& path) {
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(uid) != 0 || ::setuid(uid) != 0) ::_exit(100);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    int result = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::_exit(result == 0 ? 0 : (errno & 0x7f));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class LocalSocket : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (switches to another user)";
    char pattern[] = "/tmp/miniswarm-socket-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ManagerOptions options;
    options.state_dir = dir_ + "/state";
    options.listen_host = "127.0.0.1";
    options.listen_port = 0;
    options.advertise_addr = "127.0.0.1";
    options.hostname = "manager-1";
    auto created = Manager::init(options);
    ASSERT_TRUE(created.ok()) << created.error().what();
    manager_ = std::move(*created);
    auto served = manager_->serve();
    ASSERT_TRUE(served.ok()) << served.error().what();
    // Open every directory on the way, so only the socket's own mode can refuse.
    for (const auto& d : {dir_, options.state_dir}) ::chmod(d.c_str(), 0755);
  }
  void TearDown() override {
    if (manager_) manager_->stop();
    manager_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<Manager> manager_;
};

TEST_F(LocalSocket, ROOT_SocketIsReadWriteForItsOwnerOnly) {
  struct stat st{};
  ASSERT_EQ(::stat(manager_->socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 0u);
}

TEST_F(LocalSocket, ROOT_AnotherUserCannotConnect) {
  EXPECT_EQ(connect_as(kNobody, manager_->socket_path()), EACCES);
}

TEST_F(LocalSocket, ROOT_RootCanConnect) {
  // The same child, as root: proves the refusal above comes from the user, not the probe.
  EXPECT_EQ(connect_as(0, manager_->socket_path()), 0);
}

}  // namespace
}  // namespace miniswarm::manager
