/**
 * @file container_config.cpp
 * @brief ContainerConfig <-> Docker-shaped JSON; see container_config.hpp.
 *
 * Reading is strict about types (a hand-edited config.json with `"Tty": "yes"` fails
 * naming the field) and lenient about absence (a missing field keeps its default), so
 * that a config written by an older kit still loads.
 */
#include "minirun/engine/container_config.hpp"

namespace minirun::engine {

using nlohmann::json;

std::vector<std::string> ContainerConfig::command() const {
  std::vector<std::string> argv = entrypoint;
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

json mount_to_json(const MountSpec& m) {
  json j = {{"Type", m.type}, {"Source", m.source}, {"Target", m.target}, {"ReadOnly", m.read_only}};
  if (m.type == "bind") {
    j["BindOptions"] = {{"Propagation", m.propagation.empty() ? "rprivate" : m.propagation},
                        {"CreateMountpoint", m.bind_create_host_path}};
  } else if (m.type == "volume") {
    j["VolumeOptions"] = {{"NoCopy", m.volume_nocopy}};
  } else if (m.type == "tmpfs") {
    j["TmpfsOptions"] = {{"SizeBytes", m.tmpfs_size}, {"Mode", m.tmpfs_mode}, {"Options", m.tmpfs_options}};
  }
  return j;
}

Result<MountSpec> mount_from_json(const json& j) {
  try {
    MountSpec m;
    m.type = j.at("Type").get<std::string>();
    m.source = j.value("Source", "");
    m.target = j.at("Target").get<std::string>();
    m.read_only = j.value("ReadOnly", false);
    if (j.contains("BindOptions")) {
      m.propagation = j["BindOptions"].value("Propagation", "");
      m.bind_create_host_path = j["BindOptions"].value("CreateMountpoint", false);
    }
    if (j.contains("VolumeOptions")) m.volume_nocopy = j["VolumeOptions"].value("NoCopy", false);
    if (j.contains("TmpfsOptions")) {
      m.tmpfs_size = j["TmpfsOptions"].value("SizeBytes", int64_t{0});
      m.tmpfs_mode = j["TmpfsOptions"].value("Mode", uint32_t{0});
      m.tmpfs_options = j["TmpfsOptions"].value("Options", std::vector<std::string>{});
    }
    return m;
  } catch (const json::exception& e) {
    return Error(std::string("HostConfig.Mounts: ") + e.what());
  }
}

json ContainerConfig::to_json() const {
  json ulimits = json::array();
  for (const auto& u : resources.ulimits) ulimits.push_back({{"Name", u.name}, {"Soft", u.soft}, {"Hard", u.hard}});
  json mount_list = json::array();
  for (const auto& m : mounts) mount_list.push_back(mount_to_json(m));
  json security_opt = json::array();
  if (!seccomp.empty()) security_opt.push_back("seccomp=" + seccomp);
  if (no_new_privileges) security_opt.push_back("no-new-privileges");
  json exposed = json::object();
  for (const auto& p : exposed_ports) exposed[p] = json::object();
  json volumes = json::object();
  for (const auto& v : image_volumes) volumes[v] = json::object();

  json config = {
      {"Hostname", hostname},
      {"User", user},
      {"Tty", tty},
      {"OpenStdin", open_stdin},
      {"Env", env},
      {"Cmd", cmd},
      {"Entrypoint", entrypoint},
      {"Image", image},
      {"WorkingDir", working_dir},
      {"Labels", labels},
      {"StopSignal", stop_signal},
      {"StopTimeout", stop_timeout},
      {"ExposedPorts", exposed},
      {"Volumes", volumes},
  };
  if (!healthcheck.test.empty()) config["Healthcheck"] = healthcheck.to_json();

  json host = {
      {"Mounts", mount_list},
      {"ReadonlyRootfs", read_only},
      {"Privileged", privileged},
      {"Init", init},
      {"AutoRemove", auto_remove},
      {"Memory", resources.memory},
      {"MemorySwap", resources.memory_swap},
      {"NanoCpus", resources.nano_cpus},
      {"CpuShares", resources.cpu_shares},
      {"CpusetCpus", resources.cpuset_cpus},
      {"PidsLimit", resources.pids_limit ? json(*resources.pids_limit) : json(nullptr)},
      {"Ulimits", ulimits},
      {"CapAdd", cap_add},
      {"CapDrop", cap_drop},
      {"SecurityOpt", security_opt},
      {"RestartPolicy", {{"Name", restart.name}, {"MaximumRetryCount", restart.max_retries}}},
      {"LogConfig",
       {{"Type", "json-file"},
        {"Config", {{"max-size", std::to_string(log.max_size)}, {"max-file", std::to_string(log.max_files)}}}}},
      {"NetworkMode", network_mode},
  };
  return {
      {"Id", id},
      {"Name", "/" + name},
      {"Created", created},
      {"Image", image_id},
      {"Config", std::move(config)},
      {"HostConfig", std::move(host)},
      {"GraphDriver", {{"Name", "overlay"}, {"Data", {{"LowerDirs", lower_dirs}}}}},
  };
}

namespace {

/// Reads `key` of `object` into `out` if present; a wrong type names the field.
template <class T>
Result<void> read_field(const json& object, const char* section, const char* key, T& out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return sys::ok();
  try {
    out = it->get<T>();
  } catch (const json::exception& e) {
    return Error(std::string(section) + "." + key + ": " + e.what());
  }
  return sys::ok();
}

}  // namespace

Result<ContainerConfig> ContainerConfig::from_json(const json& j) {
  if (!j.is_object()) return Error("container config: not a JSON object");
  ContainerConfig c;
  MINIRUN_TRY(read_field(j, "", "Id", c.id), "container config");
  MINIRUN_TRY(read_field(j, "", "Name", c.name), "container config");
  if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
  MINIRUN_TRY(read_field(j, "", "Created", c.created), "container config");
  MINIRUN_TRY(read_field(j, "", "Image", c.image_id), "container config");

  static const json kEmpty = json::object();
  const json& config = j.contains("Config") ? j["Config"] : kEmpty;
  MINIRUN_TRY(read_field(config, "Config", "Hostname", c.hostname), "container config");
  MINIRUN_TRY(read_field(config, "Config", "User", c.user), "container config");
  MINIRUN_TRY(read_field(config, "Config", "Tty", c.tty), "container config");
  MINIRUN_TRY(read_field(config, "Config", "OpenStdin", c.open_stdin), "container config");
  MINIRUN_TRY(read_field(config, "Config", "Env", c.env), "container config");
  MINIRUN_TRY(read_field(config, "Config", "Cmd", c.cmd), "container config");
  MINIRUN_TRY(read_field(config, "Config", "Entrypoint", c.entrypoint), "container config");
  MINIRUN_TRY(read_field(config, "Config", "Image", c.image), "container config");
  MINIRUN_TRY(read_field(config, "Config", "WorkingDir", c.working_dir), "container config");
  MINIRUN_TRY(read_field(config, "Config", "Labels", c.labels), "container config");
  MINIRUN_TRY(read_field(config, "Config", "StopSignal", c.stop_signal), "container config");
  MINIRUN_TRY(read_field(config, "Config", "StopTimeout", c.stop_timeout), "container config");
  if (config.contains("Healthcheck")) {
    auto health = HealthConfig::from_json(config["Healthcheck"]);
    if (!health) return std::move(health.error()).context("container config: Config.Healthcheck");
    c.healthcheck = std::move(*health);
  }
  if (config.contains("ExposedPorts") && config["ExposedPorts"].is_object())
    for (const auto& [port, _] : config["ExposedPorts"].items()) c.exposed_ports.push_back(port);
  if (config.contains("Volumes") && config["Volumes"].is_object())
    for (const auto& [path, _] : config["Volumes"].items()) c.image_volumes.push_back(path);

  const json& host = j.contains("HostConfig") ? j["HostConfig"] : kEmpty;
  if (host.contains("Mounts")) {
    for (const auto& m : host["Mounts"]) {
      auto mount = mount_from_json(m);
      if (!mount) return std::move(mount.error()).context("container config");
      c.mounts.push_back(std::move(*mount));
    }
  }
  MINIRUN_TRY(read_field(host, "HostConfig", "ReadonlyRootfs", c.read_only), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "Privileged", c.privileged), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "Init", c.init), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "AutoRemove", c.auto_remove), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "Memory", c.resources.memory), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "MemorySwap", c.resources.memory_swap), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "NanoCpus", c.resources.nano_cpus), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "CpuShares", c.resources.cpu_shares), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "CpusetCpus", c.resources.cpuset_cpus), "container config");
  if (host.contains("PidsLimit") && !host["PidsLimit"].is_null()) {
    int64_t limit = 0;
    MINIRUN_TRY(read_field(host, "HostConfig", "PidsLimit", limit), "container config");
    c.resources.pids_limit = limit;
  }
  try {
    if (host.contains("Ulimits") && !host["Ulimits"].is_null()) {
      if (!host["Ulimits"].is_array())
        return Error("container config: HostConfig.Ulimits: expected a list, got " + host["Ulimits"].dump());
      for (const auto& u : host["Ulimits"]) {
        c.resources.ulimits.push_back(
            {u.value("Name", ""), u.value("Soft", int64_t{0}), u.value("Hard", int64_t{0})});
      }
    }
  } catch (const json::exception& e) {
    return Error(std::string("container config: HostConfig.Ulimits: ") + e.what());
  }
  MINIRUN_TRY(read_field(host, "HostConfig", "CapAdd", c.cap_add), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "CapDrop", c.cap_drop), "container config");
  std::vector<std::string> security_opt;
  MINIRUN_TRY(read_field(host, "HostConfig", "SecurityOpt", security_opt), "container config");
  // Absent (a config from before the field): keep the kit's default. Present: Docker's
  // meaning, no-new-privileges only when listed.
  if (host.contains("SecurityOpt") && !host["SecurityOpt"].is_null()) c.no_new_privileges = false;
  for (const auto& opt : security_opt) {
    if (opt.rfind("seccomp=", 0) == 0) c.seccomp = opt.substr(8);
    if (opt == "no-new-privileges") c.no_new_privileges = true;
  }
  if (host.contains("RestartPolicy") && !host["RestartPolicy"].is_null()) {
    try {
      c.restart.name = host["RestartPolicy"].value("Name", "no");
      c.restart.max_retries = host["RestartPolicy"].value("MaximumRetryCount", 0);
    } catch (const json::exception& e) {
      return Error(std::string("container config: HostConfig.RestartPolicy: ") + e.what());
    }
  }
  if (host.contains("LogConfig") && host["LogConfig"].contains("Config")) {
    const json& log = host["LogConfig"]["Config"];
    try {
      if (log.contains("max-size")) c.log.max_size = std::stoll(log["max-size"].get<std::string>());
      if (log.contains("max-file")) c.log.max_files = std::stoi(log["max-file"].get<std::string>());
    } catch (const std::exception& e) {
      return Error(std::string("container config: HostConfig.LogConfig: ") + e.what());
    }
  }
  MINIRUN_TRY(read_field(host, "HostConfig", "NetworkMode", c.network_mode), "container config");
  if (j.contains("GraphDriver") && j["GraphDriver"].contains("Data")) {
    MINIRUN_TRY(read_field(j["GraphDriver"]["Data"], "GraphDriver.Data", "LowerDirs", c.lower_dirs),
                "container config");
  }
  if (c.id.empty()) return Error("container config: Id is missing");
  return c;
}

}  // namespace minirun::engine
