/**
 * @file oci_bundle.cpp
 * @brief Config + HostConfig -> OCI config.json; see oci_bundle.hpp.
 */
#include "minirun/engine/oci_bundle.hpp"

#include <sys/resource.h>

#include <algorithm>

#include "minirun/runtime/spec.hpp"

namespace minirun::engine {

using nlohmann::json;

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",      "CAP_MKNOD",
      "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",     "CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE",           "CAP_SYS_CHROOT",       "CAP_KILL",        "CAP_AUDIT_WRITE"};
  return caps;
}

std::string container_hostname(const ContainerConfig& config) {
  return config.hostname.empty() ? config.id.substr(0, 12) : config.hostname;
}

namespace {

json bind_mount(const std::string& source, const std::string& destination, bool read_only,
                const std::string& propagation) {
  return {{"destination", destination},
          {"type", "bind"},
          {"source", source},
          {"options", {"rbind", propagation.empty() ? "rprivate" : propagation, read_only ? "ro" : "rw"}}};
}

json tmpfs_mount(const MountSpec& m) {
  // Docker's defaults for a tmpfs: noexec, nosuid, nodev and mode 1777, unless the
  // options say otherwise. `--tmpfs /x:size=64m` keeps its options as typed (the kernel
  // reads "64m" itself); `--mount type=tmpfs,tmpfs-size=...` fills the fields.
  auto given = [&](const std::string& prefix) {
    return std::any_of(m.tmpfs_options.begin(), m.tmpfs_options.end(),
                       [&](const std::string& o) { return o.rfind(prefix, 0) == 0; });
  };
  json options = json::array();
  if (!given("suid")) options.push_back("nosuid");
  if (!given("dev")) options.push_back("nodev");
  if (!given("exec")) options.push_back("noexec");
  for (const auto& o : m.tmpfs_options) options.push_back(o);
  if (m.tmpfs_size > 0 && !given("size=")) options.push_back("size=" + std::to_string(m.tmpfs_size));
  if (!given("mode=")) {
    char mode[32];  // "mode=" and up to 11 octal digits of a 32-bit mode
    std::snprintf(mode, sizeof mode, "mode=%o", m.tmpfs_mode == 0 ? 01777 : m.tmpfs_mode);
    options.push_back(mode);
  }
  if (m.read_only) options.push_back("ro");
  return {{"destination", m.target}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", options}};
}

/// An rlimit as the OCI config writes it: unsigned, as setrlimit(2) takes it, so
/// `--ulimit core=-1` ("unlimited") becomes RLIM_INFINITY, 2^64-1, as in Docker.
json rlimit_value(int64_t value) { return value < 0 ? json(uint64_t{RLIM_INFINITY}) : json(value); }

/// The process environment: the config's, plus what Docker always adds.
std::vector<std::string> process_env(const ContainerConfig& config, const std::string& hostname) {
  std::vector<std::string> env;
  auto has = [&](const std::string& name) {
    return std::any_of(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
  };
  env = config.env;
  if (!has("PATH")) env.insert(env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (!has("HOSTNAME")) env.insert(env.begin() + 1, "HOSTNAME=" + hostname);
  if (config.tty && !has("TERM")) env.push_back("TERM=xterm");
  return env;
}

json resources(const ContainerConfig& config) {
  const Resources& r = config.resources;
  json out = json::object();
  if (config.privileged) {
    out["devices"] = json::array({{{"allow", true}, {"access", "rwm"}}});
  } else {
    out["devices"] = json::array({{{"allow", false}, {"access", "rwm"}}});
  }
  if (r.memory > 0) {
    out["memory"]["limit"] = r.memory;
    // Docker: without --memory-swap, the container may use as much swap as memory.
    if (r.memory_swap == 0) out["memory"]["swap"] = r.memory * 2;
  }
  if (r.memory_swap != 0) out["memory"]["swap"] = r.memory_swap;
  if (r.nano_cpus > 0) {
    // --cpus is CFS bandwidth: `quota` microseconds of CPU time per 100 ms `period`.
    out["cpu"]["period"] = 100000;
    out["cpu"]["quota"] = r.nano_cpus / 10000;
  }
  if (r.cpu_shares > 0) out["cpu"]["shares"] = r.cpu_shares;
  if (!r.cpuset_cpus.empty()) out["cpu"]["cpus"] = r.cpuset_cpus;
  const int64_t pids = r.pids_limit.value_or(kDefaultPidsLimit);
  if (pids > 0) out["pids"]["limit"] = pids;
  return out;
}

}  // namespace

json oci_config(const ContainerConfig& config, const BundleInputs& in) {
  json spec = runtime::default_spec(/*rootless=*/false);
  const std::string hostname = container_hostname(config);

  json& process = spec["process"];
  std::vector<std::string> args = config.command();
  if (config.init) args.insert(args.begin(), {"/sbin/minirun-init", "--"});
  process["args"] = args;
  process["env"] = process_env(config, hostname);
  process["cwd"] = config.working_dir.empty() ? "/" : config.working_dir;
  process["terminal"] = config.tty;
  process["user"] = {{"uid", in.user.uid}, {"gid", in.user.gid}};
  if (!in.user.additional_gids.empty()) process["user"]["additionalGids"] = in.user.additional_gids;
  process["noNewPrivileges"] = config.no_new_privileges;
  const json caps = in.capabilities;
  process["capabilities"] = {{"bounding", caps}, {"effective", caps}, {"permitted", caps}};
  if (!config.resources.ulimits.empty()) {
    json rlimits = json::array();
    bool nofile = false;
    for (const auto& u : config.resources.ulimits) {
      rlimits.push_back({{"type", rlimit_type(u)}, {"soft", rlimit_value(u.soft)}, {"hard", rlimit_value(u.hard)}});
      nofile = nofile || u.name == "nofile";
    }
    if (!nofile) rlimits.push_back(spec["process"]["rlimits"][0]);
    process["rlimits"] = rlimits;
  }

  spec["root"] = {{"path", in.rootfs}, {"readonly", config.read_only}};
  spec["hostname"] = hostname;

  json& mounts = spec["mounts"];
  if (config.privileged) {
    for (auto& m : mounts)
      if (m["destination"] == "/sys" || m["destination"] == "/sys/fs/cgroup") {
        json options = json::array();
        for (const auto& o : m["options"])
          if (o != "ro") options.push_back(o);
        m["options"] = options;
      }
  }
  for (const char* file : {"hostname", "hosts", "resolv.conf"})
    mounts.push_back(bind_mount(in.etc_dir + "/" + file, std::string("/etc/") + file, false, ""));
  for (const auto& m : config.mounts) {
    if (m.type == "bind") {
      mounts.push_back(bind_mount(m.source, m.target, m.read_only, m.propagation));
    } else if (m.type == "volume") {
      auto dir = in.volume_dirs.find(m.source);
      const std::string source = dir == in.volume_dirs.end() ? m.source : dir->second;
      mounts.push_back(bind_mount(source, m.target, m.read_only, ""));
    } else if (m.type == "tmpfs") {
      mounts.push_back(tmpfs_mount(m));
    }
  }
  if (config.init && !in.init_path.empty())
    mounts.push_back(bind_mount(in.init_path, "/sbin/minirun-init", true, ""));

  json& linux_ = spec["linux"];
  linux_["resources"] = resources(config);
  if (config.network_mode == "host") {
    json namespaces = json::array();
    for (const auto& ns : linux_["namespaces"])
      if (ns["type"] != "network") namespaces.push_back(ns);
    linux_["namespaces"] = namespaces;
  } else if (!in.network_namespace.empty()) {
    // Join that namespace instead of making one: setns(2) by path, as runc does.
    for (auto& ns : linux_["namespaces"])
      if (ns["type"] == "network") ns["path"] = in.network_namespace;
  }
  if (config.privileged) {
    linux_.erase("maskedPaths");
    linux_.erase("readonlyPaths");
  } else {
    // Docker's list, which adds powercap to runc's (its energy counters leak what other
    // tenants compute: CVE-2020-8694, "PLATYPUS").
    linux_["maskedPaths"].push_back("/sys/devices/virtual/powercap");
  }
  if (!config.privileged && !in.seccomp.is_null()) linux_["seccomp"] = in.seccomp;
  spec["annotations"] = {{"org.minirun.engine.id", config.id}, {"org.minirun.engine.name", config.name}};
  return spec;
}

}  // namespace minirun::engine
