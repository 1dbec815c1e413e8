/**
 * @file rlimits.cpp
 * @brief `process.rlimits`: names to RLIMIT_* numbers, and setrlimit(2) for each.
 *
 * The OCI config names limits as <sys/resource.h> does ("RLIMIT_NOFILE"), so the
 * table below is the whole of the translation; the order follows getrlimit(2).
 * A name that is not in the table is an error, never a silent skip: a container that
 * was meant to be limited to 64 processes and is not is a fork bomb away from taking
 * the host with it.
 *
 * apply_rlimits runs inside the container's init, before execve(2) (limits are
 * inherited across it) and before capabilities are dropped: raising a hard limit needs
 * CAP_SYS_RESOURCE, which the container process will usually not keep.
 *
 * Man pages: getrlimit(2), setrlimit(2). Lab: labs/04-cgroups.
 */
#include <sys/resource.h>

#include <array>
#include <utility>

#include "minirun/runtime/rlimits.hpp"

namespace minirun::runtime {

namespace {

struct RlimitName {
  std::string_view name;
  int resource;
};

constexpr std::array<RlimitName, 16> kRlimits = {{
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
}};

}  // namespace

Result<int> rlimit_from_name(std::string_view name) {
  for (const auto& entry : kRlimits)
    if (entry.name == name) return entry.resource;
  return Error("unknown rlimit type \"" + std::string(name) + "\" (expected RLIMIT_NOFILE, RLIMIT_NPROC, ...)");
}

Result<void> apply_rlimits(const std::vector<Rlimit>& rlimits) {
  for (const auto& limit : rlimits) {
    // rlim_t is 64-bit unsigned on Linux and RLIM_INFINITY is all ones, which is also
    // what the OCI config writes for "unlimited" (18446744073709551615).
    struct rlimit value{static_cast<rlim_t>(limit.soft), static_cast<rlim_t>(limit.hard)};
    if (::setrlimit(limit.resource, &value) != 0)
      return Error::from_errno("setrlimit", limit.name + " soft " + std::to_string(limit.soft) + " hard " +
                                                std::to_string(limit.hard));
  }
  return sys::ok();
}

}  // namespace minirun::runtime
