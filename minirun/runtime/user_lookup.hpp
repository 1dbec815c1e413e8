/**
 * @file user_lookup.hpp
 * @brief `USER app` / `--user app:staff` -> numeric uid, gid and groups, from the image.
 *
 * The kernel knows only numbers. A name like `nobody` means something only in a
 * particular root filesystem's `/etc/passwd` and `/etc/group`, so the lookup must read
 * the *container's* files, never the host's (the same name can have another uid on the
 * host, and a host lookup through NSS could even ask LDAP). This is what runc's
 * `libcontainer/user` package does for Docker.
 *
 * The accepted forms are Docker's: `user`, `uid`, `user:group`, `uid:gid`, `user:gid`,
 * `uid:group`. A bare number need not exist in passwd (gid then defaults to 0); a name
 * must. With no group given, the primary gid from passwd is used and the supplementary
 * groups are every group in /etc/group that lists the user.
 *
 * The files are opened with open_in_root() (openat2 RESOLVE_IN_ROOT): an image whose
 * /etc/passwd is a symlink to /etc/shadow reads the image's shadow, not the host's.
 *
 * Man pages: passwd(5), group(5), getpwnam(3) (what is deliberately not used).
 */
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"

namespace minirun::runtime {

using sys::Result;

/// A user spec resolved to the numbers the kernel uses.
struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::string home = "/";  ///< from passwd; `/` when the user is not listed
};

/// Resolves `spec` against passwd and group text (the pure part; unit-tested).
/// `passwd` / `group` may be empty (the files are missing).
Result<ResolvedUser> resolve_user(std::string_view spec, std::string_view passwd, std::string_view group);

/// Resolves `spec` against `<rootfs>/etc/passwd` and `<rootfs>/etc/group`, read inside
/// the root. An empty spec means root.
Result<ResolvedUser> resolve_user_in_rootfs(const std::string& rootfs, std::string_view spec);

}  // namespace minirun::runtime
