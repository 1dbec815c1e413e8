/**
 * @file spec_mounts.cpp
 * @brief `mounts`: where each mount goes, and its option words decoded into what
 * mount(2) takes.
 *
 * mount(2) takes three different things that fstab(5) and the OCI config write as one
 * list of words, `["nosuid", "noexec", "mode=755", "rprivate"]`:
 *  - `mountflags`, MS_* bits: ro, nosuid, nodev, noexec, relatime, bind, ...
 *    Each word sets a bit or, for its opposite (rw, suid, dev, exec, ...), clears it,
 *    in the order written, so ["ro", "rw"] is read-write, as mount(8) does;
 *  - propagation, a separate mount(2) call (MS_PRIVATE, MS_SHARED, MS_SLAVE,
 *    MS_UNBINDABLE, with MS_REC for the r- forms): applied in order by runc, so the
 *    last one written is the one that stands, and that is the one kept here;
 *  - `data`, a string the filesystem itself parses ("mode=755,size=65536k").
 * The table is runc's (libcontainer/specconv), which is what configs are written for.
 *
 * The rule for data: a word with '=' goes to data, as does a bare word from a short
 * list of known filesystem options (devpts's "newinstance", cgroup2's "nsdelegate",
 * overlay's "userxattr", ...). Any other bare word is an error: "nosuidd" is far more
 * likely a typo than a filesystem option, and a typo of "nosuid" that the kernel
 * ignored (or that made the mount fail with EINVAL) is exactly the bug nobody finds.
 *
 * Destinations must be absolute (runtime-spec 1.x, Linux) and free of `..`:
 * "/proc/../etc" would mount over the container's /etc while reading like /proc, and
 * "../../host" is an attempt to mount outside the rootfs. (The runtime still resolves
 * destinations inside the rootfs safely against symlinks; this is the first fence.)
 * A bind mount's source is a host path: relative ones are taken against the bundle,
 * as runc does, and it must exist now so the error names the config, not mount(2).
 *
 * Not implemented, refused as unknown options: runc's "tmpcopyup", the mount_setattr(2)
 * recursive forms ("rro", "rnosuid", ...), idmapped mounts ("idmap", "ridmap").
 *
 * Man pages: mount(2), mount(8), mount_namespaces(7), fstab(5).
 * Reference: runtime-spec config.md "Mounts". Lab: labs/03-namespaces.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "minirun/runtime/spec_internal.hpp"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256  // Linux 5.10; older glibc headers lack it
#endif

namespace minirun::runtime::spec_detail {

namespace {

/// One option word that sets (or, with `clear`, clears) MS_* bits.
struct FlagOption {
  std::string_view name;
  bool clear;
  unsigned long flag;
};

constexpr std::array<FlagOption, 34> kFlagOptions = {{
    {"acl", false, MS_POSIXACL},
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noacl", true, MS_POSIXACL},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
}};

struct PropagationOption {
  std::string_view name;
  unsigned long flags;
};

constexpr std::array<PropagationOption, 8> kPropagationOptions = {{
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},
    {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},
    {"runbindable", MS_UNBINDABLE | MS_REC},
}};

/// Bare words (no '=') that filesystems take as data; everything else bare is a typo.
constexpr std::array<std::string_view, 10> kFilesystemDataWords = {
    "newinstance",                                     // devpts: a private /dev/pts
    "nsdelegate", "memory_recursiveprot",              // cgroup2
    "memory_localevents", "favordynmods",              // cgroup2
    "userxattr", "volatile",                           // overlay
    "inode32", "inode64", "noswap",                    // tmpfs
};

Result<void> decode_option(Mount& mount, const std::string& option, const std::string& where) {
  for (const auto& f : kFlagOptions) {
    if (f.name != option) continue;
    if (f.clear) mount.flags &= ~f.flag;
    else mount.flags |= f.flag;
    if (option == "bind" || option == "rbind") mount.bind = true;
    if (option == "rbind") mount.recursive_bind = true;
    return sys::ok();
  }
  for (const auto& p : kPropagationOptions) {
    if (p.name != option) continue;
    mount.propagation = p.flags;
    return sys::ok();
  }
  bool is_data = option.find('=') != std::string::npos;
  for (auto word : kFilesystemDataWords) is_data = is_data || option == word;
  if (!is_data) return field_error(where, "unknown mount option " + quote(option));
  if (!mount.data.empty()) mount.data += ',';
  mount.data += option;
  return sys::ok();
}

Result<Mount> parse_mount(const json& value, const std::string& where, const std::string& bundle) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Mount mount;
  auto destination = require(value, "destination", where);
  if (!destination) return std::move(destination.error());
  auto dest = get_container_path(**destination, join(where, "destination"));
  if (!dest) return std::move(dest.error());
  mount.destination = std::move(*dest);
  if (auto r = read(value, "type", where, mount.type); !r) return std::move(r.error());
  if (auto r = read(value, "source", where, mount.source); !r) return std::move(r.error());
  if (auto r = read(value, "options", where, mount.options); !r) return std::move(r.error());

  for (size_t j = 0; j < mount.options.size(); ++j)
    if (auto r = decode_option(mount, mount.options[j], index(join(where, "options"), j)); !r)
      return std::move(r.error());
  if (mount.type == "bind") {
    mount.bind = true;
    mount.flags |= MS_BIND;
  }
  if (!mount.bind) return mount;

  const std::string at = join(where, "source");
  if (mount.source.empty()) return field_error(at, "a bind mount needs a source");
  if (mount.source.front() != '/') mount.source = bundle + "/" + mount.source;
  mount.source = clean_path(mount.source);
  // stat(2), not lstat(2): mount(2) follows a symlinked source, so a dangling one is missing.
  struct stat st{};
  if (::stat(mount.source.c_str(), &st) != 0)
    return field_error(at, mount.source + ": " + std::strerror(errno));
  return mount;
}

}  // namespace

Result<std::vector<Mount>> parse_mounts(const json& value, const std::string& where, const std::string& bundle) {
  if (auto r = expect_array(value, where); !r) return std::move(r.error());
  std::vector<Mount> out;
  for (size_t i = 0; i < value.size(); ++i) {
    auto mount = parse_mount(value[i], index(where, i), bundle);
    if (!mount) return std::move(mount.error());
    out.push_back(std::move(*mount));
  }
  return out;
}

}  // namespace minirun::runtime::spec_detail
