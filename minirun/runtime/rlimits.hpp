/**
 * @file rlimits.hpp
 * @brief Resource limits (`process.rlimits`): per-process ceilings such as open files.
 *
 * Unlike cgroups, which limit a group, rlimits limit each process: how many files it
 * may open (RLIMIT_NOFILE), how large a core dump may be, how many processes its user
 * may have. They are inherited across fork and execve, so setting them in the
 * container's init before execve sets them for the whole container.
 *
 * Man pages: getrlimit(2), prlimit(2). Lab: labs/04-cgroups (the contrast with cgroups).
 */
#pragma once

#include <string_view>
#include <vector>

#include "minirun/runtime/spec.hpp"
#include "minirun/sys/error.hpp"

namespace minirun::runtime {

/// "RLIMIT_NOFILE" -> RLIMIT_NOFILE, or an error naming the unknown type.
Result<int> rlimit_from_name(std::string_view name);
/// setrlimit(2) for each entry; the error names the limit.
Result<void> apply_rlimits(const std::vector<Rlimit>& rlimits);

}  // namespace minirun::runtime
