// Config + HostConfig -> the OCI config.json: Docker's defaults (and the kit's stricter
// ones), each `docker run` flag's effect, and a config with every feature on that the
// runtime's own parser accepts. Pure except for the last tests, whose bind sources are
// files in a temporary directory; no root.
#include "minirun/engine/oci_bundle.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>
#include <vector>

#include "minirun/engine/seccomp_profile.hpp"
#include "minirun/runtime/spec.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {
namespace {

using nlohmann::json;

const std::string kId = "0123456789ab" + std::string(52, 'c');

ContainerConfig basic_config() {
  ContainerConfig c;
  c.id = kId;
  c.name = "web";
  c.cmd = {"sh", "-c", "echo hi"};
  return c;
}

BundleInputs basic_inputs() {
  BundleInputs in;
  in.rootfs = "/containers/x/rootfs";
  in.capabilities = default_capabilities();
  in.seccomp = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", json::array()}};
  in.etc_dir = "/containers/x";
  in.init_path = "/usr/libexec/minirun-init";
  return in;
}

json spec_of(const ContainerConfig& c, const BundleInputs& in = basic_inputs()) { return oci_config(c, in); }

/// The mount at `destination`, or null when there is none.
json mount_at(const json& spec, const std::string& destination) {
  for (const auto& m : spec["mounts"])
    if (m["destination"] == destination) return m;
  return nullptr;
}

bool has_option(const json& mount, const std::string& option) {
  for (const auto& o : mount.value("options", json::array()))
    if (o == option) return true;
  return false;
}

bool contains(const json& list, const std::string& value) {
  return std::find(list.begin(), list.end(), json(value)) != list.end();
}

bool has_namespace(const json& spec, const std::string& type) {
  for (const auto& ns : spec["linux"]["namespaces"])
    if (ns["type"] == type) return true;
  return false;
}

std::vector<std::string> env_named(const json& spec, const std::string& name) {
  std::vector<std::string> found;
  for (const auto& e : spec["process"]["env"]) {
    const std::string text = e;
    if (text.rfind(name + "=", 0) == 0) found.push_back(text);
  }
  return found;
}

MountSpec mount_of(const std::string& type, const std::string& source, const std::string& target) {
  MountSpec m;
  m.type = type;
  m.source = source;
  m.target = target;
  return m;
}

// ---- Docker's defaults -------------------------------------------------------------

TEST(OciBundleDefaults, CapabilitiesAreTheInputsInEverySet) {
  const json spec = spec_of(basic_config());
  ASSERT_EQ(default_capabilities().size(), 14u);
  for (const char* set : {"bounding", "effective", "permitted"})
    EXPECT_EQ(spec["process"]["capabilities"][set], json(default_capabilities())) << set;
}

TEST(OciBundleDefaults, MaskedPathsIncludeKcoreAndPowercap) {
  const json masked = spec_of(basic_config())["linux"]["maskedPaths"];
  for (const char* path : {"/proc/kcore", "/proc/keys", "/sys/firmware", "/sys/devices/virtual/powercap"})
    EXPECT_TRUE(contains(masked, path)) << path;
}

TEST(OciBundleDefaults, ProcSysIsReadOnly) {
  const json readonly = spec_of(basic_config())["linux"]["readonlyPaths"];
  EXPECT_TRUE(contains(readonly, "/proc/sys"));
  EXPECT_TRUE(contains(readonly, "/proc/sysrq-trigger"));
}

TEST(OciBundleDefaults, SysIsReadOnlyAndDevShmIs64MiB) {
  const json spec = spec_of(basic_config());
  EXPECT_TRUE(has_option(mount_at(spec, "/sys"), "ro"));
  const json shm = mount_at(spec, "/dev/shm");
  ASSERT_FALSE(shm.is_null());
  EXPECT_TRUE(has_option(shm, "size=65536k"));
}

TEST(OciBundleDefaults, PidsLimitIs4096) {
  EXPECT_EQ(spec_of(basic_config())["linux"]["resources"]["pids"]["limit"], kDefaultPidsLimit);
  EXPECT_EQ(kDefaultPidsLimit, 4096);
}

TEST(OciBundleDefaults, PidsLimitMinusOneMeansNoLimit) {
  ContainerConfig c = basic_config();
  c.resources.pids_limit = -1;
  EXPECT_FALSE(spec_of(c)["linux"]["resources"].contains("pids"));
  c.resources.pids_limit = 50;
  EXPECT_EQ(spec_of(c)["linux"]["resources"]["pids"]["limit"], 50);
}

TEST(OciBundleDefaults, NoNewPrivilegesIsOnUnlessTheConfigSaysOff) {
  ContainerConfig c = basic_config();
  EXPECT_EQ(spec_of(c)["process"]["noNewPrivileges"], true);
  c.no_new_privileges = false;
  EXPECT_EQ(spec_of(c)["process"]["noNewPrivileges"], false);
}

TEST(OciBundleDefaults, HostnameIsTheFirst12CharactersOfTheId) {
  ContainerConfig c = basic_config();
  EXPECT_EQ(spec_of(c)["hostname"], "0123456789ab");
  EXPECT_EQ(container_hostname(c), "0123456789ab");
  c.hostname = "box";
  EXPECT_EQ(spec_of(c)["hostname"], "box");
}

TEST(OciBundleDefaults, EnvGetsPathAndHostnameButTermOnlyWithATty) {
  ContainerConfig c = basic_config();
  c.env = {"A=1"};
  json spec = spec_of(c);
  EXPECT_EQ(env_named(spec, "PATH").size(), 1u);
  EXPECT_EQ(env_named(spec, "HOSTNAME"), std::vector<std::string>{"HOSTNAME=0123456789ab"});
  EXPECT_EQ(env_named(spec, "A"), std::vector<std::string>{"A=1"});
  EXPECT_TRUE(env_named(spec, "TERM").empty());
  c.tty = true;
  spec = spec_of(c);
  EXPECT_EQ(env_named(spec, "TERM"), std::vector<std::string>{"TERM=xterm"});
  EXPECT_EQ(spec["process"]["terminal"], true);
}

TEST(OciBundleDefaults, TheConfigsOwnPathIsKept) {
  ContainerConfig c = basic_config();
  c.env = {"PATH=/opt/bin"};
  EXPECT_EQ(env_named(spec_of(c), "PATH"), std::vector<std::string>{"PATH=/opt/bin"});
}

TEST(OciBundleDefaults, NetworkNamespaceUnlessNetworkHost) {
  ContainerConfig c = basic_config();
  EXPECT_TRUE(has_namespace(spec_of(c), "network"));
  c.network_mode = "host";
  const json spec = spec_of(c);
  EXPECT_FALSE(has_namespace(spec, "network"));
  for (const char* other : {"pid", "mount", "ipc", "uts", "cgroup"}) EXPECT_TRUE(has_namespace(spec, other)) << other;
}

TEST(OciBundleDefaults, SeccompIsTheInputsAndAbsentWhenNull) {
  ContainerConfig c = basic_config();
  BundleInputs in = basic_inputs();
  EXPECT_EQ(spec_of(c, in)["linux"]["seccomp"], in.seccomp);
  in.seccomp = nullptr;
  EXPECT_FALSE(spec_of(c, in)["linux"].contains("seccomp"));
}

TEST(OciBundleDefaults, ProcessIsTheCommandInWorkingDirAsTheUser) {
  ContainerConfig c = basic_config();
  c.entrypoint = {"/entry"};
  c.working_dir = "/srv";
  BundleInputs in = basic_inputs();
  in.user.uid = 1000;
  in.user.gid = 1001;
  in.user.additional_gids = {50, 29};
  const json process = spec_of(c, in)["process"];
  EXPECT_EQ(process["args"], json({"/entry", "sh", "-c", "echo hi"}));
  EXPECT_EQ(process["cwd"], "/srv");
  EXPECT_EQ(process["user"]["uid"], 1000);
  EXPECT_EQ(process["user"]["gid"], 1001);
  EXPECT_EQ(process["user"]["additionalGids"], json({50, 29}));
  EXPECT_EQ(spec_of(basic_config())["process"]["cwd"], "/");
}

TEST(OciBundleDefaults, AnnotationsNameTheContainer) {
  const json spec = spec_of(basic_config());
  EXPECT_EQ(spec["annotations"]["org.minirun.engine.id"], kId);
  EXPECT_EQ(spec["annotations"]["org.minirun.engine.name"], "web");
}

TEST(OciBundleDefaults, EtcFilesAreBindMountedFromTheEtcDir) {
  const json spec = spec_of(basic_config());
  for (const char* file : {"hostname", "hosts", "resolv.conf"}) {
    const json m = mount_at(spec, std::string("/etc/") + file);
    ASSERT_FALSE(m.is_null()) << file;
    EXPECT_EQ(m["type"], "bind");
    EXPECT_EQ(m["source"], std::string("/containers/x/") + file);
  }
}

// ---- resources ---------------------------------------------------------------------

TEST(OciBundleResources, MemorySetsTheLimitAndTwiceThatOfSwap) {
  ContainerConfig c = basic_config();
  c.resources.memory = 64 << 20;
  const json memory = spec_of(c)["linux"]["resources"]["memory"];
  EXPECT_EQ(memory["limit"], 64 << 20);
  EXPECT_EQ(memory["swap"], 128 << 20);
}

TEST(OciBundleResources, MemorySwapMinusOneIsUnlimitedSwap) {
  ContainerConfig c = basic_config();
  c.resources.memory = 64 << 20;
  c.resources.memory_swap = -1;
  EXPECT_EQ(spec_of(c)["linux"]["resources"]["memory"]["swap"], -1);
  c.resources.memory_swap = 100 << 20;
  EXPECT_EQ(spec_of(c)["linux"]["resources"]["memory"]["swap"], 100 << 20);
}

TEST(OciBundleResources, NoMemoryFlagsNoMemorySection) {
  EXPECT_FALSE(spec_of(basic_config())["linux"]["resources"].contains("memory"));
  EXPECT_FALSE(spec_of(basic_config())["linux"]["resources"].contains("cpu"));
}

TEST(OciBundleResources, CpusIsAQuotaPer100msPeriod) {
  ContainerConfig c = basic_config();
  c.resources.nano_cpus = 1'500'000'000;
  const json cpu = spec_of(c)["linux"]["resources"]["cpu"];
  EXPECT_EQ(cpu["quota"], 150000);
  EXPECT_EQ(cpu["period"], 100000);
}

TEST(OciBundleResources, CpuSharesAndCpuset) {
  ContainerConfig c = basic_config();
  c.resources.cpu_shares = 512;
  c.resources.cpuset_cpus = "0-1,3";
  const json cpu = spec_of(c)["linux"]["resources"]["cpu"];
  EXPECT_EQ(cpu["shares"], 512);
  EXPECT_EQ(cpu["cpus"], "0-1,3");
  EXPECT_FALSE(cpu.contains("quota"));
}

TEST(OciBundleResources, DevicesAreDeniedByDefault) {
  const json devices = spec_of(basic_config())["linux"]["resources"]["devices"];
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["allow"], false);
}

TEST(OciBundleResources, UlimitsBecomeRlimitsAndNofileIsKept) {
  ContainerConfig c = basic_config();
  c.resources.ulimits = {{"nproc", 512, 1024}};
  json rlimits = spec_of(c)["process"]["rlimits"];
  ASSERT_EQ(rlimits.size(), 2u) << rlimits.dump();
  EXPECT_EQ(rlimits[0], json({{"type", "RLIMIT_NPROC"}, {"soft", 512}, {"hard", 1024}}));
  EXPECT_EQ(rlimits[1]["type"], "RLIMIT_NOFILE");

  c.resources.ulimits = {{"nofile", 100, 200}};
  rlimits = spec_of(c)["process"]["rlimits"];
  ASSERT_EQ(rlimits.size(), 1u) << rlimits.dump();
  EXPECT_EQ(rlimits[0], json({{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}));
}

TEST(OciBundleResources, NoUlimitsKeepsTheDefaultNofile) {
  const json rlimits = spec_of(basic_config())["process"]["rlimits"];
  ASSERT_EQ(rlimits.size(), 1u);
  EXPECT_EQ(rlimits[0]["type"], "RLIMIT_NOFILE");
}

// ---- the root and --privileged -----------------------------------------------------

TEST(OciBundleRoot, ReadOnlyMakesTheRootReadOnly) {
  ContainerConfig c = basic_config();
  json spec = spec_of(c);
  EXPECT_EQ(spec["root"]["path"], "/containers/x/rootfs");
  EXPECT_EQ(spec["root"]["readonly"], false);
  c.read_only = true;
  EXPECT_EQ(spec_of(c)["root"]["readonly"], true);
}

TEST(OciBundlePrivileged, DropsSeccompMaskedAndReadOnlyPaths) {
  ContainerConfig c = basic_config();
  c.privileged = true;
  const json spec = spec_of(c);  // the inputs carry a seccomp filter: it must be ignored
  EXPECT_FALSE(spec["linux"].contains("seccomp"));
  EXPECT_FALSE(spec["linux"].contains("maskedPaths"));
  EXPECT_FALSE(spec["linux"].contains("readonlyPaths"));
}

TEST(OciBundlePrivileged, AllowsEveryDeviceAndAWritableSys) {
  ContainerConfig c = basic_config();
  c.privileged = true;
  const json spec = spec_of(c);
  const json devices = spec["linux"]["resources"]["devices"];
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["allow"], true);
  EXPECT_EQ(devices[0]["access"], "rwm");
  EXPECT_FALSE(has_option(mount_at(spec, "/sys"), "ro"));
  EXPECT_FALSE(has_option(mount_at(spec, "/sys/fs/cgroup"), "ro"));
}

// ---- mounts ------------------------------------------------------------------------

TEST(OciBundleMounts, BindsAreRbindWithRprivateByDefault) {
  ContainerConfig c = basic_config();
  MountSpec ro = mount_of("bind", "/host/a", "/a");
  ro.read_only = true;
  MountSpec rw = mount_of("bind", "/host/b", "/b");
  rw.propagation = "rshared";
  c.mounts = {ro, rw};
  const json spec = spec_of(c);
  EXPECT_EQ(mount_at(spec, "/a"),
            json({{"destination", "/a"}, {"type", "bind"}, {"source", "/host/a"}, {"options", {"rbind", "rprivate", "ro"}}}));
  EXPECT_EQ(mount_at(spec, "/b")["options"], json({"rbind", "rshared", "rw"}));
}

TEST(OciBundleMounts, VolumesMapToTheirDirectories) {
  ContainerConfig c = basic_config();
  MountSpec data = mount_of("volume", "data", "/data");
  data.read_only = true;
  c.mounts = {data};
  BundleInputs in = basic_inputs();
  in.volume_dirs = {{"data", "/var/lib/minirun/volumes/data/_data"}};
  const json m = mount_at(spec_of(c, in), "/data");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["source"], "/var/lib/minirun/volumes/data/_data");
  EXPECT_EQ(m["type"], "bind");
  EXPECT_TRUE(has_option(m, "ro"));
}

TEST(OciBundleMounts, TmpfsDefaultsAreNoexecNosuidNodevMode1777) {
  ContainerConfig c = basic_config();
  c.mounts = {mount_of("tmpfs", "", "/scratch")};
  const json m = mount_at(spec_of(c), "/scratch");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["type"], "tmpfs");
  for (const char* o : {"noexec", "nosuid", "nodev", "mode=1777"}) EXPECT_TRUE(has_option(m, o)) << o;
  for (const auto& o : m["options"]) EXPECT_NE(o.get<std::string>().rfind("size=", 0), 0u) << m.dump();
}

TEST(OciBundleMounts, TmpfsSizeAndModeFromMountFields) {
  ContainerConfig c = basic_config();
  MountSpec m = mount_of("tmpfs", "", "/scratch");
  m.tmpfs_size = 64 << 20;
  m.tmpfs_mode = 0700;
  m.read_only = true;
  c.mounts = {m};
  const json spec_mount = mount_at(spec_of(c), "/scratch");
  EXPECT_TRUE(has_option(spec_mount, "size=67108864")) << spec_mount.dump();
  EXPECT_TRUE(has_option(spec_mount, "mode=700")) << spec_mount.dump();
  EXPECT_FALSE(has_option(spec_mount, "mode=1777")) << spec_mount.dump();
  EXPECT_TRUE(has_option(spec_mount, "ro")) << spec_mount.dump();
}

TEST(OciBundleMounts, TmpfsExecOptionRemovesNoexec) {
  ContainerConfig c = basic_config();
  MountSpec m = mount_of("tmpfs", "", "/scratch");
  m.tmpfs_options = {"exec", "size=64m"};
  c.mounts = {m};
  const json spec_mount = mount_at(spec_of(c), "/scratch");
  EXPECT_FALSE(has_option(spec_mount, "noexec")) << spec_mount.dump();
  EXPECT_TRUE(has_option(spec_mount, "exec"));
  EXPECT_TRUE(has_option(spec_mount, "size=64m"));
  EXPECT_TRUE(has_option(spec_mount, "nosuid"));
}

TEST(OciBundleMounts, InitPrependsMinirunInitAndBindsIt) {
  ContainerConfig c = basic_config();
  c.init = true;
  const json spec = spec_of(c);
  EXPECT_EQ(spec["process"]["args"], json({"/sbin/minirun-init", "--", "sh", "-c", "echo hi"}));
  const json m = mount_at(spec, "/sbin/minirun-init");
  ASSERT_FALSE(m.is_null());
  EXPECT_EQ(m["source"], "/usr/libexec/minirun-init");
  EXPECT_TRUE(has_option(m, "ro"));
  EXPECT_TRUE(mount_at(spec_of(basic_config()), "/sbin/minirun-init").is_null());
}

// ---- the runtime accepts what the engine writes ------------------------------------

/// A scratch bundle whose bind sources exist (the runtime's parser checks them).
class OciBundleRuntime : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/minirun-oci-bundle-test.XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    for (const char* sub : {"/rootfs", "/bundle", "/etc", "/host", "/volume"})
      ASSERT_TRUE(sys::make_directories(dir_ + sub, 0755).ok());
    for (const char* file : {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/minirun-init"})
      ASSERT_TRUE(sys::write_file_atomic(dir_ + file, "x\n").ok());
  }
  void TearDown() override { ASSERT_TRUE(sys::remove_tree(dir_).ok()); }

  /// Every feature on that does not switch another off (not privileged).
  std::pair<ContainerConfig, BundleInputs> everything() const {
    ContainerConfig c = basic_config();
    c.entrypoint = {"/entry"};
    c.env = {"A=1"};
    c.working_dir = "/srv";
    c.tty = true;
    c.init = true;
    c.read_only = true;
    c.no_new_privileges = true;
    c.resources.memory = 64 << 20;
    c.resources.memory_swap = -1;
    c.resources.nano_cpus = 500'000'000;
    c.resources.cpu_shares = 512;
    c.resources.cpuset_cpus = "0";
    c.resources.pids_limit = 100;
    c.resources.ulimits = {{"nproc", 512, 1024}, {"nofile", 2048, 4096}};
    MountSpec bind = mount_of("bind", dir_ + "/host", "/host");
    bind.read_only = true;
    bind.propagation = "rslave";
    MountSpec volume = mount_of("volume", "data", "/data");
    MountSpec tmpfs = mount_of("tmpfs", "", "/scratch");
    tmpfs.tmpfs_size = 1 << 20;
    tmpfs.tmpfs_mode = 0700;
    MountSpec exec_tmpfs = mount_of("tmpfs", "", "/run");
    exec_tmpfs.tmpfs_options = {"exec", "size=64m"};
    c.mounts = {bind, volume, tmpfs, exec_tmpfs};

    BundleInputs in;
    in.rootfs = dir_ + "/rootfs";
    in.etc_dir = dir_ + "/etc";
    in.init_path = dir_ + "/minirun-init";
    in.volume_dirs = {{"data", dir_ + "/volume"}};
    in.user.uid = 1000;
    in.user.gid = 1000;
    in.user.additional_gids = {50};
    auto caps = default_capabilities();
    caps.push_back("CAP_SYS_ADMIN");
    in.capabilities = caps;
    auto seccomp = default_seccomp_for(caps);
    EXPECT_TRUE(seccomp.ok()) << seccomp.error().what();
    if (seccomp) in.seccomp = *seccomp;
    return {c, in};
  }

  std::string dir_;
};

TEST_F(OciBundleRuntime, EveryFeatureOnPassesTheRuntimeParser) {
  auto [c, in] = everything();
  const json config = oci_config(c, in);
  auto spec = runtime::parse_spec(config, dir_ + "/bundle");
  ASSERT_TRUE(spec.ok()) << spec.error().what() << "\n" << config.dump(2);
  EXPECT_TRUE(spec->root.readonly);
  EXPECT_TRUE(spec->process.terminal);
  EXPECT_TRUE(spec->process.no_new_privileges);
  ASSERT_TRUE(spec->linux.seccomp.has_value());
  ASSERT_TRUE(spec->linux.resources.has_value());
  EXPECT_EQ(spec->linux.resources->memory_limit, 64 << 20);
  EXPECT_EQ(spec->linux.resources->cpu_quota, 50000);
  EXPECT_EQ(spec->linux.resources->pids_limit, 100);
  EXPECT_EQ(spec->process.rlimits.size(), 2u);
  EXPECT_NE(spec->linux.find_namespace(runtime::NamespaceType::network), nullptr);
}

TEST_F(OciBundleRuntime, PrivilegedHostNetworkPassesTheRuntimeParser) {
  auto [c, in] = everything();
  c.privileged = true;
  c.network_mode = "host";
  c.resources.pids_limit = -1;
  const json config = oci_config(c, in);
  auto spec = runtime::parse_spec(config, dir_ + "/bundle");
  ASSERT_TRUE(spec.ok()) << spec.error().what() << "\n" << config.dump(2);
  EXPECT_FALSE(spec->linux.seccomp.has_value());
  EXPECT_TRUE(spec->linux.masked_paths.empty());
  EXPECT_EQ(spec->linux.find_namespace(runtime::NamespaceType::network), nullptr);
}

TEST_F(OciBundleRuntime, UnlimitedUlimitPassesTheRuntimeParser) {
  // `--ulimit core=-1` (or `infinity`) is RLIM_INFINITY; the runtime must accept what
  // the engine writes for it.
  auto [c, in] = everything();
  c.resources.ulimits = {{"core", -1, -1}};
  const json config = oci_config(c, in);
  auto spec = runtime::parse_spec(config, dir_ + "/bundle");
  ASSERT_TRUE(spec.ok()) << spec.error().what() << "\n" << config["process"]["rlimits"].dump();
  bool found = false;
  for (const auto& r : spec->process.rlimits) {
    if (r.name != "RLIMIT_CORE") continue;
    found = true;
    EXPECT_EQ(r.soft, RLIM_INFINITY);
    EXPECT_EQ(r.hard, RLIM_INFINITY);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace minirun::engine
