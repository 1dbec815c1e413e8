/**
 * @file oci_bundle.hpp
 * @brief From a container's Config + HostConfig to the OCI `config.json` the runtime runs.
 *
 * This is the heart of what an engine adds over a runtime: `docker run -m 64m --cap-drop
 * NET_RAW -v data:/data busybox` becomes an OCI bundle, the same kind of directory a
 * learner wrote by hand for `minirun-oci` in the earlier labs. Read the function top to
 * bottom next to a generated `containers/<id>/bundle/config.json`.
 *
 * Docker's defaults, which the kit keeps:
 *  - the 14 default capabilities, plus `--cap-add`, minus `--cap-drop`;
 *  - the default seccomp profile (Docker's JSON format, seccomp_profile.hpp), adjusted to
 *    the capabilities (`--cap-add SYS_ADMIN` allows `mount`), or the user's file, or none;
 *  - masked paths (/proc/kcore, /proc/keys, ... read as empty) and read-only /proc/sys,
 *    /proc/sysrq-trigger, ...; /sys read-only; /dev/shm a 64 MiB tmpfs;
 *  - namespaces: pid, mount, ipc, uts, cgroup, and network unless `--network host`;
 *  - hostname = the first 12 characters of the id; /etc/hostname, /etc/hosts and
 *    /etc/resolv.conf are files the engine writes and bind-mounts, so the image's own
 *    copies are never edited.
 * Where the kit is deliberately stricter than Docker (say so to learners):
 *  - a pids limit of 4096 unless `--pids-limit` says otherwise: a fork bomb in one
 *    container must not take down a shared classroom VM (Docker: unlimited);
 *  - no-new-privileges on unless `--security-opt no-new-privileges=false`: a setuid
 *    binary in an image cannot raise privileges (Docker: off).
 * `--privileged` turns all of that off: every capability, no seccomp, no masked paths,
 * every device, /sys writable. Its tests show what that gives away.
 *
 * Pure: no I/O, so unit tests check every flag's effect without root.
 *
 * Reference: moby daemon/oci_linux.go, oci/defaults.go; runtime-spec config.md.
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/engine/container_config.hpp"
#include "minirun/runtime/user_lookup.hpp"

namespace minirun::engine {

/// The kit's default pids limit (see the file comment).
inline constexpr int64_t kDefaultPidsLimit = 4096;

/// Docker's default capability set (moby oci/caps/defaults.go), "CAP_" names.
const std::vector<std::string>& default_capabilities();

/// Everything oci_config() needs beyond the container's config, all resolved already.
struct BundleInputs {
  runtime::ResolvedUser user;                      ///< from the image's /etc/passwd
  std::string rootfs;                              ///< absolute path of the mounted overlay
  nlohmann::json seccomp;                          ///< OCI linux.seccomp; null: unconfined
  std::vector<std::string> capabilities;           ///< effective set (every one when privileged)
  std::map<std::string, std::string> volume_dirs;  ///< volume name -> host directory
  std::string etc_dir;    ///< holds the hostname, hosts and resolv.conf files to bind
  std::string init_path;  ///< host path of minirun-init, for --init
  std::string network_namespace;  ///< --network container:ID: that init's /proc/PID/ns/net
};

/// The OCI config.json of `config`. Pure.
nlohmann::json oci_config(const ContainerConfig& config, const BundleInputs& inputs);

/// The hostname a container gets when none was asked for: the id's first 12 characters.
std::string container_hostname(const ContainerConfig& config);

}  // namespace minirun::engine
