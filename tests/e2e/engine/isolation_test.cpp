/**
 * @file isolation_test.cpp
 * @brief Break-out attempts against a default `minirun run` container, each of which
 * must fail, plus the controls showing the same attempt succeeds when the protection
 * is lifted (so the tests can fail).
 *
 * What a default container gets (Docker's defaults, written into the OCI bundle by
 * oci_bundle.hpp, enforced by the runtime): 14 capabilities, the default seccomp
 * profile, no_new_privs, a pid namespace, /proc/sys read-only, /proc/kcore and friends
 * masked, a pids limit when asked. The engine adds its own ways in: the monitor and
 * the client hold file descriptors (logs, pipes, the pidfd) that must not reach the
 * container, and `cp` writes into a rootfs that the container controls (a symlink
 * planted there must not lead the copy onto the host: CVE-2018-15664).
 *
 * Each attempt is made from inside a container, as a process would: mount(2), kill,
 * writes into /proc, fork loops, raw sockets (ping), /proc/self/status and /proc/self/fd.
 *
 * Reference: capabilities(7), seccomp(2), proc(5) (NoNewPrivs), Docker's default
 * seccomp profile and security docs; bubblewrap's and rubber-docker's break-out tests.
 * Lab: labs/01-image-and-container.
 */
#include <sys/stat.h>

#include "tests/e2e/engine/engine_fixture.hpp"

namespace minirun::testing {
namespace {

class EngineIsolation : public EngineFixture {};

const char* kMountTmpfs = "mkdir -p /mnt && mount -t tmpfs none /mnt && echo mounted";

TEST_F(EngineIsolation, ROOT_DefaultContainerCannotMount) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "--rm", "busybox", "sh", "-c", kMountTmpfs);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(contains(r.err, "permission denied")) << r.err;
}

TEST_F(EngineIsolation, ROOT_UnconfinedContainerWithSysAdminCanMount) {
  MINIRUN_REQUIRE_ROOT();
  // The control for the test above: without seccomp and with CAP_SYS_ADMIN the same
  // mount works, so the refusal there comes from the protections, not from busybox.
  auto r = mr("run", "--rm", "--security-opt", "seccomp=unconfined", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c",
              kMountTmpfs);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "mounted\n");
}

TEST_F(EngineIsolation, ROOT_ContainerSeesOnlyItsOwnProcesses) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "--rm", "busybox", "sh", "-c", "ls /proc | grep -c '^[0-9]*$'; echo $$");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // sh (pid 1), ls and grep: three pids, where the host has far more.
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_LE(std::stoi(lines[0]), 3) << r.out;
  EXPECT_EQ(lines[1], "1") << "the container's shell is pid 1 of its namespace";
}

TEST_F(EngineIsolation, ROOT_ProcSysIsReadOnly) {
  MINIRUN_REQUIRE_ROOT();
  std::string before = slurp("/proc/sys/kernel/hostname");
  auto r = mr("run", "--rm", "busybox", "sh", "-c", "echo pwned > /proc/sys/kernel/hostname");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "Read-only file system")) << r.err;
  EXPECT_EQ(slurp("/proc/sys/kernel/hostname"), before);
}

TEST_F(EngineIsolation, ROOT_MaskedProcFilesReadEmpty) {
  MINIRUN_REQUIRE_ROOT();
  // The kit's VM kernel has no /proc/kcore; /proc/keys and /proc/timer_list are
  // masked the same way and do have content on the host, so the test can fail.
  int checked = 0;
  for (const char* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list"}) {
    if (slurp(path).empty()) continue;
    ++checked;
    auto r = mr("run", "--rm", "busybox", "sh", "-c", std::string("wc -c < ") + path);
    EXPECT_EQ(r.exit_code, 0) << path << ": " << r.err;
    EXPECT_EQ(r.out, "0\n") << path << " reads as empty in the container";
  }
  EXPECT_GT(checked, 0) << "no masked file has content on this host";
  auto kcore = mr("run", "--rm", "busybox", "sh", "-c", "cat /proc/kcore | wc -c");
  EXPECT_EQ(lines_of(kcore.out).back(), "0") << "kcore, when it exists, is masked";
}

TEST_F(EngineIsolation, ROOT_PidsLimitStopsAForkLoop) {
  MINIRUN_REQUIRE_ROOT();
  const char* fork_loop = "for i in $(seq 1 30); do sleep 1 & done; echo all-forked";
  auto limited = mr("run", "--rm", "--pids-limit", "20", "busybox", "sh", "-c", fork_loop);
  EXPECT_NE(limited.exit_code, 0);
  EXPECT_FALSE(contains(limited.out, "all-forked"));
  EXPECT_TRUE(contains(limited.err, "can't fork")) << limited.err;
  // The control: the same loop without the limit.
  auto free = mr("run", "--rm", "busybox", "sh", "-c", fork_loop);
  EXPECT_EQ(free.exit_code, 0) << free.err;
  EXPECT_EQ(free.out, "all-forked\n");
}

TEST_F(EngineIsolation, ROOT_DroppingNetRawForbidsPing) {
  MINIRUN_REQUIRE_ROOT();
  // --network host, so that only the capability differs (see the loopback test).
  auto allowed = mr("run", "--rm", "--network", "host", "busybox", "ping", "-c", "1", "-W", "1", "127.0.0.1");
  EXPECT_EQ(allowed.exit_code, 0) << "CAP_NET_RAW is a default capability: " << allowed.err;
  auto dropped = mr("run", "--rm", "--network", "host", "--cap-drop", "NET_RAW", "busybox", "ping", "-c", "1", "-W",
                    "1", "127.0.0.1");
  EXPECT_NE(dropped.exit_code, 0);
  EXPECT_TRUE(contains(dropped.err, "permission denied")) << dropped.err;
}

TEST_F(EngineIsolation, ROOT_LoopbackWorksWithoutANetwork) {
  MINIRUN_REQUIRE_ROOT();
  // A new network namespace has `lo` DOWN (`ip addr` shows `<LOOPBACK>` without UP), so
  // 127.0.0.1 would be unreachable: "ping: sendto: Network is unreachable". Docker's
  // none network has lo up, and so does the engine's: the runtime sets it up in every
  // network namespace it makes, as runc does (namespaces.hpp, set_loopback_up).
  auto r = mr("run", "--rm", "busybox", "ping", "-c", "1", "-W", "1", "127.0.0.1");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(EngineIsolation, ROOT_TheMonitorStaysOnTheHostNetworkAndLoIsUpInside) {
  // The container's `lo` is up (the runtime's child set it up in its new namespace), and
  // the monitor is on the host's network: were it in the container's namespace, its
  // work (published ports, the DNS server's upstream queries) would happen in there.
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"--network", "none", "busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto state = state_of(id);
  const int monitor = state.value("MonitorPid", 0), init = state.value("Pid", 0);
  ASSERT_GT(monitor, 0);
  ASSERT_GT(init, 0);
  auto netns_of = [](const std::string& pid) {
    char link[64] = {};
    ssize_t n = ::readlink(("/proc/" + pid + "/ns/net").c_str(), link, sizeof link - 1);
    return n > 0 ? std::string(link, static_cast<size_t>(n)) : std::string("?");
  };
  EXPECT_EQ(netns_of(std::to_string(monitor)), netns_of("self")) << "the monitor stayed in the container's namespace";
  EXPECT_NE(netns_of(std::to_string(init)), netns_of("self")) << "control: the container has its own";
  auto lo = mr("exec", id, "cat", "/sys/class/net/lo/operstate", "/sys/class/net/lo/flags");
  EXPECT_EQ(lo.exit_code, 0) << lo.err;
  EXPECT_TRUE(contains(lo.out, "0x9")) << "lo is UP|LOOPBACK: " << lo.out;
}

TEST_F(EngineIsolation, ROOT_NoNewPrivilegesIsSet) {
  MINIRUN_REQUIRE_ROOT();
  auto r = mr("run", "--rm", "busybox", "grep", "NoNewPrivs", "/proc/self/status");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "NoNewPrivs:\t1\n");
}

TEST_F(EngineIsolation, ROOT_NoEngineFileDescriptorReachesTheContainer) {
  MINIRUN_REQUIRE_ROOT();
  // ls opens /proc/self/fd itself: that is fd 3, the only one beyond stdio.
  auto run = mr("run", "--rm", "busybox", "ls", "/proc/self/fd");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "0\n1\n2\n3\n") << "the container's init";
  std::string id = run_detached({"busybox", "sleep", "60"});
  ASSERT_FALSE(id.empty());
  auto exec = mr("exec", id, "ls", "/proc/self/fd");
  EXPECT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_EQ(exec.out, "0\n1\n2\n3\n") << "an exec'd process";
  int init = state_of(id).value("Pid", 0);
  ASSERT_GT(init, 0);
  EXPECT_EQ(directory_entries("/proc/" + std::to_string(init) + "/fd").size(), 3u)
      << "the init of a detached container holds only stdin, stdout, stderr";
}

TEST_F(EngineIsolation, ROOT_CpDoesNotFollowAPlantedSymlinkOntoTheHost) {
  MINIRUN_REQUIRE_ROOT();
  std::string id = run_detached({"busybox", "sh", "-c", "ln -s / /evil && sleep 60"});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually([&] { return mr("exec", id, "readlink", "/evil").out == "/\n"; }));
  std::string name = "minirun-e2e-escape-" + std::to_string(::getpid());
  std::string host_target = "/tmp/" + name;
  ::unlink(host_target.c_str());
  std::ofstream(host_dir() + "/payload") << "payload\n";

  auto r = mr("cp", host_dir() + "/payload", id + ":/evil/tmp/" + name);
  bool escaped = ::access(host_target.c_str(), F_OK) == 0;
  if (escaped) ::unlink(host_target.c_str());
  EXPECT_FALSE(escaped) << "cp wrote through the container's symlink onto the host's /tmp";
  // Resolved inside the container's root, the link leads to the container's own /tmp.
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mr("exec", id, "cat", "/tmp/" + name).out, "payload\n");
}

}  // namespace
}  // namespace minirun::testing
