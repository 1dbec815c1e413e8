/**
 * @file bundle_writer.hpp
 * @brief Turning a created container into a runnable OCI bundle, on the host, at start.
 *
 * oci_bundle.hpp decides what the config.json says; this file does the I/O around it,
 * in the order the pieces depend on each other:
 *
 *  1. mount the root filesystem: an overlay of the image's unpacked layers (lower, top
 *     first) under the container's own `upper` dir (minirun/sys/overlay.hpp), on
 *     `containers/<id>/rootfs`. The upper dir survives stop and start, as in Docker: a
 *     file written by the container is still there after a restart, until `rm`;
 *  2. make sure each named or anonymous volume exists, and seed a new, empty one with what
 *     the image has at its mount path (Docker's copy-up; `nocopy` turns it off);
 *  3. check bind-mount sources (a missing one is an error naming it; `-v` creates a
 *     missing directory, as Docker's `-v` does, `--mount` does not);
 *  4. write /etc/hostname, /etc/hosts and /etc/resolv.conf for the container;
 *  5. resolve the user (`-u app`) against the image's own /etc/passwd, inside the root;
 *  6. capabilities from the defaults and --cap-add/--cap-drop (all with --privileged);
 *     the seccomp profile for exactly those capabilities;
 *  7. the OCI config itself: handed back to the monitor, which gives it to the runtime in
 *     memory and writes `bundle/config.json` (save_bundle_config) for `exec`, `inspect`
 *     and the curious while the container's program is already running.
 * A failure undoes the mount, so a bad `start` leaves nothing mounted.
 *
 * The monitor calls it (it owns the mount's lifetime); `minirun create` calls the
 * checks alone, so that a bad flag fails at create and not at the first start.
 *
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "minirun/engine/container_config.hpp"
#include "minirun/engine/container_store.hpp"
#include "minirun/runtime/spec.hpp"

namespace minirun::engine {

/// What write_bundle made, for the monitor to hand to the runtime without a file between.
struct WrittenBundle {
  nlohmann::json config;  ///< the OCI config, as bundle/config.json will say it
  /// With the built-in profile for Docker's capabilities: config's linux.seccomp in the
  /// runtime's form, built from its table (runtime::CreateOptions::seccomp says why).
  std::optional<runtime::Seccomp> seccomp;
};

/// Steps 1-7 above. `init_path` is minirun-init (for --init).
Result<WrittenBundle> write_bundle(const ContainerStore& store, const ContainerConfig& config,
                                   const std::string& init_path);

/// Writes `spec` to the container's `bundle/config.json`.
Result<void> save_bundle_config(const ContainerStore& store, const std::string& id, const nlohmann::json& spec);

/// The capability list the container gets (every capability with --privileged).
Result<std::vector<std::string>> container_capabilities(const ContainerConfig& config);

/// The OCI linux.seccomp object for the container (null when unconfined or privileged).
Result<nlohmann::json> container_seccomp(const ContainerConfig& config, const std::vector<std::string>& capabilities);

/// Whether container_seccomp() gives the runtime's own table-built default profile:
/// the built-in profile, Docker's 14 capabilities exactly, on x86-64.
bool uses_runtime_default_seccomp(const ContainerConfig& config, const std::vector<std::string>& capabilities);

/// Whether `path` is a mount point (its device differs from its parent's).
bool is_mount_point(const std::string& path);

/// Unmounts the container's rootfs if it is mounted.
Result<void> unmount_rootfs(const ContainerStore& store, const std::string& id);

}  // namespace minirun::engine
