/**
 * @file container_config.hpp
 * @brief What a container *is*, as `docker inspect` shows it: Config and HostConfig.
 *
 * `docker run` splits a container's description in two, and so does the engine:
 *  - **Config** is what the image could have said: the command (Entrypoint + Cmd), the
 *    environment, the working directory, the user, the healthcheck, the stop signal,
 *    labels. `run` starts from the image's config and lets the flags override it.
 *  - **HostConfig** is what only the host can decide: bind mounts and volumes, resource
 *    limits, capabilities, the seccomp profile, the restart policy, `--rm`.
 *
 * The engine writes both, once, at `create`, to `<data-root>/containers/<id>/config.json`,
 * in the same shape `minirun inspect` prints (Docker's field names), so the file a learner
 * opens is the answer to "what did my flags do?". What changes while the container lives
 * (running, exit code, health) is kept apart, in state.json (container_state.hpp).
 *
 * Also here: the image facts resolved at create time (its id, and the unpacked layer
 * directories that become the overlay's lower dirs), so that `start` and the monitor
 * never need the image store.
 *
 * Reference: `docker inspect` output; moby api/types/container (Config, HostConfig).
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/engine/flag_values.hpp"
#include "minirun/engine/health.hpp"
#include "minirun/engine/json_log.hpp"
#include "minirun/engine/restart_policy.hpp"
#include "minirun/network/nat_rules.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Error;
using sys::Result;

/// Resource limits (`-m`, `--memory-swap`, `--cpus`, ...). 0 means "not set".
struct Resources {
  int64_t memory = 0;        ///< bytes
  int64_t memory_swap = 0;   ///< bytes of memory + swap; -1 unlimited
  int64_t nano_cpus = 0;     ///< 1e9 = one CPU
  int64_t cpu_shares = 0;
  std::string cpuset_cpus;
  std::optional<int64_t> pids_limit;  ///< unset: the kit's default; -1: unlimited
  std::vector<Ulimit> ulimits;
};

/// One network the container is on: inspect's NetworkSettings.Networks entry. The
/// address is leased at create and kept until `rm` (container_network.hpp).
struct NetworkAttachment {
  std::string network;     ///< its name
  std::string network_id;
  std::vector<std::string> aliases;  ///< --network-alias
  std::string ip_address;  ///< "172.18.0.2"
  int prefix_len = 0;
  std::string gateway;
  std::string mac_address;
  std::string host_interface;  ///< the host end of the veth pair
  std::string bridge;
};

/// Everything `create` decided, in Docker's inspect shape.
struct ContainerConfig {
  std::string id;       ///< 64 hex characters
  std::string name;     ///< without Docker's leading "/"
  std::string created;  ///< RFC 3339

  // --- Config: the image's, overridden by flags
  std::string image;     ///< as the user typed it ("busybox", "demo:1")
  std::string image_id;  ///< "sha256:..." of the image config
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  ///< NAME=value
  std::string working_dir;
  std::string user;
  std::string hostname;
  bool tty = false;
  bool open_stdin = false;
  std::map<std::string, std::string> labels;
  std::string stop_signal = "SIGTERM";
  int stop_timeout = 10;  ///< seconds between the stop signal and SIGKILL
  HealthConfig healthcheck;
  std::vector<std::string> exposed_ports;  ///< from the image, for `ps` and inspect
  std::vector<std::string> image_volumes;  ///< the image's VOLUME paths

  // --- HostConfig
  std::vector<MountSpec> mounts;  ///< binds, named/anonymous volumes (resolved names), tmpfs
  bool read_only = false;
  bool privileged = false;
  bool init = false;
  bool auto_remove = false;
  Resources resources;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  std::string seccomp;  ///< "" (the default profile), "unconfined", or the profile's path
  bool no_new_privileges = true;
  RestartPolicy restart;
  LogOptions log;
  /// "bridge" (the default network), a network's name, "none" (loopback only), "host",
  /// or `container:<id>` (share that container's network namespace).
  std::string network_mode = "bridge";
  std::vector<NetworkAttachment> networks;          ///< filled at create, and by connect
  std::vector<network::PortMapping> port_bindings;  ///< -p as given (host_port 0: pick one)
  bool publish_all = false;                         ///< -P: every EXPOSEd port on a random one
  std::vector<std::string> dns;                     ///< --dns
  std::vector<std::string> extra_hosts;             ///< --add-host NAME:IP

  /// True when the container has a network namespace of its own with interfaces the
  /// engine plugs in (not host, not another container's).
  bool joins_bridge_networks() const { return !networks.empty(); }

  // --- resolved at create
  std::vector<std::string> lower_dirs;  ///< unpacked image layers, top first

  /// The process the container runs: Entrypoint followed by Cmd.
  std::vector<std::string> command() const;

  nlohmann::json to_json() const;
  static Result<ContainerConfig> from_json(const nlohmann::json& j);
};

/// NetworkSettings.Networks.NAME and HostConfig.PortBindings in Docker's shapes.
nlohmann::json attachment_to_json(const NetworkAttachment& a);
Result<NetworkAttachment> attachment_from_json(const std::string& name, const nlohmann::json& j);
nlohmann::json port_bindings_to_json(const std::vector<network::PortMapping>& bindings);
Result<std::vector<network::PortMapping>> port_bindings_from_json(const nlohmann::json& j);

/// The Docker `Mounts` entry of one mount spec (inspect's HostConfig.Mounts).
nlohmann::json mount_to_json(const MountSpec& m);
Result<MountSpec> mount_from_json(const nlohmann::json& j);

}  // namespace minirun::engine
