/**
 * @file container_store.hpp
 * @brief Where the engine keeps its containers: one directory each, plus a name index.
 *
 * There is no daemon, so every `minirun` command finds the world on disk. The data root
 * (`--data-root`, default /var/lib/minirun) holds:
 *
 *     containers/<id>/config.json     Config + HostConfig, written once (container_config.hpp)
 *     containers/<id>/state.json      State, rewritten atomically (container_state.hpp),
 *                                     swapped with .state.json.spare (sys::write_file_swapping)
 *     containers/<id>/                itself flock(2)ed for every read-modify-write of state.json
 *     containers/<id>/<id>-json.log   the container's output (json_log.hpp), rotated .1 .2 ...
 *     containers/<id>/bundle/         the OCI bundle: config.json for the runtime
 *     containers/<id>/rootfs|upper|work   the overlay: mount point, writable layer, scratch
 *     containers/<id>/monitor.log     what the monitor itself had to say (errors), from the
 *                                     first start on (before it, errors go to the client)
 *     trash/<id>/                     a removed container's files, until deleted (retire())
 *     names/<name>                    holds the id: created with O_EXCL, so a name is
 *                                     taken atomically (two `run --name web` cannot both win)
 *     runtime/                        the OCI runtime's state root (minirun-oci's --root)
 *     volumes/                        named volumes (volumes.hpp)
 *
 * Several engines can share a VM, one per simulated swarm node, by giving each its own
 * data root; nothing here is global.
 *
 * A container is found by full id, unique id prefix, or name, as in Docker.
 *
 * Reference: Docker's /var/lib/docker/containers layout. Lab: labs/01-image-and-container.
 */
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "minirun/engine/container_config.hpp"
#include "minirun/engine/container_state.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::engine {

/// An exclusive flock(2) on a container's lock file, released on destruction.
class ContainerLock {
 public:
  ContainerLock() = default;
  explicit ContainerLock(sys::UniqueFd fd) : fd_(std::move(fd)) {}

 private:
  sys::UniqueFd fd_;
};

class ContainerStore {
 public:
  explicit ContainerStore(std::string data_root);

  const std::string& data_root() const { return root_; }
  std::string dir(const std::string& id) const { return root_ + "/containers/" + id; }
  std::string bundle_dir(const std::string& id) const { return dir(id) + "/bundle"; }
  std::string rootfs_dir(const std::string& id) const { return dir(id) + "/rootfs"; }
  std::string log_path(const std::string& id) const { return dir(id) + "/" + id + "-json.log"; }
  std::string runtime_root() const { return root_ + "/runtime"; }
  std::string volumes_root() const { return root_ + "/volumes"; }

  /// Makes the directories of the root (idempotent).
  Result<void> prepare() const;

  /// A fresh random 64-hex id.
  static std::string new_id();
  /// Docker's random names ("eager_turing"), retried until free.
  std::string new_name() const;
  /// Names Docker accepts: [a-zA-Z0-9][a-zA-Z0-9_.-]+.
  static Result<void> check_name(const std::string& name);

  /// Claims `config.name` and writes the container's directory with config.json and a
  /// `created` state (`initial`: a `run` writes its claim on the start into it). On any failure nothing is left (the name is free again).
  Result<void> create(const ContainerConfig& config, const ContainerState& initial = {}) const;

  /// Full id of a container given by id, unique id prefix or name.
  Result<std::string> resolve(const std::string& id_or_name) const;
  std::vector<std::string> list_ids() const;

  Result<ContainerConfig> load_config(const std::string& id) const;
  Result<ContainerState> load_state(const std::string& id) const;
  Result<void> save_state(const std::string& id, const ContainerState& state) const;
  /// Rewrites config.json (only `network connect/disconnect` change a container's config
  /// after create; they hold the container's lock meanwhile).
  Result<void> save_config(const ContainerConfig& config) const;
  /// Locks the container (blocking) for a read-modify-write of its state.
  Result<ContainerLock> lock(const std::string& id) const;
  /// Locked read-modify-write: `change` edits the state, which is then saved, unless
  /// `change` left it as it was (a rewrite is a new file and a freed one on disk, and
  /// the cleanup steps often find their work already done).
  template <class F>
  Result<ContainerState> update_state(const std::string& id, F&& change) const {
    auto held = lock(id);
    if (!held) return std::move(held.error());
    auto state = load_state(id);
    if (!state) return state;
    const ContainerState before = *state;
    change(*state);
    if (*state == before) return state;
    MINIRUN_TRY(save_state(id, *state), "update state of " + id.substr(0, 12));
    return state;
  }

  /// Deletes the directory and frees the name (the caller has stopped and unmounted it).
  Result<void> erase(const ContainerConfig& config) const;
  /// The first half of erase(): the container is gone at once (its directory moved to
  /// `trash/<id>`, where neither `ps` nor a name lookup sees it; its name free again), and
  /// the returned directory is deleted by the caller when it suits it. The --rm monitor
  /// deletes it after the attached `run` has returned: on some disks every directory
  /// removed costs a synchronous discard, ~0.5 ms for a container's tree.
  Result<std::string> retire(const ContainerConfig& config) const;
  /// Where retire() puts removed containers.
  std::string trash_dir() const { return root_ + "/trash"; }
  /// Deletes what has waited in trash/ for at least `min_age`, and the runtime's state
  /// directories a monitor renamed out of the way (`runtime/.removed-<id>`): left by a
  /// monitor killed before it got to them (younger ones may still be in a monitor's
  /// hands). `system prune` calls it. Returns the ids deleted.
  std::vector<std::string> sweep_trash(std::chrono::seconds min_age) const;
  /// What a `create` killed half-way leaves, at least `min_age` old (younger ones may be
  /// a create still at work): a container directory without config.json (deleted, with
  /// the name that points at it), and a name whose container directory was never made.
  /// `system prune` calls it. Returns the ids and names deleted.
  std::vector<std::string> sweep_unfinished(std::chrono::seconds min_age) const;
  /// Unlinks every `names/<name>` that holds `id`: a container removed without its config
  /// (it is the config that says its name).
  void free_names_of(const std::string& id) const;
  /// Unlinks `names/<name>` if the container it names has no directory (a create killed
  /// right after it claimed the name); false when it does not exist or is not dangling.
  bool free_dangling_name(const std::string& name) const;

 private:
  std::string root_;
};

}  // namespace minirun::engine
