/**
 * @file cgroup_v1_test.cpp
 * @brief cgroup v1 on the real hierarchy of this lab VM (root only; skipped on a host
 * whose controllers are on v2).
 *
 * Each test uses a fresh id (`minirun-test-<pid>-<n>`) in the default placement,
 * `<own cgroup>/minirun/<id>`, puts a forked child in it and checks what the kernel
 * says: the knob files read back, cgroup.procs lists the child, the freezer stops it,
 * the pids and devices controllers refuse what the limits forbid. Cleanup does not
 * depend on the test passing: the fixture kills and reaps only the children it forked,
 * thaws and removes only the directories named after its own ids, and removes the
 * shared `minirun` parent only where it did not exist before the test.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <functional>
#include <thread>

#include "minirun/runtime/cgroup.hpp"
#include "minirun/sys/file.hpp"
#include "tests/support/test_env.hpp"

namespace minirun::runtime {
namespace {

/// Second line of every test here: the real hierarchy must be v1.
#define REQUIRE_CGROUP_V1()                                                   \
  do {                                                                        \
    if (!layout_.uses_v1()) GTEST_SKIP() << "host controllers are not on cgroup v1"; \
  } while (0)

std::string read(const std::string& path) {
  auto text = sys::read_file(path);
  if (!text) return "<" + text.error().what() + ">";
  while (!text->empty() && text->back() == '\n') text->pop_back();
  return *text;
}

/// The directory of `paths` that is in the hierarchy mounted at `mount`.
std::string in_hierarchy(const std::vector<std::string>& paths, const std::string& mount) {
  for (const auto& p : paths)
    if (p.compare(0, mount.size() + 1, mount + "/") == 0) return p;
  return {};
}

class CgroupV1Real : public ::testing::Test {
 protected:
  void SetUp() override {
    auto layout = CgroupLayout::detect();
    ASSERT_TRUE(layout.ok()) << layout.error().what();
    layout_ = *layout;
  }

  void TearDown() override {
    // A frozen task does not act on SIGKILL until thawed: thaw our own groups first.
    for (const auto& dir : owned_dirs_)
      if (sys::path_exists(dir + "/freezer.state")) (void)sys::write_file(dir + "/freezer.state", "THAWED", O_WRONLY);
    for (int fd : go_fds_) ::close(fd);
    for (pid_t pid : children_) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    for (const auto& dir : owned_dirs_) {
      for (int i = 0; i < 100 && sys::path_exists(dir); ++i) {
        if (::rmdir(dir.c_str()) == 0 || errno != EBUSY) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      EXPECT_FALSE(sys::path_exists(dir)) << "left behind: " << dir;
    }
    for (const auto& dir : new_shared_parents_) (void)::rmdir(dir.c_str());  // busy: someone else uses it
  }

  /// A new id, and the bookkeeping to clean up after it whatever happens.
  std::unique_ptr<Cgroup> make(std::string* id_out = nullptr) {
    static int counter = 0;
    std::string id = "minirun-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    if (id_out) *id_out = id;
    auto cgroup = make_cgroup(layout_, "", id);
    EXPECT_TRUE(cgroup.ok()) << cgroup.error().what();
    if (!cgroup) return nullptr;
    for (const auto& dir : (*cgroup)->paths()) {
      std::string parent = dir.substr(0, dir.find_last_of('/'));
      if (!sys::path_exists(parent)) new_shared_parents_.push_back(parent);
      owned_dirs_.push_back(dir);
    }
    return std::move(*cgroup);
  }

  /// Forks a child that waits for go(), then runs `body` and exits with its result.
  /// Without a body it waits for signals forever.
  pid_t spawn(std::function<int()> body = nullptr) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[1]);
      char c;
      if (body) {
        _exit(::read(fds[0], &c, 1) == 1 ? body() : 100);
      }
      for (;;) ::pause();
    }
    ::close(fds[0]);
    children_.push_back(pid);
    go_fds_.push_back(fds[1]);
    return pid;
  }

  /// Lets the last spawned child run its body; returns its exit status.
  int go_and_wait(pid_t pid) {
    int fd = go_fds_.back();
    EXPECT_EQ(::write(fd, "g", 1), 1);
    ::close(fd);
    go_fds_.pop_back();
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    children_.erase(std::remove(children_.begin(), children_.end(), pid), children_.end());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void kill_and_reap(pid_t pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    children_.erase(std::remove(children_.begin(), children_.end(), pid), children_.end());
  }

  CgroupLayout layout_;
  std::vector<pid_t> children_;
  std::vector<int> go_fds_;
  std::vector<std::string> owned_dirs_;
  std::vector<std::string> new_shared_parents_;
};

TEST_F(CgroupV1Real, ROOT_LimitsProcessesFreezeAndDestroy) {
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  Resources r;
  r.memory_limit = 64 << 20;
  r.pids_limit = 32;
  r.cpu_quota = 50000;
  r.cpu_period = 100000;
  auto cgroup = make();
  ASSERT_TRUE(cgroup);
  auto created = cgroup->create(r);
  ASSERT_TRUE(created.ok()) << created.error().what();
  auto paths = cgroup->paths();

  std::string memory = in_hierarchy(paths, layout_.v1_mounts["memory"]);
  std::string pids = in_hierarchy(paths, layout_.v1_mounts["pids"]);
  std::string cpu = in_hierarchy(paths, layout_.v1_mounts["cpu"]);
  ASSERT_FALSE(memory.empty());
  EXPECT_EQ(read(memory + "/memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(read(pids + "/pids.max"), "32");
  EXPECT_EQ(read(cpu + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(read(cpu + "/cpu.cfs_quota_us"), "50000");

  pid_t child = spawn();
  ASSERT_GT(child, 0);
  ASSERT_TRUE(cgroup->add_process(child).ok());
  auto procs = cgroup->processes();
  ASSERT_TRUE(procs.ok()) << procs.error().what();
  EXPECT_NE(std::find(procs->begin(), procs->end(), child), procs->end());
  EXPECT_NE(read("/proc/" + std::to_string(child) + "/cgroup").find(memory.substr(layout_.v1_mounts["memory"].size())),
            std::string::npos);

  auto stats = cgroup->stats();
  ASSERT_TRUE(stats.ok()) << stats.error().what();
  EXPECT_EQ(stats->pids_current, 1u);
  EXPECT_EQ(stats->pids_limit, 32u);
  EXPECT_EQ(stats->memory_limit_bytes, uint64_t{64} << 20);
  // memory_bytes may be 0: v1 charges only pages allocated after the move
  // (memory.move_charge_at_immigrate is off), and the child allocates nothing.

  auto frozen = cgroup->freeze();
  ASSERT_TRUE(frozen.ok()) << frozen.error().what();
  EXPECT_TRUE(*cgroup->frozen());
  auto thawed = cgroup->thaw();
  ASSERT_TRUE(thawed.ok()) << thawed.error().what();
  EXPECT_FALSE(*cgroup->frozen());

  kill_and_reap(child);
  auto destroyed = cgroup->destroy();
  ASSERT_TRUE(destroyed.ok()) << destroyed.error().what();
  for (const auto& dir : paths) EXPECT_FALSE(sys::path_exists(dir)) << dir;
}

TEST_F(CgroupV1Real, ROOT_ANewProcessMovesItselfIntoEveryHierarchy) {
  // What a container's init and an `exec` do on v1 (cgroup.hpp): the runtime opens the
  // `tasks` files, the new process writes "0" into each. Here the child first gives up
  // root, as a child in a new user namespace effectively has: the kernel must judge the
  // move by the credentials of whoever opened the file.
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  Resources r;
  r.pids_limit = 16;
  auto cgroup = make();
  ASSERT_TRUE(cgroup);
  ASSERT_TRUE(cgroup->create(r).ok());
  auto files = cgroup->open_self_join_files();
  ASSERT_TRUE(files.ok()) << files.error().what();
  auto paths = cgroup->paths();
  ASSERT_EQ(files->size(), paths.size());

  pid_t child = spawn([&]() {
    if (::setresgid(65534, 65534, 65534) < 0 || ::setresuid(65534, 65534, 65534) < 0) return 10;
    auto joined = join_cgroup_self(*files);
    if (!joined) {
      std::fprintf(stderr, "%s\n", joined.error().what().c_str());
      return 11;
    }
    std::string own = read("/proc/self/cgroup") + "\n";  // lines like "7:memory:/minirun/ID"
    for (const auto& dir : paths) {
      std::string relative;
      for (const auto& [controller, mount] : layout_.v1_mounts)
        if (dir.compare(0, mount.size() + 1, mount + "/") == 0) relative = dir.substr(mount.size());
      if (relative.empty() || own.find(":" + relative + "\n") == std::string::npos) {
        std::fprintf(stderr, "not in %s:\n%s\n", dir.c_str(), own.c_str());
        return 12;
      }
    }
    return 0;
  });
  ASSERT_GT(child, 0);
  files->clear();  // the child has its own copies
  EXPECT_EQ(go_and_wait(child), 0);
  auto destroyed = cgroup->destroy();
  ASSERT_TRUE(destroyed.ok()) << destroyed.error().what();
}

TEST_F(CgroupV1Real, ROOT_JoiningARemovedCgroupFailsNamingTheFile) {
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  auto cgroup = make();
  ASSERT_TRUE(cgroup);
  ASSERT_TRUE(cgroup->create(Resources{}).ok());
  auto files = cgroup->open_self_join_files();
  ASSERT_TRUE(files.ok()) << files.error().what();
  ASSERT_TRUE(cgroup->destroy().ok());
  pid_t child = spawn([&]() {
    auto joined = join_cgroup_self(*files);
    if (joined) return 1;
    return joined.error().what().find("/tasks") != std::string::npos ? 0 : 2;
  });
  ASSERT_GT(child, 0);
  files->clear();
  EXPECT_EQ(go_and_wait(child), 0) << "the join succeeded, or its error does not name the tasks file";
}

TEST_F(CgroupV1Real, ROOT_SameIdTwiceFailsAndKeepsTheFirst) {
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  std::string id;
  auto first = make(&id);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->create(Resources{}).ok());
  {
    auto second = make_cgroup(layout_, "", id);
    ASSERT_TRUE(second.ok());
    Resources r;
    r.pids_limit = 1;
    auto created = (*second)->create(r);
    ASSERT_FALSE(created.ok());
    EXPECT_NE(created.error().what().find("already exists: another container with this id?"), std::string::npos)
        << created.error().what();
  }  // the failed one's destructor must not remove the first's directories
  for (const auto& dir : first->paths()) EXPECT_TRUE(sys::path_exists(dir + "/cgroup.procs")) << dir;
  EXPECT_EQ(read(in_hierarchy(first->paths(), layout_.v1_mounts["pids"]) + "/pids.max"), "max");
  ASSERT_TRUE(first->destroy().ok());
}

TEST_F(CgroupV1Real, ROOT_FailedCreateRemovesWhatItMade) {
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  if (!layout_.v1_mounts.count("cpuset")) GTEST_SKIP() << "no cpuset controller";
  Resources r;
  r.pids_limit = 8;
  r.cpuset_cpus = "4095";  // no such CPU: the kernel answers EINVAL
  auto cgroup = make();
  ASSERT_TRUE(cgroup);
  auto created = cgroup->create(r);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().what().rfind("linux.resources.cpu.cpus: ", 0), 0u) << created.error().what();
  EXPECT_NE(created.error().what().find("cpuset.cpus`"), std::string::npos) << created.error().what();
  for (const auto& dir : cgroup->paths()) EXPECT_FALSE(sys::path_exists(dir)) << dir;
}

TEST_F(CgroupV1Real, ROOT_DestructorRemovesUnlessReleased) {
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  std::vector<std::string> paths;
  {
    auto cgroup = make();
    ASSERT_TRUE(cgroup);
    ASSERT_TRUE(cgroup->create(Resources{}).ok());
    paths = cgroup->paths();
  }
  for (const auto& dir : paths) EXPECT_FALSE(sys::path_exists(dir)) << dir;
}

// Escape attempt: a container at its pids limit cannot fork.
TEST_F(CgroupV1Real, ROOT_PidsLimitStopsFork) {
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  Resources r;
  r.pids_limit = 1;
  auto cgroup = make();
  ASSERT_TRUE(cgroup);
  ASSERT_TRUE(cgroup->create(r).ok());
  pid_t child = spawn([] {
    pid_t grandchild = ::fork();
    if (grandchild == 0) _exit(0);
    if (grandchild > 0) {
      ::waitpid(grandchild, nullptr, 0);
      return 1;  // fork worked: the limit did not hold
    }
    return errno == EAGAIN ? 0 : 2;
  });
  ASSERT_TRUE(cgroup->add_process(child).ok());
  EXPECT_EQ(go_and_wait(child), 0);
  ASSERT_TRUE(cgroup->destroy().ok());
}

// Escape attempt: with "deny all, allow /dev/null", a root process holding CAP_MKNOD
// can make a node for another device but cannot open it.
TEST_F(CgroupV1Real, ROOT_DeviceRulesDenyOtherDevices) {
  MINIRUN_REQUIRE_ROOT();
  REQUIRE_CGROUP_V1();
  if (!layout_.v1_mounts.count("devices")) GTEST_SKIP() << "no devices controller";
  minirun::testing::ScratchDir scratch;
  ASSERT_FALSE(scratch.path().empty());
  Resources r;
  r.devices.push_back(DeviceRule{false, 'a', std::nullopt, std::nullopt, "rwm"});
  r.devices.push_back(DeviceRule{true, 'c', 1, 3, "rwm"});  // /dev/null
  auto cgroup = make();
  ASSERT_TRUE(cgroup);
  auto created = cgroup->create(r);
  ASSERT_TRUE(created.ok()) << created.error().what();
  std::string zero = scratch.path() + "/zero";
  pid_t child = spawn([zero] {
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) return 1;  // the allowed device must still work
    ::close(null_fd);
    if (::mknod(zero.c_str(), S_IFCHR | 0600, makedev(1, 5)) == 0) return 2;  // "m" is denied
    int zero_fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (zero_fd >= 0) return 3;
    return errno == EPERM ? 0 : 4;
  });
  ASSERT_TRUE(cgroup->add_process(child).ok());
  EXPECT_EQ(go_and_wait(child), 0);
  ASSERT_TRUE(cgroup->destroy().ok());
}

}  // namespace
}  // namespace minirun::runtime
