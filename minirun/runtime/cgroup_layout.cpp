/**
 * @file cgroup_layout.cpp
 * @brief Finding the cgroup filesystems: which hierarchies are mounted where, and
 * which cgroup the kit itself is in.
 *
 * Nothing about cgroups is at a fixed path. The kernel offers the hierarchies and the
 * init system mounts them where it likes; two files tell the truth:
 *
 *  - `/proc/self/mountinfo` (proc(5)) lists every mount. Lines with filesystem type
 *    `cgroup` are v1 hierarchies, and their super options name the controllers bound
 *    to them: `rw,cpu,cpuacct` is one hierarchy carrying two controllers, mounted once
 *    (often at `/sys/fs/cgroup/cpu,cpuacct`, with `cpu` and `cpuacct` as symlinks).
 *    A line of type `cgroup2` is the unified hierarchy: `/sys/fs/cgroup` on a pure v2
 *    host, `/sys/fs/cgroup/unified` on a "hybrid" one, where v2 holds no controllers
 *    and exists only so systemd can track processes.
 *  - `/proc/self/cgroup` (cgroups(7)) gives the caller's cgroup in each hierarchy:
 *    `4:memory:/process_api/9ae9...`, `2:cpu,cpuacct:/`, and `0::/user.slice/...` for v2.
 *
 * Both are read here and turned into a CgroupLayout. Two details matter:
 *
 *  - A hierarchy named `name=systemd` has no controller: it only groups processes. The
 *    kit never puts limits there, so it is left out of `v1_mounts`.
 *  - The path in /proc/self/cgroup is relative to the hierarchy's root, but the mount
 *    may show only a subtree (mountinfo's fourth field, "root", is then not `/`; this
 *    is what a container sees of its own cgroup). The own paths are made relative to
 *    what is mounted, so that `mount + own path` is always a real directory.
 *
 * parse() is pure, so the unit tests feed it this VM's files and a pure-v2 host's.
 *
 * Man pages: cgroups(7) ("/proc files"), proc(5) (/proc/pid/mountinfo).
 * Lab: labs/04-cgroups.
 */
#include "minirun/runtime/cgroup.hpp"

#include <set>
#include <sstream>

#include "minirun/sys/file.hpp"

namespace minirun::runtime {
namespace {

/// v1 controllers the kernel has had; used to tell controllers from other mount options
/// (`rw`, `clone_children`, `release_agent=...`) in a v1 line's super options.
const std::set<std::string> kV1Controllers = {
    "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb",
    "memory", "misc", "net_cls", "net_prio", "perf_event", "pids", "rdma"};

/// mountinfo escapes space, tab, newline and backslash in paths as \\ooo (octal).
std::string unescape_octal(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    auto octal = [&](size_t j) { return in[j] >= '0' && in[j] <= '7'; };
    if (in[i] == '\\' && i + 3 < in.size() && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((in[i + 1] - '0') * 64 + (in[i + 2] - '0') * 8 + (in[i + 3] - '0'));
      i += 3;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

/// One cgroup mount from mountinfo.
struct CgroupMount {
  std::string root;         ///< which part of the hierarchy is visible ("/" usually)
  std::string mount_point;  ///< where
  bool unified = false;     ///< cgroup2
  std::vector<std::string> controllers;  ///< v1 only
};

/// Reads the cgroup lines of a mountinfo text. Format (proc(5)):
///   36 35 98:0 /root /mnt rw,noatime master:1 - cgroup cgroup rw,cpu,cpuacct
/// fields: id, parent, major:minor, root, mount point, options, optional fields,
/// "-", filesystem type, source, super options.
std::vector<CgroupMount> cgroup_mounts(const std::string& mountinfo, const std::set<std::string>& known) {
  std::vector<CgroupMount> mounts;
  std::istringstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::istringstream words(line);
    for (std::string w; words >> w;) fields.push_back(w);
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash < 5 || dash + 3 > fields.size()) continue;  // not a mount line
    const std::string& type = fields[dash + 1];
    if (type != "cgroup" && type != "cgroup2") continue;
    CgroupMount m;
    m.root = unescape_octal(fields[3]);
    m.mount_point = unescape_octal(fields[4]);
    m.unified = type == "cgroup2";
    if (!m.unified) {
      for (const auto& option : split(fields[dash + 3], ','))
        if (known.count(option)) m.controllers.push_back(option);
      if (m.controllers.empty()) continue;  // name=systemd and friends: no resources
    }
    mounts.push_back(std::move(m));
  }
  return mounts;
}

/// `path` seen from a mount that shows only the subtree `root`: "/a/b" under root "/a"
/// is "/b". A path outside the visible subtree is kept as is (nothing better exists).
std::string relative_to_root(const std::string& path, const std::string& root) {
  if (root.empty() || root == "/") return path;
  if (path == root) return "/";
  if (path.compare(0, root.size(), root) == 0 && path[root.size()] == '/') return path.substr(root.size());
  return path;
}

}  // namespace

Result<CgroupLayout> CgroupLayout::parse(const std::string& mountinfo, const std::string& self_cgroup) {
  // /proc/self/cgroup lines: "hierarchy-id:controller-list:path"; the path may itself
  // contain ':' so only the first two are separators.
  struct OwnLine {
    std::vector<std::string> controllers;  // empty: the unified hierarchy
    std::string path;
  };
  std::vector<OwnLine> own;
  std::set<std::string> known = kV1Controllers;
  std::istringstream in(self_cgroup);
  for (std::string line; std::getline(in, line);) {
    size_t first = line.find(':');
    size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    OwnLine entry;
    entry.path = line.substr(second + 1);
    for (const auto& c : split(line.substr(first + 1, second - first - 1), ',')) {
      if (c.rfind("name=", 0) == 0) continue;
      entry.controllers.push_back(c);
      known.insert(c);  // a controller newer than the list above still counts
    }
    bool named_only = entry.controllers.empty() && second != first + 1;  // "1:name=systemd:/"
    if (!named_only) own.push_back(std::move(entry));
  }

  CgroupLayout layout;
  std::map<std::string, std::string> roots;  // controller ("" for v2) -> visible root
  for (const auto& m : cgroup_mounts(mountinfo, known)) {
    if (m.unified) {
      if (layout.unified_mount.empty()) {
        layout.unified_mount = m.mount_point;
        roots[""] = m.root;
      }
      continue;
    }
    // The same hierarchy can be mounted twice (bind mounts); the first one is kept.
    for (const auto& c : m.controllers) {
      if (layout.v1_mounts.count(c)) continue;
      layout.v1_mounts[c] = m.mount_point;
      roots[c] = m.root;
    }
  }
  if (layout.v1_mounts.empty() && layout.unified_mount.empty())
    return Error("no cgroup filesystem is mounted (no `cgroup` or `cgroup2` line in mountinfo)");

  for (const auto& entry : own) {
    if (entry.controllers.empty()) {
      layout.own_paths[""] = relative_to_root(entry.path, roots[""]);
      continue;
    }
    for (const auto& c : entry.controllers) layout.own_paths[c] = relative_to_root(entry.path, roots[c]);
  }
  // A mounted hierarchy the process file does not mention: take its root.
  for (const auto& [c, mount] : layout.v1_mounts)
    if (!layout.own_paths.count(c)) layout.own_paths[c] = "/";
  if (!layout.unified_mount.empty() && !layout.own_paths.count("")) layout.own_paths[""] = "/";
  return layout;
}

Result<CgroupLayout> CgroupLayout::detect() {
  auto mountinfo = sys::read_file("/proc/self/mountinfo");
  if (!mountinfo) return std::move(mountinfo.error()).context("detect cgroup layout");
  auto self_cgroup = sys::read_file("/proc/self/cgroup");
  if (!self_cgroup) return std::move(self_cgroup.error()).context("detect cgroup layout");
  auto layout = parse(*mountinfo, *self_cgroup);
  if (!layout) return std::move(layout.error()).context("detect cgroup layout");
  return layout;
}

}  // namespace minirun::runtime
