/**
 * @file bundle_writer.cpp
 * @brief Mount, volumes, /etc files, user, capabilities, seccomp, config.json; see bundle_writer.hpp.
 */
#include "minirun/engine/bundle_writer.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <algorithm>
#include <string_view>

#include "minirun/engine/container_network.hpp"
#include "minirun/engine/flag_values.hpp"
#include "minirun/engine/oci_bundle.hpp"
#include "minirun/engine/seccomp_profile.hpp"
#include "minirun/engine/volumes.hpp"
#include "minirun/runtime/capabilities.hpp"
#include "minirun/runtime/default_seccomp_profile.hpp"
#include "minirun/sys/file.hpp"
#include "minirun/sys/overlay.hpp"

namespace minirun::engine {

bool is_mount_point(const std::string& path) {
  struct stat self{}, parent{};
  if (::stat(path.c_str(), &self) < 0 || ::stat((path + "/..").c_str(), &parent) < 0) return false;
  return self.st_dev != parent.st_dev;
}

Result<void> unmount_rootfs(const ContainerStore& store, const std::string& id) {
  const std::string rootfs = store.rootfs_dir(id);
  if (!is_mount_point(rootfs)) return sys::ok();
  if (::umount2(rootfs.c_str(), MNT_DETACH) < 0) return Error::from_errno("umount2", rootfs);
  return sys::ok();
}

Result<std::vector<std::string>> container_capabilities(const ContainerConfig& config) {
  if (config.privileged) {
    std::vector<std::string> all;
    for (int cap = 0; cap <= runtime::last_capability(); ++cap) all.push_back(runtime::capability_name(cap));
    return all;
  }
  return effective_capabilities(default_capabilities(), config.cap_add, config.cap_drop);
}

bool uses_runtime_default_seccomp(const ContainerConfig& config, const std::vector<std::string>& capabilities) {
  if (config.privileged || !(config.seccomp.empty() || config.seccomp == "builtin")) return false;
  std::vector<std::string> sorted = capabilities, defaults = default_capabilities();
  std::sort(sorted.begin(), sorted.end());
  std::sort(defaults.begin(), defaults.end());
  struct utsname host{};
  return sorted == defaults && ::uname(&host) == 0 && std::string_view(host.machine) == "x86_64";
}

Result<nlohmann::json> container_seccomp(const ContainerConfig& config, const std::vector<std::string>& capabilities) {
  if (config.privileged || config.seccomp == "unconfined") return nlohmann::json(nullptr);
  if (config.seccomp.empty() || config.seccomp == "builtin") {
    // The common case, Docker's 14 capabilities on x86-64: converting the shipped file
    // then gives the runtime's own default profile, rule for rule (the unit test
    // SeccompProfile.DefaultCapabilitiesGiveExactlyTheRuntimeDefault holds them equal),
    // and that one is built from a table in a fifth of the time of parsing and
    // converting 13 KB of JSON, a few hundred microseconds of every container start.
    if (uses_runtime_default_seccomp(config, capabilities)) return runtime::docker_default_seccomp_profile();
    return default_seccomp_for(capabilities);
  }
  return load_seccomp_profile(config.seccomp, capabilities);
}

namespace {

/// --network container:ID: the namespace of that container's init, and its /etc files
/// (Docker shares them: the two are one host on the network).
Result<std::string> shared_network_namespace(const ContainerStore& store, const ContainerConfig& config,
                                             std::map<std::string, std::string>& etc_files) {
  const std::string other = config.network_mode.substr(10);
  auto state = store.load_state(other);
  if (!state) return std::move(state.error()).context("--network " + config.network_mode);
  const ContainerState now = observe(*state);
  if (now.status != ContainerStatus::running || now.pid <= 0)
    return Error("--network " + config.network_mode + ": that container is not running; start it first");
  for (const char* file : {"hostname", "hosts", "resolv.conf"}) {
    auto text = sys::read_file(store.dir(other) + "/" + file);
    if (!text) return std::move(text.error()).context("--network " + config.network_mode);
    etc_files[file] = *text;
  }
  return "/proc/" + std::to_string(now.pid) + "/ns/net";
}

Result<void> prepare_mounts(const ContainerStore& store, const ContainerConfig& config,
                            std::map<std::string, std::string>& volume_dirs) {
  VolumeStore volumes(store.volumes_root());
  const std::string rootfs = store.rootfs_dir(config.id);
  for (const auto& m : config.mounts) {
    if (m.type == "volume") {
      bool created = false;
      auto volume = volumes.create(m.source, {}, &created);
      if (!volume) return std::move(volume.error()).context("volume " + m.source);
      if (!m.volume_nocopy) MINIRUN_TRY(seed_volume_from_rootfs(volume->mountpoint, rootfs, m.target), "volume " + m.source);
      volume_dirs[m.source] = volume->mountpoint;
    } else if (m.type == "bind") {
      struct stat st{};
      if (::stat(m.source.c_str(), &st) < 0) {
        if (errno == ENOENT && m.bind_create_host_path) {
          MINIRUN_TRY(sys::make_directories(m.source, 0755), "-v " + m.source);
          continue;
        }
        return Error("bind mount source path does not exist: " + m.source +
                     " (create it first, or use -v, which creates a missing directory)");
      }
    }
  }
  return sys::ok();
}

}  // namespace

Result<WrittenBundle> write_bundle(const ContainerStore& store, const ContainerConfig& config,
                                   const std::string& init_path) {
  const std::string dir = store.dir(config.id);
  const std::string rootfs = store.rootfs_dir(config.id);
  bool mounted_here = false;
  if (!is_mount_point(rootfs)) {
    sys::OverlayDirs dirs{config.lower_dirs, dir + "/upper", dir + "/work", dir + "/empty-lower"};
    // A --rm container's upper dir goes with it (and --rm excludes restart policies, so
    // it is mounted once): no sync of the whole disk at its unmount (overlay.hpp).
    dirs.volatile_upper = config.auto_remove;
    auto mount = sys::mount_overlay(dirs, rootfs);
    if (!mount) return std::move(mount.error()).context("mount the container's root filesystem");
    mount->release();  // it outlives this function: the monitor unmounts it at the end
    mounted_here = true;
  }
  auto written = [&]() -> Result<WrittenBundle> {
    BundleInputs inputs;
    inputs.rootfs = rootfs;
    inputs.etc_dir = dir;
    inputs.init_path = init_path;
    MINIRUN_TRY(prepare_mounts(store, config, inputs.volume_dirs), "start");
    std::map<std::string, std::string> etc_files;
    if (network_kind(config.network_mode) == NetworkKind::container) {
      auto path = shared_network_namespace(store, config, etc_files);
      if (!path) return std::move(path.error());
      inputs.network_namespace = *path;
    } else {
      const std::string hostname = container_hostname(config);
      auto host_resolv = sys::read_file("/etc/resolv.conf");
      etc_files["hostname"] = hostname + "\n";
      etc_files["hosts"] = hosts_file(config, hostname);
      etc_files["resolv.conf"] = resolv_conf(config, host_resolv ? *host_resolv : "");
    }
    for (const auto& [file, text] : etc_files) {
      // Nobody reads these before the container runs (a `--network container:` peer
      // reads them from a running one only), so a first start writes them in place; a
      // later start replaces them whole. Each rename saved is 20-50 us on a slow disk.
      const std::string path = dir + "/" + file;
      auto fresh = sys::write_file(path, text, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (!fresh && fresh.error().code() == EEXIST) fresh = sys::write_file_atomic(path, text);
      MINIRUN_TRY(std::move(fresh), "start");
    }
    auto user = runtime::resolve_user_in_rootfs(rootfs, config.user);
    if (!user) return std::move(user.error()).context("-u " + config.user);
    inputs.user = *user;
    auto caps = container_capabilities(config);
    if (!caps) return std::move(caps.error());
    inputs.capabilities = *caps;
    auto seccomp = container_seccomp(config, *caps);
    if (!seccomp) return std::move(seccomp.error()).context("--security-opt seccomp");
    WrittenBundle out;
    if (!seccomp->is_null() && uses_runtime_default_seccomp(config, *caps)) {
      // The same rules as the JSON, from the runtime's table; `canonical` as parsing the
      // JSON would set it (spec_seccomp.cpp), the key of the compiled-filter cache.
      out.seccomp = runtime::docker_default_seccomp();
      out.seccomp->canonical = seccomp->dump();
    }
    inputs.seccomp = std::move(*seccomp);
    if (config.init && !sys::path_exists(init_path))
      return Error("--init: " + init_path + " is missing (it is built next to minirun)");
    out.config = oci_config(config, inputs);
    return out;
  }();
  if (!written && mounted_here) (void)unmount_rootfs(store, config.id);
  return written;
}

Result<void> save_bundle_config(const ContainerStore& store, const std::string& id, const nlohmann::json& spec) {
  return sys::write_file_atomic(store.bundle_dir(id) + "/config.json", spec.dump(2), 0600);
}

}  // namespace minirun::engine
