// ContainerConfig <-> config.json (Docker's inspect shape): every field survives a
// round trip, a wrong type is refused naming the field, and the command is
// Entrypoint + Cmd. Pure: no files, no root.
#include "minirun/engine/container_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace minirun::engine {
namespace {

using nlohmann::json;

/// A config with every field set to something other than its default, so a field the
/// writer or the reader forgets shows up as a difference.
ContainerConfig full_config() {
  ContainerConfig c;
  c.id = std::string(64, 'a');
  c.name = "web";
  c.created = "2026-11-28T05:12:01.123456789Z";
  c.image = "demo:1";
  c.image_id = "sha256:" + std::string(64, 'b');
  c.entrypoint = {"/bin/entry", "--flag"};
  c.cmd = {"serve", "--port", "80"};
  c.env = {"PATH=/bin", "A=b=c"};
  c.working_dir = "/srv";
  c.user = "1000:1000";
  c.hostname = "box";
  c.tty = true;
  c.open_stdin = true;
  c.labels = {{"role", "web"}, {"tier", ""}};
  c.stop_signal = "SIGQUIT";
  c.stop_timeout = 42;
  c.healthcheck.test = {"CMD-SHELL", "wget -q localhost"};
  c.healthcheck.interval_ns = 5'000'000'000;
  c.healthcheck.timeout_ns = 2'000'000'000;
  c.healthcheck.start_period_ns = 1'000'000'000;
  c.healthcheck.start_interval_ns = 3'000'000'000;
  c.healthcheck.retries = 7;
  c.exposed_ports = {"443/tcp", "80/tcp"};  // sorted as a JSON object keeps them
  std::sort(c.exposed_ports.begin(), c.exposed_ports.end());
  c.image_volumes = {"/data", "/var/log"};

  MountSpec bind;
  bind.type = "bind";
  bind.source = "/host/src";
  bind.target = "/src";
  bind.read_only = true;
  bind.propagation = "rslave";
  bind.bind_create_host_path = true;
  MountSpec volume;
  volume.type = "volume";
  volume.source = "data";
  volume.target = "/data";
  volume.volume_nocopy = true;
  MountSpec tmpfs;
  tmpfs.type = "tmpfs";
  tmpfs.target = "/scratch";
  tmpfs.tmpfs_size = 64 << 20;
  tmpfs.tmpfs_mode = 0700;
  tmpfs.tmpfs_options = {"exec", "size=64m"};
  c.mounts = {bind, volume, tmpfs};

  c.read_only = true;
  c.privileged = true;
  c.init = true;
  c.auto_remove = true;
  c.resources.memory = 64 << 20;
  c.resources.memory_swap = -1;
  c.resources.nano_cpus = 1'500'000'000;
  c.resources.cpu_shares = 512;
  c.resources.cpuset_cpus = "0-1";
  c.resources.pids_limit = 100;
  c.resources.ulimits = {{"nofile", 1024, 2048}, {"core", -1, -1}};
  c.cap_add = {"CAP_SYS_ADMIN"};
  c.cap_drop = {"CAP_NET_RAW", "CAP_MKNOD"};
  c.seccomp = "/etc/profile.json";
  c.no_new_privileges = false;
  c.restart = {"on-failure", 5};
  c.log.max_size = 1 << 20;
  c.log.max_files = 5;
  c.network_mode = "host";
  c.lower_dirs = {"/images/layers/2", "/images/layers/1"};
  return c;
}

void expect_same_mount(const MountSpec& a, const MountSpec& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.read_only, b.read_only);
  EXPECT_EQ(a.propagation, b.propagation) << a.target;
  EXPECT_EQ(a.bind_create_host_path, b.bind_create_host_path) << a.target;
  EXPECT_EQ(a.tmpfs_size, b.tmpfs_size) << a.target;
  EXPECT_EQ(a.tmpfs_mode, b.tmpfs_mode) << a.target;
  EXPECT_EQ(a.volume_nocopy, b.volume_nocopy) << a.target;
  EXPECT_EQ(a.tmpfs_options, b.tmpfs_options) << a.target;
}

/// Field by field, so a failure says which field was lost.
void expect_same(const ContainerConfig& a, const ContainerConfig& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.image, b.image);
  EXPECT_EQ(a.image_id, b.image_id);
  EXPECT_EQ(a.entrypoint, b.entrypoint);
  EXPECT_EQ(a.cmd, b.cmd);
  EXPECT_EQ(a.env, b.env);
  EXPECT_EQ(a.working_dir, b.working_dir);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.hostname, b.hostname);
  EXPECT_EQ(a.tty, b.tty);
  EXPECT_EQ(a.open_stdin, b.open_stdin);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.stop_signal, b.stop_signal);
  EXPECT_EQ(a.stop_timeout, b.stop_timeout);
  EXPECT_EQ(a.healthcheck.test, b.healthcheck.test);
  EXPECT_EQ(a.healthcheck.interval_ns, b.healthcheck.interval_ns);
  EXPECT_EQ(a.healthcheck.timeout_ns, b.healthcheck.timeout_ns);
  EXPECT_EQ(a.healthcheck.start_period_ns, b.healthcheck.start_period_ns);
  EXPECT_EQ(a.healthcheck.start_interval_ns, b.healthcheck.start_interval_ns);
  EXPECT_EQ(a.healthcheck.retries, b.healthcheck.retries);
  EXPECT_EQ(a.exposed_ports, b.exposed_ports);
  EXPECT_EQ(a.image_volumes, b.image_volumes);
  ASSERT_EQ(a.mounts.size(), b.mounts.size());
  for (size_t i = 0; i < a.mounts.size(); ++i) expect_same_mount(a.mounts[i], b.mounts[i]);
  EXPECT_EQ(a.read_only, b.read_only);
  EXPECT_EQ(a.privileged, b.privileged);
  EXPECT_EQ(a.init, b.init);
  EXPECT_EQ(a.auto_remove, b.auto_remove);
  EXPECT_EQ(a.resources.memory, b.resources.memory);
  EXPECT_EQ(a.resources.memory_swap, b.resources.memory_swap);
  EXPECT_EQ(a.resources.nano_cpus, b.resources.nano_cpus);
  EXPECT_EQ(a.resources.cpu_shares, b.resources.cpu_shares);
  EXPECT_EQ(a.resources.cpuset_cpus, b.resources.cpuset_cpus);
  EXPECT_EQ(a.resources.pids_limit, b.resources.pids_limit);
  ASSERT_EQ(a.resources.ulimits.size(), b.resources.ulimits.size());
  for (size_t i = 0; i < a.resources.ulimits.size(); ++i) {
    EXPECT_EQ(a.resources.ulimits[i].name, b.resources.ulimits[i].name);
    EXPECT_EQ(a.resources.ulimits[i].soft, b.resources.ulimits[i].soft);
    EXPECT_EQ(a.resources.ulimits[i].hard, b.resources.ulimits[i].hard);
  }
  EXPECT_EQ(a.cap_add, b.cap_add);
  EXPECT_EQ(a.cap_drop, b.cap_drop);
  EXPECT_EQ(a.seccomp, b.seccomp);
  EXPECT_EQ(a.no_new_privileges, b.no_new_privileges);
  EXPECT_EQ(a.restart.name, b.restart.name);
  EXPECT_EQ(a.restart.max_retries, b.restart.max_retries);
  EXPECT_EQ(a.log.max_size, b.log.max_size);
  EXPECT_EQ(a.log.max_files, b.log.max_files);
  EXPECT_EQ(a.network_mode, b.network_mode);
  EXPECT_EQ(a.lower_dirs, b.lower_dirs);
}

/// Through text, as config.json is written and read.
Result<ContainerConfig> round_trip(const ContainerConfig& c) {
  return ContainerConfig::from_json(json::parse(c.to_json().dump(2)));
}

/// from_json of `j`, with any escaping exception turned into a test failure (a
/// hand-edited file must give an error, never abort the program).
std::string error_of(const json& j) {
  try {
    auto r = ContainerConfig::from_json(j);
    if (r) return "(accepted)";
    return r.error().what();
  } catch (const std::exception& e) {
    return std::string("(threw) ") + e.what();
  }
}

json with(const char* section, const char* key, json value) {
  json j = full_config().to_json();
  j[section][key] = std::move(value);
  return j;
}

TEST(ContainerConfig, RoundTripKeepsEveryField) {
  const ContainerConfig c = full_config();
  auto back = round_trip(c);
  ASSERT_TRUE(back.ok()) << back.error().what();
  expect_same(c, *back);
}

TEST(ContainerConfig, RoundTripKeepsTheDefaults) {
  ContainerConfig c;
  c.id = std::string(64, 'c');
  c.name = "plain";
  auto back = round_trip(c);
  ASSERT_TRUE(back.ok()) << back.error().what();
  expect_same(c, *back);
  EXPECT_TRUE(back->no_new_privileges);
  EXPECT_FALSE(back->resources.pids_limit.has_value());
  EXPECT_TRUE(back->healthcheck.test.empty());
}

TEST(ContainerConfig, PidsLimitUnsetIsNullAndMinusOneIsKept) {
  ContainerConfig c = full_config();
  c.resources.pids_limit.reset();
  EXPECT_TRUE(c.to_json()["HostConfig"]["PidsLimit"].is_null());
  auto unset = round_trip(c);
  ASSERT_TRUE(unset.ok()) << unset.error().what();
  EXPECT_FALSE(unset->resources.pids_limit.has_value());

  c.resources.pids_limit = -1;
  EXPECT_EQ(c.to_json()["HostConfig"]["PidsLimit"], -1);
  auto unlimited = round_trip(c);
  ASSERT_TRUE(unlimited.ok()) << unlimited.error().what();
  ASSERT_TRUE(unlimited->resources.pids_limit.has_value());
  EXPECT_EQ(*unlimited->resources.pids_limit, -1);
}

TEST(ContainerConfig, NoNewPrivilegesFalseSurvivesTheRoundTrip) {
  ContainerConfig c = full_config();
  c.no_new_privileges = false;
  c.seccomp = "";
  EXPECT_EQ(c.to_json()["HostConfig"]["SecurityOpt"], json::array());
  auto back = round_trip(c);
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_FALSE(back->no_new_privileges);
  EXPECT_EQ(back->seccomp, "");
}

TEST(ContainerConfig, SecurityOptIsDockersShape) {
  ContainerConfig c = full_config();
  c.seccomp = "unconfined";
  c.no_new_privileges = true;
  EXPECT_EQ(c.to_json()["HostConfig"]["SecurityOpt"], json({"seccomp=unconfined", "no-new-privileges"}));
  auto back = round_trip(c);
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(back->seccomp, "unconfined");
  EXPECT_TRUE(back->no_new_privileges);
}

TEST(ContainerConfig, NameIsWrittenWithDockersLeadingSlash) {
  const json j = full_config().to_json();
  EXPECT_EQ(j["Name"], "/web");
  EXPECT_EQ(j["Id"], std::string(64, 'a'));
  EXPECT_EQ(j["Image"], "sha256:" + std::string(64, 'b'));
  EXPECT_EQ(j["Config"]["Image"], "demo:1");
}

TEST(ContainerConfig, MountsOfEachTypeCarryTheirOwnOptions) {
  const json mounts = full_config().to_json()["HostConfig"]["Mounts"];
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0]["BindOptions"]["Propagation"], "rslave");
  EXPECT_FALSE(mounts[0].contains("TmpfsOptions"));
  EXPECT_EQ(mounts[1]["VolumeOptions"]["NoCopy"], true);
  EXPECT_FALSE(mounts[1].contains("BindOptions"));
  EXPECT_EQ(mounts[2]["TmpfsOptions"]["SizeBytes"], 64 << 20);
  EXPECT_EQ(mounts[2]["TmpfsOptions"]["Mode"], 0700);
}

TEST(ContainerConfig, BindPropagationIsShownAsRprivateWhenUnset) {
  MountSpec bind;
  bind.type = "bind";
  bind.source = "/a";
  bind.target = "/b";
  EXPECT_EQ(mount_to_json(bind)["BindOptions"]["Propagation"], "rprivate");
}

TEST(ContainerConfig, MissingFieldsKeepTheirDefaults) {
  auto c = ContainerConfig::from_json({{"Id", std::string(64, 'd')}});
  ASSERT_TRUE(c.ok()) << c.error().what();
  const ContainerConfig defaults;
  EXPECT_EQ(c->stop_signal, defaults.stop_signal);
  EXPECT_EQ(c->stop_timeout, defaults.stop_timeout);
  EXPECT_EQ(c->network_mode, defaults.network_mode);
  EXPECT_EQ(c->restart.name, "no");
  EXPECT_EQ(c->log.max_size, defaults.log.max_size);
  EXPECT_EQ(c->log.max_files, defaults.log.max_files);
  // The kit's secure default must not be lost by a config that predates the field.
  EXPECT_EQ(c->no_new_privileges, defaults.no_new_privileges);
}

TEST(ContainerConfig, MissingIdIsAnError) {
  json j = full_config().to_json();
  j.erase("Id");
  EXPECT_NE(error_of(j).find("Id is missing"), std::string::npos) << error_of(j);
}

TEST(ContainerConfig, NotAnObjectIsAnError) {
  EXPECT_NE(error_of(json::array()).find("not a JSON object"), std::string::npos);
}

TEST(ContainerConfig, WrongTypeNamesTheField) {
  struct Case {
    const char* section;
    const char* key;
    json value;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"Config", "Tty", "yes", "Config.Tty"},
      {"Config", "Cmd", "echo hi", "Config.Cmd"},
      {"Config", "StopTimeout", "10", "Config.StopTimeout"},
      {"Config", "Labels", json::array({"a"}), "Config.Labels"},
      {"Config", "Healthcheck", "CMD true", "Config.Healthcheck"},
      {"HostConfig", "Memory", "64m", "HostConfig.Memory"},
      {"HostConfig", "PidsLimit", "many", "HostConfig.PidsLimit"},
      {"HostConfig", "Privileged", 1, "HostConfig.Privileged"},
      {"HostConfig", "SecurityOpt", "no-new-privileges", "HostConfig.SecurityOpt"},
      {"HostConfig", "Mounts", json::array({{{"Type", "bind"}, {"Target", 5}}}), "HostConfig.Mounts"},
      {"HostConfig", "Ulimits", json::array({{{"Name", "nofile"}, {"Soft", "lots"}, {"Hard", 1}}}),
       "HostConfig.Ulimits"},
      {"HostConfig", "Ulimits", "nofile=1024", "HostConfig.Ulimits"},
      {"HostConfig", "RestartPolicy", {{"Name", 3}}, "HostConfig.RestartPolicy"},
      {"HostConfig", "RestartPolicy", "always", "HostConfig.RestartPolicy"},
      {"HostConfig", "LogConfig", {{"Config", {{"max-size", 10}}}}, "HostConfig.LogConfig"},
  };
  for (const auto& c : cases) {
    const std::string error = error_of(with(c.section, c.key, c.value));
    EXPECT_NE(error.find(c.expected), std::string::npos)
        << c.section << "." << c.key << " = " << c.value.dump() << " gave: " << error;
    EXPECT_EQ(error.find("(threw)"), std::string::npos) << error;
  }
}

TEST(ContainerConfig, CommandIsEntrypointFollowedByCmd) {
  ContainerConfig c;
  c.entrypoint = {"/bin/sh", "-c"};
  c.cmd = {"echo hi"};
  EXPECT_EQ(c.command(), (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  c.entrypoint.clear();
  EXPECT_EQ(c.command(), (std::vector<std::string>{"echo hi"}));
  c.entrypoint = {"/entry"};
  c.cmd.clear();
  EXPECT_EQ(c.command(), (std::vector<std::string>{"/entry"}));
}

}  // namespace
}  // namespace minirun::engine
