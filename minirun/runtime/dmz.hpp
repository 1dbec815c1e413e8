/**
 * @file dmz.hpp
 * @brief The sealed copy of minirun-dmz that a container's init execs last.
 *
 * See minirun/dmz/dmz.c for the attack this closes (CVE-2019-5736). Here the runtime
 * puts the program's bytes (embedded at build time) into a memfd and seals it, so that
 * neither the runtime nor anything in the container can ever change its content.
 *
 * Man pages: memfd_create(2), fcntl(2) (file seals), execveat(2).
 */
#pragma once

#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "minirun/sys/unique_fd.hpp"

namespace minirun::runtime {

/// A sealed, executable memfd holding minirun-dmz (close-on-exec).
sys::Result<sys::UniqueFd> make_sealed_dmz();

/// execveat(2) of the dmz in `dmz_fd`, which then execs `path` with `args` and `env`.
/// Returns only on failure, with errno set (EPERM when a seccomp profile forbids execveat).
void exec_through_dmz(int dmz_fd, const std::string& path, const std::vector<std::string>& args,
                      const std::vector<std::string>& env);

}  // namespace minirun::runtime
