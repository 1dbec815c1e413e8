/**
 * @file oci_namespaces_test.cpp
 * @brief What a container sees of the host through its namespaces, tried from inside:
 * other processes (pid namespace), the host's files (mount namespace + pivot_root), the
 * host's name (UTS namespace).
 *
 *  - pid_namespaces(7): the container's first process is pid 1 of a new namespace, and
 *    a /proc mounted inside lists only that namespace. The test's own pid is a host
 *    process the container must not find in /proc. Control: the same look without a
 *    pid namespace does find it, so the check is able to see a host pid.
 *  - pivot_root(2), mount_namespaces(7): after pivot_root the old root is detached, and
 *    no path (`/..`, `/proc/1/root`, `/proc/self/root/..`) leads back to it. A marker
 *    file in the host's /tmp must stay out of reach. Control: the same lookups find the
 *    marker once the host's /tmp is bind-mounted in on purpose.
 *  - uts_namespaces(7): the hostname is the config's `hostname`, and a container that
 *    may change its hostname (CAP_SYS_ADMIN) changes only its own.
 *  - cgroup_namespaces(7): /proc/self/cgroup inside shows the container's own cgroup
 *    as `/`, so the host's layout (and the container's id in it) does not leak in.
 *    Control: without a cgroup namespace the same file shows the host path. Nor does
 *    any descriptor of the host's cgroup files (which the runtime opens for the
 *    container's first process to join its cgroup) stay open inside, in pid 1 or in an
 *    exec'd process. Control: a cgroup file opened inside shows in the same listing.
 *  - network_namespaces(7): a network namespace the runtime makes has `lo` up, as runc
 *    sets it up (127.0.0.1 works with no network at all); one joined by path is left as
 *    it is (control: a namespace the test made, whose `lo` stays down).
 *  - user_namespaces(7): with uid/gid maps, root inside is an unprivileged uid outside
 *    and cannot write a host root's file bind-mounted in read-write. Control: without a
 *    user namespace the same write goes through.
 *
 * Lab: labs/03-namespaces.
 */
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <fstream>
#include <set>

#include "tests/e2e/oci_fixture.hpp"

namespace minirun::testing {
namespace {

class OciPidNamespace : public OciFixture {};
class OciPivotRoot : public OciFixture {};
class OciUtsNamespace : public OciFixture {};
class OciCgroupNamespace : public OciFixture {};
class OciUserNamespace : public OciFixture {};
class OciNetworkNamespace : public OciFixture {};

TEST_F(OciPidNamespace, ROOT_ContainerInitIsPid1) {
  MINIRUN_REQUIRE_ROOT();
  // The trailing `echo` keeps sh from exec'ing its last command in place of itself.
  auto r = run_script("echo $$; tr '\\0' ' ' < /proc/1/cmdline; echo");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], "1");
  EXPECT_EQ(lines[1].rfind("sh -c ", 0), 0u) << "/proc/1 is not the container's init: " << lines[1];
}

TEST_F(OciPidNamespace, ROOT_ProcListsOnlyInitAndItsChildren) {
  MINIRUN_REQUIRE_ROOT();
  // `for` and `echo` are shell builtins: while /proc is listed, the only processes
  // in the container are the shell and its one `sleep`.
  auto r = run_script("sleep 30 & echo child=$!; for p in /proc/[0-9]*; do echo ${p#/proc/}; done; kill $!");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_FALSE(lines.empty());
  ASSERT_EQ(lines[0].rfind("child=", 0), 0u) << r.out;
  std::set<std::string> listed(lines.begin() + 1, lines.end());
  EXPECT_EQ(listed, (std::set<std::string>{"1", lines[0].substr(6)})) << r.out;
}

TEST_F(OciPidNamespace, ROOT_HostProcessesAreNotVisible) {
  MINIRUN_REQUIRE_ROOT();
  // This test's process is on the host and surely has a larger pid than anything
  // in a two-process container.
  std::string host_pid = std::to_string(::getpid());
  std::string look = "if test -e /proc/" + host_pid + "; then echo visible; else echo hidden; fi";

  auto inside = run_script(look);
  ASSERT_EQ(inside.exit_code, 0) << inside.err;
  EXPECT_EQ(inside.out, "hidden\n");

  // Control: with the host's pid namespace, the same look finds the test's process.
  auto shared = run_script(look, [](nlohmann::json& c) { remove_namespace(c, "pid"); });
  ASSERT_EQ(shared.exit_code, 0) << shared.err;
  EXPECT_EQ(shared.out, "visible\n");
}

/// A file in the host's /tmp, outside every bundle, removed at the end of the test.
class HostMarker {
 public:
  HostMarker() : path_("/tmp/minirun-marker-" + std::to_string(::getpid())) {
    std::ofstream(path_) << "host secret\n";
  }
  ~HostMarker() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::string name() const { return path_.substr(5); }

 private:
  std::string path_;
};

/// A script that tries every way back to the host's /tmp from `base` and prints what it read.
std::string look_for_marker(const std::string& name, const std::string& base) {
  std::string script = "cd /; ";
  for (const char* via : {"", "/..", "/../..", "/proc/1/root", "/proc/self/root/..", "/proc/1/cwd/.."}) {
    script += "cat " + base + via + "/tmp/" + name + " 2>/dev/null; ";
  }
  // A relative climb from the working directory, past the root.
  script += "cd /tmp && cat ../../../../tmp/" + name + " 2>/dev/null; ";
  script += "ls /tmp/minirun-marker-* " + base + "/tmp/minirun-marker-* 2>/dev/null; true";
  return script;
}

TEST_F(OciPivotRoot, ROOT_OldRootIsUnreachable) {
  MINIRUN_REQUIRE_ROOT();
  HostMarker marker;
  ASSERT_TRUE(exists(marker.path()));

  auto inside = run_script(look_for_marker(marker.name(), ""));
  ASSERT_EQ(inside.exit_code, 0) << inside.err;
  EXPECT_EQ(inside.out, "") << "the host's /tmp is reachable from the container";

  // Control: the host's /tmp bind-mounted at /host, on purpose: the same lookups find it.
  auto exposed = run_script(look_for_marker(marker.name(), "/host"), [](nlohmann::json& c) {
    c["mounts"].push_back({{"destination", "/host/tmp"}, {"type", "bind"}, {"source", "/tmp"},
                           {"options", {"bind", "ro"}}});
    c["root"]["readonly"] = false;  // /host/tmp is created in the rootfs
  });
  ASSERT_EQ(exposed.exit_code, 0) << exposed.err;
  EXPECT_NE(exposed.out.find("host secret"), std::string::npos) << exposed.out;
}

TEST_F(OciPivotRoot, ROOT_BundlePathIsNotVisibleInside) {
  MINIRUN_REQUIRE_ROOT();
  // The rootfs lives at <scratch>/bundle-0/rootfs on the host; inside it is `/`, and
  // the host path means nothing.
  auto r = run_script("if test -e " + scratch() + "; then echo visible; else echo hidden; fi");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hidden\n");
  EXPECT_TRUE(exists(scratch()));
}

TEST_F(OciPivotRoot, ROOT_RootIsReadOnlyWhenConfigured) {
  MINIRUN_REQUIRE_ROOT();
  auto readonly = run_script("touch /written");  // spec default: root.readonly true
  EXPECT_NE(readonly.exit_code, 0);
  EXPECT_NE(readonly.err.find("Read-only file system"), std::string::npos) << readonly.err;

  auto writable = run_script("touch /written", [](nlohmann::json& c) { c["root"]["readonly"] = false; });
  EXPECT_EQ(writable.exit_code, 0) << writable.err;
}

TEST_F(OciUtsNamespace, ROOT_HostnameIsTheConfigHostname) {
  MINIRUN_REQUIRE_ROOT();
  char host[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(::gethostname(host, sizeof host), 0);
  ASSERT_STRNE(host, "oci-e2e-name");

  auto r = run_script("hostname", [](nlohmann::json& c) { c["hostname"] = "oci-e2e-name"; });
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "oci-e2e-name\n");
}

TEST_F(OciUtsNamespace, ROOT_HostnameChangeStaysInside) {
  MINIRUN_REQUIRE_ROOT();
  char before[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(::gethostname(before, sizeof before), 0);

  auto r = run_script("hostname changed-inside && hostname",
                      [](nlohmann::json& c) { add_capability(c, "CAP_SYS_ADMIN"); });
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "changed-inside\n") << "the change did not happen inside";

  char after[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(::gethostname(after, sizeof after), 0);
  EXPECT_STREQ(after, before) << "the container renamed the host";
  if (std::string(after) != before) (void)::sethostname(before, std::strlen(before));  // undo the damage
}

// /sys/class/net/lo/flags: 0x9 is IFF_UP | IFF_LOOPBACK, 0x8 loopback and down.
TEST_F(OciNetworkNamespace, ROOT_ANewNetworkNamespaceHasLoUp) {
  MINIRUN_REQUIRE_ROOT();
  auto r = run_script("cat /sys/class/net/lo/flags; ls /sys/class/net");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0x9\nlo\n") << "lo up, and nothing but lo";
}

TEST_F(OciNetworkNamespace, ROOT_AJoinedNetworkNamespaceIsLeftAsItIs) {
  MINIRUN_REQUIRE_ROOT();
  // A network namespace of the test's own, held by a sleeping child: its lo is down.
  pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    if (::unshare(CLONE_NEWNET) < 0) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  const std::string path = "/proc/" + std::to_string(holder) + "/ns/net";
  for (int i = 0; i < 200; ++i) {  // until the child has made it
    char own[64] = {}, theirs[64] = {};
    if (::readlink("/proc/self/ns/net", own, sizeof own - 1) > 0 && ::readlink(path.c_str(), theirs, sizeof theirs - 1) > 0 &&
        std::strcmp(own, theirs) != 0)
      break;
    ::usleep(5000);
  }
  auto r = run_script("cat /sys/class/net/lo/flags", [&](nlohmann::json& c) {
    for (auto& ns : c["linux"]["namespaces"])
      if (ns["type"] == "network") ns["path"] = path;
  });
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0x8\n") << "the runtime set up lo in a namespace that was not its own";
}

TEST_F(OciCgroupNamespace, ROOT_OwnCgroupIsTheRootInside) {
  MINIRUN_REQUIRE_ROOT();
  // Every line of /proc/self/cgroup is "ID:CONTROLLERS:PATH"; inside a cgroup namespace
  // made in the container's own cgroup, each PATH is `/` (on v1 the cgroup namespace has
  // to be made after the move into the cgroup, not at clone: see setup_steps.cpp).
  auto inside = run_script("cat /proc/self/cgroup");
  ASSERT_EQ(inside.exit_code, 0) << inside.err;
  ASSERT_FALSE(inside.out.empty());
  size_t start = 0;
  while (start < inside.out.size()) {
    size_t end = inside.out.find('\n', start);
    if (end == std::string::npos) end = inside.out.size();
    std::string line = inside.out.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    EXPECT_EQ(line.substr(line.rfind(':') + 1), "/") << "the host's cgroup path shows inside: " << line;
  }

  // Control: with no cgroup namespace, the container's own cgroup is visible by its
  // host path, which names the container.
  auto outside = run_script("cat /proc/self/cgroup", [](nlohmann::json& c) {
    auto& ns = c["linux"]["namespaces"];
    ns.erase(std::remove_if(ns.begin(), ns.end(), [](const nlohmann::json& n) { return n["type"] == "cgroup"; }),
             ns.end());
  });
  ASSERT_EQ(outside.exit_code, 0) << outside.err;
  EXPECT_NE(outside.out.find("/minirun"), std::string::npos) << "the control sees no host path: " << outside.out;
}

TEST_F(OciCgroupNamespace, ROOT_CgroupMountsShowOnlyTheContainersOwnCgroupsReadOnly) {
  MINIRUN_REQUIRE_ROOT();
  // On v1, in its own cgroup namespace, the runtime mounts each hierarchy afresh
  // (rootfs.cpp, mount_cgroups): the mount's root must be the namespace's root, i.e.
  // the container's cgroup, with its limit, and not writable.
  std::ifstream host_mounts("/proc/self/mountinfo");
  const std::string host((std::istreambuf_iterator<char>(host_mounts)), std::istreambuf_iterator<char>());
  if (host.find(" - cgroup ") == std::string::npos)
    GTEST_SKIP() << "no cgroup v1 hierarchies on this host";
  auto limited = [](nlohmann::json& c) { c["linux"]["resources"]["memory"]["limit"] = 50331648; };
  const std::string script =
      "awk '$9 == \"cgroup\" { print \"root=\" $4 \" opts=\" $6 }' /proc/self/mountinfo; "
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
      "ls -d /sys/fs/cgroup/*/minirun 2>/dev/null; "
      "if (echo 1 > /sys/fs/cgroup/pids/pids.max) 2>/dev/null; then echo WROTE; fi";
  auto inside = run_script(script, limited);
  ASSERT_EQ(inside.exit_code, 0) << inside.err;
  EXPECT_NE(inside.out.find("root="), std::string::npos) << "no cgroup mount inside: " << inside.out;
  EXPECT_EQ(inside.out.find("/minirun"), std::string::npos) << "a host cgroup path shows inside: " << inside.out;
  for (size_t at = inside.out.find("root="); at != std::string::npos; at = inside.out.find("root=", at + 1)) {
    EXPECT_EQ(inside.out.compare(at, 7, "root=/ "), 0) << inside.out.substr(at, inside.out.find('\n', at) - at);
    EXPECT_EQ(inside.out.compare(inside.out.find("opts=", at), 8, "opts=ro,"), 0) << "writable: " << inside.out;
  }
  EXPECT_NE(inside.out.find("50331648"), std::string::npos) << "not the container's own limit: " << inside.out;
  EXPECT_EQ(inside.out.find("/minirun"), std::string::npos) << "the host's tree above shows: " << inside.out;
  EXPECT_EQ(inside.out.find("WROTE"), std::string::npos) << "a cgroup knob was writable inside";

  // Control: without a cgroup namespace a mount of the hierarchy would show the host's
  // whole tree, so the runtime binds the container's directories, whose mount roots
  // then name them.
  auto outside = run_script(script, [&](nlohmann::json& c) {
    limited(c);
    auto& ns = c["linux"]["namespaces"];
    ns.erase(std::remove_if(ns.begin(), ns.end(), [](const nlohmann::json& n) { return n["type"] == "cgroup"; }),
             ns.end());
  });
  ASSERT_EQ(outside.exit_code, 0) << outside.err;
  EXPECT_NE(outside.out.find("root=/minirun"), std::string::npos) << "the control has no bind: " << outside.out;
  EXPECT_NE(outside.out.find("50331648"), std::string::npos) << outside.out;
}

TEST_F(OciCgroupNamespace, ROOT_NoHostCgroupFileStaysOpenInside) {
  MINIRUN_REQUIRE_ROOT();
  // On cgroup v1 the runtime opens the host's `tasks` files, as root, for the container's
  // first process (and each `exec`) to move itself in. A copy left open would let the
  // container write pids into a host cgroup file with the runtime's credentials. Try to
  // find one: every descriptor of pid 1 and of an exec'd process, by what it points at.
  const std::string list = "ls -l /proc/1/fd/ /proc/self/fd/";
  std::string id = start_detached("sleep 30");
  ASSERT_FALSE(id.empty());
  auto init = oci({"exec", id, "sh", "-c", list});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(init.out.find("cgroup"), std::string::npos) << "a cgroup file is open inside:\n" << init.out;
  EXPECT_EQ(init.out.find("tasks"), std::string::npos) << "a cgroup file is open inside:\n" << init.out;

  // Control: a cgroup file the container opens itself does show in the same listing.
  auto control = oci({"exec", id, "sh", "-c", "exec 7</proc/self/cgroup; " + list});
  ASSERT_EQ(control.exit_code, 0) << control.err;
  EXPECT_NE(control.out.find("cgroup"), std::string::npos) << "the listing cannot see an open file:\n" << control.out;
}

TEST_F(OciUserNamespace, ROOT_RootInsideIsNobodyOnTheHost) {
  MINIRUN_REQUIRE_ROOT();
  // uid 0 inside is uid 100000 outside. The test tries what only the host's root could
  // do: append to a root-owned, read-only-for-others file bind-mounted in read-write.
  // Inside its own user namespace the container's root holds every capability, but not
  // over an inode whose owner is not mapped into that namespace: the write must fail.
  // The container's pid 1 must still be in its cgroup (cgroup v1: it moved itself in
  // with a file the runtime opened, before it had any uid mapping at all).
  ASSERT_EQ(::chmod(scratch().c_str(), 0755), 0);  // the mapped root must reach the rootfs
  const std::string host_file = scratch() + "/host-file";
  std::ofstream(host_file) << "host\n";
  ASSERT_EQ(::chmod(host_file.c_str(), 0644), 0);
  const std::string script =
      "id -u; cat /proc/self/uid_map; cat /proc/self/cgroup; "
      "if echo pwned >> /host-file; then echo WROTE; else echo REFUSED; fi";
  auto with_file = [&](nlohmann::json& c) {
    c["mounts"].push_back({{"destination", "/host-file"}, {"type", "bind"}, {"source", host_file},
                           {"options", {"rbind", "rw"}}});
  };
  const std::string bundle = make_script_bundle(script, [&](nlohmann::json& c) {
    with_file(c);
    c["linux"]["namespaces"].push_back({{"type", "user"}});
    c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
    c["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}};
  });
  ASSERT_FALSE(bundle.empty());
  // The image's files belong to the container's root, as they would after a chown to
  // the mapped range (the runtime makes mount points in the rootfs as that root).
  auto chowned = run_command({"chown", "-R", "100000:100000", bundle + "/rootfs"});
  ASSERT_EQ(chowned.exit_code, 0) << chowned.err;
  auto inside = oci({"run", "--bundle", bundle, new_id()});
  ASSERT_EQ(inside.exit_code, 0) << inside.err;
  auto lines = lines_of(inside.out);
  ASSERT_GE(lines.size(), 3u) << inside.out;
  EXPECT_EQ(lines.front(), "0") << "not root inside the user namespace";
  EXPECT_NE(lines[1].find("100000"), std::string::npos) << "uid_map: " << lines[1];
  EXPECT_EQ(lines.back(), "REFUSED") << "root in a user namespace wrote to the host's root-owned file";
  EXPECT_EQ(read_text(host_file), "host\n");
  for (size_t i = 2; i + 1 < lines.size(); ++i)
    EXPECT_EQ(lines[i].substr(lines[i].rfind(':') + 1), "/") << "not in its own cgroup: " << lines[i];

  // Control: without a user namespace the container's root is the host's root, and the
  // same write goes through (so the refusal above is the user namespace's doing).
  auto control = run_script(script, with_file);
  ASSERT_EQ(control.exit_code, 0) << control.err;
  EXPECT_EQ(lines_of(control.out).back(), "WROTE") << control.out;
}

}  // namespace
}  // namespace minirun::testing
