/**
 * @file mount_specs.hpp
 * @brief `-v`, `--mount` and `--tmpfs`: three spellings of "put this at that path".
 *
 * `docker run` has three flags that add a mount, and all three end up as one value,
 * a MountSpec, which the engine stores (inspect's `HostConfig.Mounts`) and later turns
 * into an OCI `mounts` entry. There are three kinds of mount behind them:
 *  - **bind**: a host directory or file appears inside the container (mount(2) with
 *    MS_BIND; the propagation mode, rprivate by default, says whether mounts made later
 *    on either side show through; see mount_namespaces(7));
 *  - **volume**: a directory the engine owns, named (`data:/var/lib/db`) or anonymous
 *    (`-v /var/lib/db`), which outlives the container; on first use the image's files
 *    at the target are copied in unless `nocopy` is given;
 *  - **tmpfs**: a fresh in-memory filesystem (tmpfs(5)), gone when the container stops.
 *
 * The flags differ in more than spelling, and the differences are Docker's:
 *  - `-v SRC:DST[:OPTS]` decides bind-or-volume by the source: a source that starts with
 *    `/` is a host path, anything else is a volume name. A missing host directory is
 *    *created* (bind_create_host_path = true), an old behaviour kept for compatibility.
 *  - `--mount type=bind,source=/a,target=/b,readonly` names every field, and refuses a
 *    missing host path instead (bind_create_host_path = false): a typo is an error, not
 *    a new empty directory. The value is a CSV record (so `"a,b"` may be quoted).
 *  - `--tmpfs /run:rw,size=64m` takes mount(8)-style options and keeps them as given.
 *
 * A relative source (`./data:/data`) is refused with a hint to use an absolute path:
 * these parsers do no I/O and do not guess the working directory (recent Docker CLIs
 * resolve `./` themselves; older ones refused, as here). Targets are cleaned lexically
 * (`/a/./b/` -> `/a/b`) and may not be `/`.
 *
 * Deliberately left out: SELinux relabelling (`z`/`Z` are accepted and ignored: the kit
 * has no SELinux), volume drivers other than `local`, `volume-opt`/`volume-label`,
 * `bind-nonrecursive`, and the `image`/`npipe`/`cluster` mount types.
 *
 * How a tmpfs mount's data string is built (by the code that mounts it): the words in
 * `tmpfs_options` first (from `--tmpfs`), then `size=` and `mode=` from `tmpfs_size` and
 * `tmpfs_mode` when they are not 0 (from `--mount type=tmpfs,tmpfs-size=...`). Docker
 * puts `noexec,nosuid,nodev` in front of `--tmpfs` options; that default is also the
 * mounting code's job, not the parser's.
 *
 * Reference: docs.docker.com/engine/storage/bind-mounts/, .../volumes/, .../tmpfs/;
 * `docker container run --volume|--mount|--tmpfs`. Man pages: mount(2), mount(8),
 * mount_namespaces(7), tmpfs(5). Lab: labs/01-image-and-container.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Result;

/// One mount requested on the command line, before volume names are resolved to paths.
struct MountSpec {
  std::string type;    ///< "bind", "volume" or "tmpfs"
  std::string source;  ///< host path (bind) or volume name ("" = anonymous volume, tmpfs)
  std::string target;  ///< absolute path inside the container, cleaned, never "/"
  bool read_only = false;
  std::string propagation;  ///< bind only: rprivate (default), private, rshared, shared, rslave, slave
  bool bind_create_host_path = false;  ///< `-v` creates a missing host directory; `--mount` refuses
  int64_t tmpfs_size = 0;              ///< bytes; 0 = the kernel's default (half of RAM)
  uint32_t tmpfs_mode = 0;             ///< permission bits of the tmpfs root; 0 = default (1777)
  bool volume_nocopy = false;          ///< do not copy the image's files into a new volume
  std::vector<std::string> tmpfs_options;  ///< `--tmpfs` options, as given (ro, noexec, size=64m, ...)
};

/// `-v SRC:DST[:OPTS]` or `-v DST` (an anonymous volume).
Result<MountSpec> parse_volume_flag(std::string_view text);

/// `--mount type=bind|volume|tmpfs,source=...,target=...[,readonly][,...]`.
Result<MountSpec> parse_mount_flag(std::string_view text);

/// `--tmpfs DST[:OPTIONS]`.
Result<MountSpec> parse_tmpfs_flag(std::string_view text);

/// True for a valid local volume name: `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (two or more characters).
bool is_valid_volume_name(std::string_view name);

}  // namespace minirun::engine
