/**
 * @file spec_linux.cpp
 * @brief `linux`: the Linux-only part of the config, section by section.
 *
 * Namespaces, id mappings, resources and seccomp have files of their own; this one
 * parses the smaller sections and puts the whole together:
 *  - `devices`: device nodes to mknod(2) in the container's /dev. Type c, b, u
 *    (unbuffered char, the same as c to mknod) or p (a FIFO, which has no numbers);
 *  - `maskedPaths` / `readonlyPaths`: paths hidden (a /dev/null bind or an empty
 *    tmpfs on top) or remounted read-only, such as /proc/kcore and /proc/sys. Absolute
 *    and without `..`, since they are resolved inside the container's root;
 *  - `rootfsPropagation`: how the rootfs mount shares events with the host, one of
 *    mount_namespaces(7)'s propagation types;
 *  - `sysctl`: /proc/sys settings for the container's namespaces; keys are checked
 *    not to climb out of /proc/sys ("net.ipv4.ip_forward" becomes a path below it);
 *  - `cgroupsPath`: where the container's cgroup goes. A path ("/minirun/web", or
 *    relative to the runtime's own cgroup) is honoured; systemd's "slice:prefix:name"
 *    form is refused, since the kit drives cgroupfs directly and has no systemd
 *    driver; `..` is refused so that a config cannot place itself above its parent.
 *
 * Accepted and ignored: intelRdt, personality, mountLabel, timeOffsets, memoryPolicy,
 * netDevices (see spec_ignored.cpp).
 *
 * Man pages: mknod(2), mount_namespaces(7), sysctl(8), cgroups(7).
 * Reference: runtime-spec config-linux.md. Lab: labs/03-namespaces.
 */
#include <algorithm>
#include <array>

#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime::spec_detail {

namespace {

Result<Device> parse_device(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Device device;
  auto path = require(value, "path", where);
  if (!path) return std::move(path.error());
  auto cleaned = get_container_path(**path, join(where, "path"));
  if (!cleaned) return std::move(cleaned.error());
  device.path = std::move(*cleaned);
  auto type_json = require(value, "type", where);
  if (!type_json) return std::move(type_json.error());
  auto type = get_string(**type_json, join(where, "type"));
  if (!type) return std::move(type.error());
  if (*type != "c" && *type != "b" && *type != "u" && *type != "p")
    return field_error(join(where, "type"), quote(*type) + " is not a device type (expected c, b, u or p)");
  device.type = (*type)[0];
  for (auto [key, field] : {std::pair{"major", &device.major}, std::pair{"minor", &device.minor}}) {
    if (device.type != 'p' && member(value, key) == nullptr)
      return field_error(join(where, key), std::string("required for a device of type ") + device.type);
    if (auto r = read_integer<int64_t>(value, key, where, *field, 0); !r) return std::move(r.error());
  }
  if (auto r = read_integer<mode_t>(value, "fileMode", where, device.file_mode, 0, 07777); !r)
    return std::move(r.error());
  if (auto r = read_integer(value, "uid", where, device.uid); !r) return std::move(r.error());
  if (auto r = read_integer(value, "gid", where, device.gid); !r) return std::move(r.error());
  return device;
}

Result<std::vector<std::string>> parse_container_paths(const json& value, const std::string& where) {
  if (auto r = expect_array(value, where); !r) return std::move(r.error());
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); ++i) {
    auto path = get_container_path(value[i], index(where, i));
    if (!path) return std::move(path.error());
    out.push_back(std::move(*path));
  }
  return out;
}

Result<void> check_cgroups_path(const std::string& path, const std::string& where) {
  // systemd's form: "system.slice:minirun:abc" (exactly two colons, not a path).
  const bool systemd_form = !path.empty() && path.front() != '/' &&
                            std::count(path.begin(), path.end(), ':') == 2;
  if (systemd_form)
    return field_error(where, quote(path) + ": the systemd \"slice:prefix:name\" form is not supported "
                                            "(minirun drives cgroupfs itself); use a path such as /minirun/web");
  if (has_dotdot(path)) return field_error(where, quote(path) + " must not contain .. components");
  return sys::ok();
}

Result<void> check_sysctl(const std::map<std::string, std::string>& sysctl, const std::string& where) {
  for (const auto& entry : sysctl) {
    // "net.ipv4.ip_forward" and "net/ipv4/ip_forward" both name a file below /proc/sys.
    const std::string& key = entry.first;
    if (key.empty() || key.front() == '.' || key.front() == '/' || key.find("..") != std::string::npos)
      return field_error(join(where, key), "not a sysctl name like \"net.ipv4.ip_forward\"");
  }
  return sys::ok();
}

}  // namespace

Result<Linux> parse_linux(const json& value, const std::string& where, bool with_seccomp) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Linux out;
  if (const json* namespaces = member(value, "namespaces")) {
    auto parsed = parse_namespaces(*namespaces, join(where, "namespaces"));
    if (!parsed) return std::move(parsed.error());
    out.namespaces = std::move(*parsed);
  }
  for (auto [key, mappings] : {std::pair{"uidMappings", &out.uid_mappings}, std::pair{"gidMappings", &out.gid_mappings}}) {
    const json* entries = member(value, key);
    if (entries == nullptr) continue;
    auto parsed = parse_id_mappings(*entries, join(where, key));
    if (!parsed) return std::move(parsed.error());
    *mappings = std::move(*parsed);
  }
  if (auto r = check_user_namespace(out, where); !r) return std::move(r.error());

  if (const json* resources = member(value, "resources")) {
    auto parsed = parse_resources(*resources, join(where, "resources"));
    if (!parsed) return std::move(parsed.error());
    out.resources = std::move(*parsed);
  }
  if (auto r = read(value, "cgroupsPath", where, out.cgroups_path); !r) return std::move(r.error());
  if (auto r = check_cgroups_path(out.cgroups_path, join(where, "cgroupsPath")); !r) return std::move(r.error());

  if (const json* devices = member(value, "devices")) {
    const std::string at = join(where, "devices");
    if (auto r = expect_array(*devices, at); !r) return std::move(r.error());
    for (size_t i = 0; i < devices->size(); ++i) {
      auto device = parse_device((*devices)[i], index(at, i));
      if (!device) return std::move(device.error());
      out.devices.push_back(std::move(*device));
    }
  }
  if (const json* seccomp = with_seccomp ? member(value, "seccomp") : nullptr) {
    auto parsed = parse_seccomp(*seccomp, join(where, "seccomp"));
    if (!parsed) return std::move(parsed.error());
    out.seccomp = std::move(*parsed);
  }
  for (auto [key, paths] : {std::pair{"maskedPaths", &out.masked_paths}, std::pair{"readonlyPaths", &out.readonly_paths}}) {
    const json* entries = member(value, key);
    if (entries == nullptr) continue;
    auto parsed = parse_container_paths(*entries, join(where, key));
    if (!parsed) return std::move(parsed.error());
    *paths = std::move(*parsed);
  }

  if (auto r = read(value, "rootfsPropagation", where, out.rootfs_propagation); !r) return std::move(r.error());
  constexpr std::array<std::string_view, 9> kPropagation = {
      "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"};
  if (std::find(kPropagation.begin(), kPropagation.end(), out.rootfs_propagation) == kPropagation.end())
    return field_error(join(where, "rootfsPropagation"),
                       "unknown propagation " + quote(out.rootfs_propagation) +
                           " (expected one of private, rprivate, slave, rslave, shared, rshared, unbindable, "
                           "runbindable)");
  if (auto r = read(value, "sysctl", where, out.sysctl); !r) return std::move(r.error());
  if (auto r = check_sysctl(out.sysctl, join(where, "sysctl")); !r) return std::move(r.error());
  return out;
}

}  // namespace minirun::runtime::spec_detail
