/**
 * @file container_config.cpp
 * @brief ContainerConfig <-> Docker-shaped JSON; see container_config.hpp.
 *
 * Reading is strict about types (a hand-edited config.json with `"Tty": "yes"` fails
 * naming the field) and lenient about absence (a missing field keeps its default), so
 * that a config written by an older kit still loads.
 */
#include "minirun/engine/container_config.hpp"

#include <algorithm>

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

json attachment_to_json(const NetworkAttachment& a) {
  return {{"NetworkID", a.network_id},   {"Aliases", a.aliases},          {"IPAddress", a.ip_address},
          {"IPPrefixLen", a.prefix_len}, {"Gateway", a.gateway},          {"MacAddress", a.mac_address},
          {"HostInterface", a.host_interface}, {"Bridge", a.bridge}};
}

Result<NetworkAttachment> attachment_from_json(const std::string& name, const json& j) {
  try {
    NetworkAttachment a;
    a.network = name;
    a.network_id = j.at("NetworkID").get<std::string>();
    a.aliases = j.value("Aliases", std::vector<std::string>{});
    a.ip_address = j.at("IPAddress").get<std::string>();
    a.prefix_len = j.at("IPPrefixLen").get<int>();
    a.gateway = j.at("Gateway").get<std::string>();
    a.mac_address = j.value("MacAddress", "");
    a.host_interface = j.at("HostInterface").get<std::string>();
    a.bridge = j.at("Bridge").get<std::string>();
    return a;
  } catch (const json::exception& e) {
    return Error("NetworkSettings.Networks." + name + ": " + e.what());
  }
}

json port_bindings_to_json(const std::vector<network::PortMapping>& bindings) {
  // Docker's shape: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}; HostPort "" = pick one.
  json out = json::object();
  for (const auto& b : bindings) {
    const std::string key = std::to_string(b.container_port) + "/" + b.protocol;
    if (!out.contains(key)) out[key] = json::array();
    out[key].push_back({{"HostIp", b.host_ip}, {"HostPort", b.host_port ? std::to_string(b.host_port) : ""}});
  }
  return out;
}

Result<std::vector<network::PortMapping>> port_bindings_from_json(const json& j) {
  std::vector<network::PortMapping> out;
  if (j.is_null()) return out;
  if (!j.is_object()) return Error("HostConfig.PortBindings: expected an object, got " + j.dump());
  try {
    for (const auto& [key, list] : j.items()) {
      network::PortMapping m;
      const auto slash = key.find('/');
      m.container_port = static_cast<uint16_t>(std::stoi(key.substr(0, slash)));
      m.protocol = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
      for (const auto& b : list) {
        m.host_ip = b.value("HostIp", "");
        const std::string port = b.value("HostPort", "");
        m.host_port = port.empty() ? 0 : static_cast<uint16_t>(std::stoi(port));
        out.push_back(m);
      }
    }
  } catch (const std::exception& e) {
    return Error(std::string("HostConfig.PortBindings: ") + e.what());
  }
  return out;
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
      {"PortBindings", port_bindings_to_json(port_bindings)},
      {"PublishAllPorts", publish_all},
      {"Dns", dns},
      {"ExtraHosts", extra_hosts},
  };
  json attached = json::object();
  for (const auto& a : networks) attached[a.network] = attachment_to_json(a);
  return {
      {"Id", id},
      {"Name", "/" + name},
      {"Created", created},
      {"Image", image_id},
      {"Config", std::move(config)},
      {"HostConfig", std::move(host)},
      {"GraphDriver", {{"Name", "overlay"}, {"Data", {{"LowerDirs", lower_dirs}}}}},
      {"NetworkSettings", {{"Networks", std::move(attached)}}},
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
  if (host.contains("PortBindings")) {
    auto bindings = port_bindings_from_json(host["PortBindings"]);
    if (!bindings) return std::move(bindings.error()).context("container config");
    c.port_bindings = std::move(*bindings);
  }
  MINIRUN_TRY(read_field(host, "HostConfig", "PublishAllPorts", c.publish_all), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "Dns", c.dns), "container config");
  MINIRUN_TRY(read_field(host, "HostConfig", "ExtraHosts", c.extra_hosts), "container config");
  if (j.contains("NetworkSettings") && j["NetworkSettings"].contains("Networks") &&
      j["NetworkSettings"]["Networks"].is_object()) {
    for (const auto& [name, entry] : j["NetworkSettings"]["Networks"].items()) {
      auto a = attachment_from_json(name, entry);
      if (!a) return std::move(a.error()).context("container config");
      c.networks.push_back(std::move(*a));
    }
    // JSON objects have no order; the primary network (the one --network named, which
    // gives the default route) goes first again.
    std::stable_partition(c.networks.begin(), c.networks.end(),
                          [&](const NetworkAttachment& a) { return a.network == c.network_mode; });
  }
  if (j.contains("GraphDriver") && j["GraphDriver"].contains("Data")) {
    MINIRUN_TRY(read_field(j["GraphDriver"]["Data"], "GraphDriver.Data", "LowerDirs", c.lower_dirs),
                "container config");
  }
  if (c.id.empty()) return Error("container config: Id is missing");
  return c;
}

}  // namespace minirun::engine
