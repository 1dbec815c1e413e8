/**
 * @file cgroup.cpp
 * @brief Where a container's cgroup goes, and the few file operations every cgroup
 * version shares.
 *
 * Placement (make_cgroup). The OCI spec's `linux.cgroupsPath` says where the cgroup
 * goes; the kit reads it as runc's "cgroupfs" driver does:
 *
 *  | cgroupsPath        | cgroup (in each hierarchy)        | why                                  |
 *  |--------------------|-----------------------------------|--------------------------------------|
 *  | absent / ""        | `<own cgroup>/minirun/<id>`       | stay inside whatever contains the kit |
 *  | `/a/b` (absolute)  | `/a/b` from the hierarchy's root  | the OCI spec                          |
 *  | `a/b` (relative)   | `<own cgroup>/a/b`                | runc: relative to the caller          |
 *
 * `<own cgroup>` comes from /proc/self/cgroup (see cgroup_layout.cpp) and differs per
 * v1 hierarchy: on this lab VM the kit may sit in `/process_api/...` in `memory` and
 * in `/` in `pids`. A path with a `..` component is refused: it would let a config
 * climb out of the hierarchy part it was meant to use. A systemd-style path
 * (`system.slice:docker:web`, what runc's systemd driver takes) is refused with an
 * explanation rather than turned into a strange directory name.
 *
 * The `minirun` directory in the default placement is shared by all containers that
 * the kit starts from the same cgroup. It is created on first use and removed by
 * destroy() when the last container leaves it (rmdir(2) of a cgroup that still has
 * children fails with EBUSY, and that failure is expected and ignored). Creating a
 * container re-tries when another one's destroy() removes the parent at the wrong moment.
 *
 * Shared file operations (namespace cgroupfs). A cgroupfs is not an ordinary
 * filesystem: mkdir(2) creates a group already filled with knob files; rmdir(2)
 * removes a group *with* those files but only once no process and no child group is in
 * it (EBUSY otherwise); each write(2) is one command to the kernel, so a value is
 * written whole, once, and a write to a missing knob must fail rather than create a file.
 *
 * Which controller, which knob, which value: cgroup_v1.cpp and cgroup_v2.cpp.
 * Man pages: cgroups(7). Lab: labs/04-cgroups.
 */
#include "minirun/runtime/cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "minirun/sys/file.hpp"

namespace minirun::runtime {

using sys::ok;

namespace {

/// The v1 controllers the kit uses (others, such as blkio or net_cls, are left alone).
const std::vector<std::string> kV1Used = {"memory", "cpu", "cpuacct", "pids", "cpuset", "freezer", "devices"};

/// Splits a path into components, dropping empty and "." ones; refuses "..".
Result<std::vector<std::string>> components(const std::string& path, const std::string& what) {
  std::vector<std::string> parts;
  std::istringstream in(path);
  for (std::string part; std::getline(in, part, '/');) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return Error(what + " `" + path + "`: `..` is not allowed in a cgroup path");
    parts.push_back(part);
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

/// A hierarchy-relative path ("/a/b", "/") under a mount point.
std::string under_mount(const std::string& mount, const std::string& path) {
  std::string base = mount;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (path == "/") return base;
  return (base == "/" ? "" : base) + path;
}

std::string parent_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

/// Where the container's cgroup goes in one hierarchy, relative to its mount point,
/// and the shared parent when the default placement is used (see the file comment).
struct Resolved {
  std::string path;
  std::string shared_parent;
};

Result<Resolved> resolve(const std::string& own, const std::string& cgroups_path, const std::string& id) {
  auto own_parts = components(own, "own cgroup");
  if (!own_parts) return std::move(own_parts.error());
  Resolved r;
  if (cgroups_path.empty()) {
    own_parts->push_back(kSharedCgroupParentName);
    r.shared_parent = join(*own_parts);
    own_parts->push_back(id);
    r.path = join(*own_parts);
    return r;
  }
  auto parts = components(cgroups_path, "linux.cgroupsPath");
  if (!parts) return std::move(parts.error());
  if (cgroups_path[0] != '/') parts->insert(parts->begin(), own_parts->begin(), own_parts->end());
  if (parts->empty())
    return Error("linux.cgroupsPath `" + cgroups_path + "`: names the root of the hierarchy, not a new cgroup");
  r.path = join(*parts);
  return r;
}

Result<void> check_names(const std::string& cgroups_path, const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos)
    return Error("container id `" + id + "`: not usable as a cgroup directory name");
  if (!cgroups_path.empty() && cgroups_path[0] != '/' && cgroups_path.find(':') != std::string::npos)
    return Error("linux.cgroupsPath `" + cgroups_path +
                 "`: looks like a systemd path (slice:prefix:name); minirun manages cgroupfs "
                 "directly, give a path such as /minirun/" + id);
  return ok();
}

}  // namespace

Result<std::unique_ptr<Cgroup>> make_cgroup(const CgroupLayout& layout, const std::string& cgroups_path,
                                            const std::string& container_id) {
  MINIRUN_TRY(check_names(cgroups_path, container_id), "cgroup");
  auto own_of = [&](const std::string& key) {
    auto it = layout.own_paths.find(key);
    return it == layout.own_paths.end() ? std::string("/") : it->second;
  };
  if (layout.uses_v1()) {
    // One place per mounted hierarchy; "cpu,cpuacct" mounted together is one place.
    std::vector<CgroupPlace> places;
    for (const auto& controller : kV1Used) {
      auto mount = layout.v1_mounts.find(controller);
      if (mount == layout.v1_mounts.end()) continue;
      auto same = std::find_if(places.begin(), places.end(), [&](const CgroupPlace& p) { return p.mount == mount->second; });
      if (same != places.end()) {
        same->controllers.push_back(controller);
        continue;
      }
      auto resolved = resolve(own_of(controller), cgroups_path, container_id);
      if (!resolved) return std::move(resolved.error()).context("cgroup");
      CgroupPlace place;
      place.mount = mount->second;
      place.dir = under_mount(place.mount, resolved->path);
      if (!resolved->shared_parent.empty()) place.shared_parent = under_mount(place.mount, resolved->shared_parent);
      place.controllers.push_back(controller);
      places.push_back(std::move(place));
    }
    if (places.empty()) return Error("cgroup: none of the v1 controllers the kit uses is mounted");
    return new_cgroup_v1(layout, std::move(places), false);
  }
  if (layout.unified_mount.empty()) return Error("cgroup: no cgroup hierarchy is mounted");
  auto resolved = resolve(own_of(""), cgroups_path, container_id);
  if (!resolved) return std::move(resolved.error()).context("cgroup");
  CgroupPlace place;
  place.mount = layout.unified_mount;
  place.dir = under_mount(place.mount, resolved->path);
  if (!resolved->shared_parent.empty()) place.shared_parent = under_mount(place.mount, resolved->shared_parent);
  return new_cgroup_v2(layout, std::move(place), false);
}

Result<void> join_cgroup_self(std::vector<SelfJoinFile>& files) {
  for (auto& file : files) {
    // One write of "0": the kernel reads it as "the calling thread".
    if (::write(file.fd.get(), "0", 1) != 1) return Error::from_errno("write", file.path).context("join its cgroup");
    file.fd.reset();
  }
  return ok();
}

Result<std::unique_ptr<Cgroup>> open_cgroup(const CgroupLayout& layout, const std::vector<std::string>& paths) {
  if (paths.empty()) return Error("open cgroup: the state lists no cgroup directory");
  std::vector<CgroupPlace> places;
  for (const auto& path : paths) {
    if (path.empty() || path[0] != '/') return Error("open cgroup `" + path + "`: not an absolute path");
    MINIRUN_TRY(components(path, "open cgroup"), "open cgroup");
    // The mount this path is in: the longest mount point that is a proper prefix.
    CgroupPlace place;
    auto consider = [&](const std::string& mount) {
      std::string base = under_mount(mount, "/");
      if (path.size() > base.size() + 1 && path.compare(0, base.size(), base) == 0 && path[base.size()] == '/' &&
          base.size() >= place.mount.size())
        place.mount = base;
    };
    if (layout.uses_v1()) {
      for (const auto& [controller, mount] : layout.v1_mounts) consider(mount);
      for (const auto& controller : kV1Used) {
        auto it = layout.v1_mounts.find(controller);
        if (it != layout.v1_mounts.end() && under_mount(it->second, "/") == place.mount)
          place.controllers.push_back(controller);
      }
      if (place.controllers.empty()) return Error("open cgroup `" + path + "`: not in a cgroup v1 hierarchy the kit uses");
    } else {
      consider(layout.unified_mount);
    }
    if (place.mount.empty()) return Error("open cgroup `" + path + "`: not below a mounted cgroup hierarchy");
    place.dir = path;
    // Recognise the shared parent of the default placement, so that deleting the last
    // container also removes it. Only the kit's own `<own>/minirun` qualifies.
    auto own = layout.own_paths.find(place.controllers.empty() ? std::string() : place.controllers.front());
    auto placement = resolve(own == layout.own_paths.end() ? std::string("/") : own->second, "", "any");
    if (placement && parent_of(path) == under_mount(place.mount, placement->shared_parent))
      place.shared_parent = parent_of(path);
    places.push_back(std::move(place));
  }
  if (layout.uses_v1()) return new_cgroup_v1(layout, std::move(places), true);
  if (places.size() != 1) return Error("open cgroup: cgroup v2 has one directory, the state lists " + std::to_string(places.size()));
  return new_cgroup_v2(layout, std::move(places.front()), true);
}

namespace cgroupfs {

std::vector<std::string> dirs_below(const std::string& mount, const std::string& dir) {
  std::vector<std::string> dirs;
  std::string base = under_mount(mount, "/");
  if (dir.size() <= base.size() || dir.compare(0, base.size(), base) != 0) return dirs;
  for (size_t pos = dir.find('/', base.size() + 1); pos != std::string::npos; pos = dir.find('/', pos + 1))
    dirs.push_back(dir.substr(0, pos));
  dirs.push_back(dir);
  return dirs;
}

Result<bool> make_dir(const CgroupLayout& layout, const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) < 0) {
    if (errno == EEXIST) return false;
    return Error::from_errno("mkdir", dir);
  }
  if (layout.after_mkdir) layout.after_mkdir(dir);
  return true;
}

Result<void> remove_dir(const CgroupLayout& layout, const std::string& dir) {
  if (!sys::path_exists(dir)) return ok();
  if (layout.before_rmdir) layout.before_rmdir(dir);
  // EBUSY means a process or a child group is still inside. After SIGKILL and
  // waitpid(2) the kernel may still be tearing the task down for a moment.
  auto gone = wait_until(
      [&]() -> Result<bool> {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
        if (errno == EBUSY) return false;
        return Error::from_errno("rmdir", dir);
      },
      std::chrono::milliseconds(1000));
  if (!gone) return std::move(gone.error());
  if (!*gone) return Error("rmdir `" + dir + "`: still in use after 1 s (a process or a child cgroup is inside)", EBUSY);
  return ok();
}

void remove_dir_if_unused(const CgroupLayout& layout, const std::string& dir) {
  if (dir.empty() || !sys::path_exists(dir)) return;
  if (layout.before_rmdir) layout.before_rmdir(dir);
  (void)::rmdir(dir.c_str());  // EBUSY / ENOTEMPTY: another container still uses it
}

Result<void> write_knob(const std::string& dir, std::string_view knob, std::string_view value) {
  return sys::write_file(dir + "/" + std::string(knob), value, O_WRONLY | O_TRUNC);
}

Result<void> apply_write(const std::string& dir, const KnobWrite& write) {
  std::string path = dir + "/" + write.knob;
  if (!sys::path_exists(path)) {
    if (write.skip_if_missing) return ok();
    if (!write.missing_means.empty()) return Error(write.field + ": `" + path + "` does not exist: " + write.missing_means);
  }
  MINIRUN_TRY(write_knob(dir, write.knob, write.value), write.field);
  return ok();
}

Result<std::string> read_knob(const std::string& dir, std::string_view knob) {
  auto text = sys::read_file(dir + "/" + std::string(knob));
  if (!text) return std::move(text.error());
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return text;
}

uint64_t parse_limit(std::string_view text) {
  std::string s(text);
  if (s.empty() || s == "max" || s[0] == '-') return 0;
  uint64_t value = std::strtoull(s.c_str(), nullptr, 10);
  return value >= (uint64_t{1} << 62) ? 0 : value;
}

uint64_t keyed_value(std::string_view text, std::string_view key) {
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ' ')
      return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10);
  }
  return 0;
}

Result<std::vector<pid_t>> read_procs(const std::string& dir) {
  auto text = sys::read_file(dir + "/cgroup.procs");
  if (!text) return std::move(text.error());
  std::vector<pid_t> pids;
  std::istringstream in(*text);
  for (long pid; in >> pid;) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

Result<bool> wait_until(const std::function<Result<bool>()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    auto r = done();
    if (!r || *r) return r;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(16));
  }
}

}  // namespace cgroupfs
}  // namespace minirun::runtime
