/**
 * @file container_removal.cpp
 * @brief `rm`: what a container leaves behind, taken away in order; see engine.hpp.
 *
 * A container that has exited still owns things on the host, and `rm` (Engine::remove)
 * releases each one, most permanent last:
 *
 *  1. a container that still runs is refused, or with `-f` killed (and its monitor
 *     waits for the exit, as after `stop`);
 *  2. what a monitor that died (or was killed) could not clean up: the runtime's
 *     container and cgroup, the overlay mount, published ports, its DNS names;
 *  3. the hold on its image (holds.hpp in the image store), so `imagebuilder rmi`
 *     may now delete the image;
 *  4. its addresses on its networks;
 *  5. its directory and its name (ContainerStore::erase: renamed out of sight first);
 *  6. with `-v`, the anonymous volumes it made (named volumes are never removed here).
 *
 * A crash at any point leaves a container that a second `rm` finishes: every step
 * tolerates finding its part already gone.
 *
 * `run --rm` removes the container as soon as it exits, and the container's monitor
 * does it, calling this same function from its own process once it has recorded the
 * exit: so the container is gone even when the `run` that started it was killed or ran
 * detached (`run -d --rm`). It used to exec `minirun rm`, a second program start plus
 * a second look-up of everything, for every `run --rm`. This file and the hold code
 * are in the engine library the monitor links (not the image-store half, whose archive
 * code would make the static monitor ten times bigger).
 *
 * Reference: `docker rm` and `docker run --rm`. Lab: labs/01-image-and-container.
 */
#include <signal.h>
#include <unistd.h>

#include "imagebuilder/store/holds.hpp"
#include "minirun/engine/container_network.hpp"
#include "minirun/engine/engine.hpp"
#include "minirun/engine/volumes.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {

std::string image_holder(const ContainerConfig& c) { return "container:" + c.id.substr(0, 12); }

Result<void> Engine::remove(const std::string& id_or_name, bool force, bool remove_volumes) {
  return remove_container(id_or_name, force, remove_volumes, nullptr);
}

Result<std::string> Engine::remove_and_keep_files(const ContainerConfig& config, bool force, bool remove_volumes) {
  std::string retired;
  if (auto removed = remove_loaded(config, force, remove_volumes, &retired); !removed)
    return std::move(removed.error());
  return retired;
}

Result<void> Engine::remove_container(const std::string& id_or_name, bool force, bool remove_volumes,
                                      std::string* retired) {
  auto id = store_.resolve(id_or_name);
  if (!id) {
    // A name whose container was never made (a create killed right after it claimed the
    // name): `create` says to `rm` it, so rm frees it.
    if (store_.free_dangling_name(id_or_name)) return sys::ok();
    return std::move(id.error());
  }
  auto config = store_.load_config(*id);
  if (!config) {
    // A directory without its config is what a create or rm killed half-way leaves:
    // nothing runs from it (start needs the config), so it is simply deleted, and so is
    // any name that points at it.
    if (!sys::path_exists(store_.dir(*id) + "/config.json")) {
      MINIRUN_TRY(sys::remove_tree(store_.dir(*id)), "rm");
      store_.free_names_of(*id);
      return sys::ok();
    }
    return std::move(config.error());
  }
  return remove_loaded(*config, force, remove_volumes, retired);
}

Result<void> Engine::remove_loaded(const ContainerConfig& config, bool force, bool remove_volumes,
                                   std::string* retired) {
  auto state = store_.load_state(config.id);
  if (!state) return std::move(state.error());
  const ContainerState now = observe(*state);
  const bool up = now.status == ContainerStatus::running || now.status == ContainerStatus::paused ||
                  now.status == ContainerStatus::restarting;
  if (up && !force)
    return Error("you cannot remove a running container " + config.name +
                 ": stop it first (`minirun stop " + config.name + "`) or use `minirun rm -f`");
  if (up || now.monitor_lost) {
    (void)store_.update_state(config.id, [](ContainerState& s) { s.stop_requested = true; });
    (void)runtime().kill(config.id, SIGKILL, true);
    if (now.status == ContainerStatus::paused) (void)runtime().resume(config.id);
    if (config.auto_remove && !now.monitor_lost && !retired) {
      // A --rm container's own monitor removes it once it has exited: wait for that
      // instead of racing it for the same files (Docker's `rm -f` of a --rm container
      // succeeds the same way). If it is still there after 10 s, remove it here.
      for (int waited = 0; waited < 10'000 && sys::path_exists(store_.dir(config.id)); waited += 5) ::usleep(5000);
      if (!sys::path_exists(store_.dir(config.id))) return sys::ok();
    }
    auto after = wait_not_running(config.id, 10'000);
    if (!after) return std::move(after.error());
  }
  // Whatever a dead monitor left: the runtime container, its cgroup, the mount.
  MINIRUN_TRY(clean_up_unsupervised(config), "rm");
  // Only a directory that is an image store gets its lock file touched.
  if (sys::path_exists(options_.image_root + "/oci-layout")) {
    if (auto image_id = imagebuilder::store::Digest::parse(config.image_id); image_id)
      (void)imagebuilder::store::release_hold(options_.image_root, *image_id, image_holder(config));
  }
  for (const auto& a : config.networks) MINIRUN_TRY(disconnect_network(networks_, config, a), "rm");
  if (retired) {
    auto trash = store_.retire(config);
    if (!trash) return std::move(trash.error()).context("rm");
    *retired = std::move(*trash);
  } else {
    MINIRUN_TRY(store_.erase(config), "rm");
  }
  if (remove_volumes) {
    VolumeStore volumes(store_.volumes_root());
    for (const auto& m : config.mounts) {
      if (m.type != "volume") continue;
      auto volume = volumes.inspect(m.source);
      if (volume && volume->anonymous) (void)volumes.remove(m.source, {});
    }
  }
  return sys::ok();
}

}  // namespace minirun::engine
