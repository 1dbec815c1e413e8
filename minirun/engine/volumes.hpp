/**
 * @file volumes.hpp
 * @brief Named and anonymous volumes: Docker's `local` driver, without a daemon.
 *
 * A container's root filesystem is thrown away with the container; a *volume* is
 * storage that outlives it. Docker's default `local` driver keeps nothing clever: a
 * volume is a directory on the host, bind-mounted into each container that uses it.
 * The layout here is Docker's own (`/var/lib/docker/volumes/<name>/_data`):
 *
 *     <data-root>/volumes/<name>/_data         what containers see at the mount target
 *     <data-root>/volumes/<name>/volume.json   Name, Driver, Mountpoint, CreatedAt,
 *                                              Labels, Scope, Anonymous
 *
 * `docker volume create NAME` makes one (and is idempotent: a second create returns the
 * first volume); `docker run -v /data` with no name makes an *anonymous* volume, named by
 * 64 random hex digits; `docker volume rm` refuses a volume a container still uses.
 *
 * ## Creating without a daemon
 * Docker serialises volume operations inside one daemon; here two `minirun` commands
 * may create the same volume at the same moment. The commit point is mkdir(2) of the
 * volume's directory, which the kernel does atomically; whoever creates or finds the
 * directory then takes flock(2) on it, and under the lock looks for volume.json. If it
 * is there, the volume exists (`created` is false). If it is not, the lock holder builds
 * the volume: a fresh `_data`, then volume.json. Whoever made the directory does not
 * matter, only who first holds the lock, so exactly one caller reports "created". A
 * creator that crashed left a directory without volume.json (and its lock died with
 * it): the next create cleans that half-made volume (removes its `_data`) and finishes
 * it. volume.json is written to a temporary name and renamed into place, so a reader
 * sees all or nothing; list() skips a directory without it. Removal takes the same lock and renames the
 * directory to a `.removing-*` name first, so the name disappears at once and can be
 * reused while the data is deleted.
 *
 * ## Deleting data a container wrote
 * `_data` is the containers' to fill, symlinks included (`x -> /`). A path-based
 * recursive delete that checks "is it a directory?" and then opens it can be switched
 * to a link in between and delete host files. The delete here opens every directory
 * with O_NOFOLLOW relative to its parent's fd, and refuses to cross into another
 * filesystem (a mount left inside the volume).
 *
 * ## Seeding a new volume from the image
 * Docker copies what the image has at the mount target (say `/var/lib/postgresql/data`,
 * owned by `postgres`) into a new, *empty* volume the first time it is mounted, so the
 * container finds its files and their owners (unless `nocopy`). The copy keeps modes,
 * owners, times and symlinks (as links), and the volume's root takes the owner and mode
 * of the image's directory. It is done with copy_files.hpp's copier, which never follows
 * a link in either tree.
 *
 * ## Left out, on purpose
 * Other drivers and their options (`-o type=nfs`, `device`, `o=`; Options is always
 * null), volume scopes other than `local`, `docker volume prune` (the caller can list
 * and remove), and the `com.docker.volume.anonymous` label newer Docker adds (the
 * Anonymous field says the same). Which containers use a volume is the caller's
 * knowledge (its container records), passed in to remove().
 *
 * Man pages: mkdir(2), flock(2), rename(2), openat(2), unlinkat(2), random(4).
 * Docs: https://docs.docker.com/engine/storage/volumes/ and
 * https://docs.docker.com/reference/cli/docker/volume/create/
 * Lab: labs/01-image-and-container.
 */
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "minirun/sys/error.hpp"

namespace minirun::engine {

using sys::Result;

/// One volume, as volume.json records it.
struct Volume {
  std::string name;
  std::string mountpoint;  ///< `<root>/<name>/_data`, the directory bind-mounted into containers
  std::string created_at;  ///< RFC 3339, UTC
  std::map<std::string, std::string> labels;
  bool anonymous = false;  ///< made for a `-v /path` without a name

  /// The object `docker volume inspect` prints: Name, Driver, Mountpoint, CreatedAt,
  /// Labels, Scope, Options (null: the local driver here takes none).
  nlohmann::json to_json() const;
};

/// The volumes under one directory (`<data-root>/volumes`).
class VolumeStore {
 public:
  explicit VolumeStore(std::string root);

  /// `docker volume create [NAME]`. An empty name makes an anonymous volume named by 64
  /// hex digits from /dev/urandom. Creating an existing volume returns it unchanged
  /// (its labels are kept) and sets `*created` to false.
  Result<Volume> create(const std::string& name, const std::map<std::string, std::string>& labels,
                        bool* created = nullptr);

  /// `docker volume inspect NAME`; error "no such volume: NAME".
  Result<Volume> inspect(const std::string& name) const;

  /// Every complete volume, sorted by name (half-made ones are skipped).
  std::vector<Volume> list() const;

  /// `docker volume rm NAME`. `used_by` is the containers (names or ids) that use it,
  /// from the caller's records; if any, the volume is kept and the error names them.
  Result<void> remove(const std::string& name, const std::vector<std::string>& used_by);

  const std::string& root() const { return root_; }

 private:
  std::string volume_dir(const std::string& name) const { return root_ + "/" + name; }
  Result<Volume> read_volume(const std::string& name) const;

  std::string root_;
};

/// Checks a volume name against Docker's rule for local volumes:
/// `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, at most 255 bytes (one directory name).
Result<void> validate_volume_name(const std::string& name);

/// Copies the image's content at the mount target into a new volume: the tree at
/// `image_path` (a directory of the container's rootfs, seen from the host) goes into
/// `volume_data`, keeping modes, owners, times and symlinks, *only if* `volume_data` is
/// empty. A missing `image_path`, or one that is not a directory, means nothing to copy.
/// `image_path` is opened as a host path, following links: pass a path already resolved
/// inside the rootfs (or use seed_volume_from_rootfs(), which does that).
Result<void> seed_volume_from_image(const std::string& volume_data, const std::string& image_path);

/// The same, with the mount target `container_path` resolved inside `rootfs` (openat2
/// RESOLVE_IN_ROOT): an image whose `/data` is a link to `/etc` seeds from its own /etc.
Result<void> seed_volume_from_rootfs(const std::string& volume_data, const std::string& rootfs,
                                     const std::string& container_path);

}  // namespace minirun::engine
