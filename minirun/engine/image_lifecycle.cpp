/**
 * @file image_lifecycle.cpp
 * @brief `create`: where a container meets the image store.
 *
 * `create` resolves the image in the imagebuilder store (the built-in `busybox` is made
 * on first use, the kit's stand-in for `docker pull`), merges the image's config with
 * the flags the way Docker does, makes sure the layers are unpacked, and puts a *hold*
 * on the image (`container:<id>`): `imagebuilder rmi` then refuses to delete an image a
 * container still needs, and says which container to remove first. `rm`
 * (container_removal.cpp) releases it.
 *
 * Docker's merge rules, all here:
 *  - Entrypoint: `--entrypoint` replaces the image's, and then the image's Cmd is dropped
 *    too (a Cmd written for another entrypoint makes no sense);
 *  - Cmd: arguments after the image replace the image's Cmd;
 *  - Env: the image's, then `--env-file`, then `-e` (a later value wins per name);
 *  - WorkingDir, User, StopSignal, Healthcheck: the flag when given, else the image's;
 *  - Labels: the image's, plus the flags';
 *  - every VOLUME of the image that no -v/--mount covers becomes an anonymous volume.
 *
 * Lab: labs/01-image-and-container.
 */
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "imagebuilder/build/base_images.hpp"
#include "imagebuilder/store/image_store.hpp"
#include "imagebuilder/store/unpacked_layers.hpp"
#include "minirun/engine/bundle_writer.hpp"
#include "minirun/engine/container_network.hpp"
#include "minirun/engine/engine.hpp"
#include "minirun/engine/volumes.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {

namespace {

namespace store = imagebuilder::store;

std::string env_name(const std::string& entry) { return entry.substr(0, entry.find('=')); }

/// Sets `entry` in `env`, replacing an entry with the same name.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  auto same = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return env_name(e) == env_name(entry); });
  if (same != env.end()) *same = entry;
  else env.push_back(entry);
}

HealthConfig health_from_image(const store::Healthcheck& h) {
  HealthConfig config = HealthConfig::unset();
  config.test = h.test;
  config.interval_ns = h.interval;
  config.timeout_ns = h.timeout;
  config.start_period_ns = h.start_period;
  config.start_interval_ns = h.start_interval;
  config.retries = h.retries;
  return config;
}

void merge_image_config(ContainerConfig& c, const CreateRequest& request, const store::ContainerConfig& image) {
  if (!request.entrypoint_set) {
    c.entrypoint = image.entrypoint;
    if (c.cmd.empty()) c.cmd = image.cmd;
  }
  std::vector<std::string> env = image.env;
  for (const auto& e : request.env_flags) set_env(env, e);
  c.env = env;
  if (c.working_dir.empty()) c.working_dir = image.working_dir;
  if (c.user.empty()) c.user = image.user;
  if (!request.stop_signal_set && !image.stop_signal.empty()) c.stop_signal = image.stop_signal;
  c.labels = image.labels;
  for (const auto& [k, v] : request.label_flags) c.labels[k] = v;
  c.healthcheck = merge_health(image.healthcheck ? health_from_image(*image.healthcheck) : HealthConfig::unset(),
                               c.healthcheck, request.no_healthcheck);
  c.exposed_ports.assign(image.exposed_ports.begin(), image.exposed_ports.end());
  c.image_volumes.assign(image.volumes.begin(), image.volumes.end());
  for (const auto& path : image.volumes) {
    const bool covered = std::any_of(c.mounts.begin(), c.mounts.end(), [&](const MountSpec& m) { return m.target == path; });
    if (!covered) {
      MountSpec anonymous;
      anonymous.type = "volume";
      anonymous.target = path;
      c.mounts.push_back(anonymous);
    }
  }
}

}  // namespace

Result<ContainerConfig> Engine::create(CreateRequest request) {
  MINIRUN_TRY(store_.prepare(), "create");
  auto images = store::ImageStore::open(options_.image_root);
  if (!images) return std::move(images.error()).context("image store `" + options_.image_root + "`");
  const std::string& reference = request.config.image;
  auto image = images->resolve(reference);
  if (!image && imagebuilder::build::is_builtin_busybox(reference)) image = imagebuilder::build::ensure_busybox_image(*images);
  if (!image)
    return Error("unable to find image \"" + reference + "\" in " + options_.image_root +
                 ": build it (`imagebuilder build -t " + reference + " DIR`), load it (`imagebuilder load`), or use busybox");

  ContainerConfig c = std::move(request.config);
  c.id = ContainerStore::new_id();
  if (c.name.empty()) c.name = store_.new_name();
  MINIRUN_TRY(ContainerStore::check_name(c.name), "create");
  c.created = now_rfc3339();
  c.image_id = image->id.str();
  merge_image_config(c, request, image->config.config);
  if (c.network_mode == "host" && c.hostname.empty()) {
    // Docker: a container on the host's network also takes the host's name.
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) c.hostname = host;
  }
  if (c.command().empty())
    return Error("no command specified: the image " + reference + " has no CMD or ENTRYPOINT; give one after the image name");

  // Flags whose problems show only when the container starts are checked now, so a bad
  // value fails `create` and leaves nothing behind.
  auto caps = container_capabilities(c);
  if (!caps) return std::move(caps.error());
  // The built-in profile for Docker's capabilities cannot fail (a unit test compiles it):
  // only a profile file or another capability set is worth converting here.
  if (!uses_runtime_default_seccomp(c, *caps)) {
    auto seccomp = container_seccomp(c, *caps);
    if (!seccomp) return std::move(seccomp.error()).context("--security-opt seccomp");
  }
  for (const auto& m : c.mounts) {
    if (m.type == "bind" && !m.bind_create_host_path && !sys::path_exists(m.source))
      return Error("--mount: bind source path does not exist: " + m.source);
  }

  MINIRUN_TRY(check_dns_flags(c.dns, c.extra_hosts), "create");
  if (network_kind(c.network_mode) == NetworkKind::container) {
    // Docker resolves the name once: the container is tied to that one, not to whichever
    // later takes the name.
    auto other = store_.resolve(c.network_mode.substr(10));
    if (!other) return std::move(other.error()).context("--network " + c.network_mode);
    c.network_mode = "container:" + *other;
    if (!c.port_bindings.empty() || c.publish_all)
      return Error("conflicting options: -p/-P and --network container:... (the ports belong to that container)");
  }
  if (network_kind(c.network_mode) == NetworkKind::none && (!c.port_bindings.empty() || c.publish_all))
    return Error("conflicting options: -p/-P and --network none (there is no network to publish on)");

  auto lowers = store::lower_dirs(*images, *image);
  if (!lowers) return std::move(lowers.error()).context("unpack the layers of " + reference);
  c.lower_dirs = *lowers;

  VolumeStore volumes(store_.volumes_root());
  std::vector<std::string> made_volumes;
  auto undo_volumes = [&] {
    for (const auto& v : made_volumes) (void)volumes.remove(v, {});
  };
  for (auto& m : c.mounts) {
    if (m.type != "volume" || !m.source.empty()) continue;
    auto volume = volumes.create("", {});
    if (!volume) {
      undo_volumes();
      return std::move(volume.error()).context("create an anonymous volume for " + m.target);
    }
    m.source = volume->name;
    made_volumes.push_back(volume->name);
  }
  // The addresses are leased before the container is written, so config.json has them.
  auto undo_networks = [&] {
    for (const auto& a : c.networks) (void)disconnect_network(networks_, c, a);
  };
  if (auto connected = connect_at_create(networks_, c, request.ip, request.network_aliases); !connected) {
    undo_networks();
    undo_volumes();
    return std::move(connected.error());
  }
  ContainerState initial;
  if (request.claim_start) {
    auto self = sys::process_start_time(::getpid());
    initial.monitor_pid = ::getpid();
    initial.monitor_start_time = self ? *self : 0;
  }
  if (auto made = store_.create(c, initial); !made) {
    undo_networks();
    undo_volumes();
    return std::move(made.error());
  }
  if (auto held = images->add_hold(image->id, image_holder(c)); !held) {
    (void)store_.erase(c);
    undo_networks();
    undo_volumes();
    return std::move(held.error()).context("hold image " + reference);
  }
  if (request.claim_start) born_claimed_ = c.id;
  return c;
}

}  // namespace minirun::engine
