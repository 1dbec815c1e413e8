/**
 * @file capabilities.cpp
 * @brief Applying `process.capabilities`: the bounding set with prctl(2), the other
 * four sets with libcap and prctl(2).
 *
 * Both functions run in the container's init, after clone(2) and just before
 * execve(2), so they are short and allocate nothing on the way to success; names of
 * capabilities are only built when something failed.
 *
 * The kernel's rules that make these calls fail are worth knowing, since the error
 * message is where a learner meets them (capabilities(7), "Programmatically adjusting
 * capability sets"):
 *  - PR_CAPBSET_DROP needs CAP_SETPCAP in the effective set; that is why the bounding
 *    set is dropped first, while the process is still the runtime's full root;
 *  - cap_set_proc(3) can only shrink the permitted set, the effective set must be part
 *    of the new permitted set, and the inheritable set cannot gain a capability
 *    missing from the bounding set;
 *  - an ambient capability must be both permitted and inheritable, and the kernel
 *    drops it again whenever either loses it.
 * On failure, describe_capset_failure() checks those rules against the request and
 * names the capability that broke one.
 *
 * Man pages: capabilities(7), prctl(2) (PR_CAPBSET_DROP, PR_CAPBSET_READ,
 * PR_CAP_AMBIENT), cap_init(3), cap_set_flag(3), cap_set_proc(3).
 * Lab: labs/05-capabilities-seccomp.
 */
#include "minirun/runtime/capabilities.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <utility>

namespace minirun::runtime {
namespace {

static_assert(sizeof(cap_value_t) == sizeof(int), "capability numbers are passed to libcap as they are");

bool contains(const std::vector<int>& set, int cap) {
  return std::find(set.begin(), set.end(), cap) != set.end();
}

/// Frees a libcap object (cap_t, and strings from cap_to_text) on every path.
struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};
using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

/// After cap_set_proc(3) refused `wanted`: which capability broke which kernel rule.
std::string describe_capset_failure(const Capabilities& wanted) {
  CapState now(cap_get_proc());
  auto has = [&](int cap, cap_flag_t set) {
    cap_flag_value_t v = CAP_CLEAR;
    return now && cap_get_flag(now.get(), cap, set, &v) == 0 && v == CAP_SET;
  };
  for (int cap : wanted.permitted)
    if (!has(cap, CAP_PERMITTED)) return capability_name(cap) + " is not in the current permitted set";
  for (int cap : wanted.effective)
    if (!contains(wanted.permitted, cap)) return capability_name(cap) + " is effective but not permitted";
  for (int cap : wanted.inheritable)
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
      return capability_name(cap) + " is inheritable but not in the bounding set";
  for (int cap : wanted.inheritable)
    if (!has(cap, CAP_INHERITABLE) && !has(cap, CAP_PERMITTED) && !has(CAP_SETPCAP, CAP_EFFECTIVE))
      return capability_name(cap) + " is inheritable but neither inheritable nor permitted now";
  return "the kernel refused the sets";
}

}  // namespace

Result<void> drop_bounding_set(const std::vector<int>& keep) {
  int last = last_capability();
  for (int cap = 0; cap <= last; ++cap) {
    if (contains(keep, cap)) continue;
    // Dropping needs CAP_SETPCAP even for a capability that is already gone, so look
    // first: a process whose bounding set is already small then has nothing to do.
    int present = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (present == 0) continue;
    if (present < 0 && errno == EINVAL) continue;  // newer than this kernel
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) continue;
      return Error::from_errno("prctl(PR_CAPBSET_DROP)", capability_name(cap)).context("drop bounding set");
    }
  }
  return sys::ok();
}

Result<void> apply_capability_sets(const Capabilities& caps) {
  // Effective, permitted, inheritable: one cap_t, one capset(2).
  CapState state(cap_init());  // cap_init() starts with all three sets empty
  if (!state) return Error::from_errno("cap_init");
  const std::pair<cap_flag_t, const std::vector<int>*> sets[] = {
      {CAP_EFFECTIVE, &caps.effective}, {CAP_PERMITTED, &caps.permitted}, {CAP_INHERITABLE, &caps.inheritable}};
  for (const auto& [flag, list] : sets) {
    if (list->empty()) continue;
    if (cap_set_flag(state.get(), flag, static_cast<int>(list->size()), list->data(), CAP_SET) < 0) {
      int saved = errno;
      // libcap refuses numbers beyond the ones it was built with; find which.
      for (const cap_value_t& cap : *list)
        if (cap_set_flag(state.get(), flag, 1, &cap, CAP_SET) < 0)
          return Error::from_errno("cap_set_flag", "capability " + std::to_string(cap), errno);
      return Error::from_errno("cap_set_flag", "", saved);
    }
  }
  if (cap_set_proc(state.get()) < 0) {
    int saved = errno;
    return Error("cap_set_proc: " + describe_capset_failure(caps), saved);
  }

  // Ambient: start from none, so nothing the runtime itself had leaks into the
  // container, then raise the listed ones.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && !(errno == EINVAL && caps.ambient.empty()))
    return Error::from_errno("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");  // EINVAL: kernel < 4.3
  for (int cap : caps.ambient) {
    if (!contains(caps.permitted, cap) || !contains(caps.inheritable, cap))
      return Error("process.capabilities.ambient: " + capability_name(cap) +
                   " must also be in the permitted and inheritable sets (capabilities(7))");
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return Error::from_errno("prctl(PR_CAP_AMBIENT_RAISE)", capability_name(cap));
  }
  return sys::ok();
}

}  // namespace minirun::runtime
