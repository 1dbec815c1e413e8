/**
 * @file flag_values_security.cpp
 * @brief `--security-opt`, `--cap-add` and `--cap-drop`; see flag_values.hpp.
 *
 * `--security-opt` is a bag of `key=value` settings (the old `key:value` spelling still
 * works). The kit understands two keys:
 *  - `seccomp`: `unconfined` (no filter), `builtin` (the default profile) or the path of
 *    a JSON profile, which the engine reads later; seccomp(2).
 *  - `no-new-privileges`: PR_SET_NO_NEW_PRIVS (prctl(2)), so setuid binaries and file
 *    capabilities cannot raise privileges after execve(2). The kit turns it on by
 *    default, unlike Docker; `no-new-privileges=false` turns it off.
 * `apparmor=` and `label=` (SELinux) are refused with a reason rather than ignored: a
 * learner who asks for a confinement must not believe they got it.
 *
 * Capabilities follow the Docker CLI and daemon. A name is upper-cased and given its
 * `CAP_` prefix (`net_admin` -> `CAP_NET_ADMIN`), then checked against libcap and this
 * kernel (runtime::capability_from_name). Combining the lists (effective_capabilities):
 *  1. a capability both added and dropped is added;
 *  2. `--cap-add ALL`: every capability the kernel knows, minus the drops;
 *  3. `--cap-drop ALL`: only the adds (so `--cap-drop ALL --cap-add NET_BIND_SERVICE`
 *     keeps exactly that one, the least-privilege idiom of Docker's docs);
 *  4. otherwise the defaults minus the drops, then the adds.
 *
 * Reference: docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities,
 * docs.docker.com/engine/security/seccomp/. Man pages: capabilities(7), seccomp(2),
 * prctl(2) (PR_SET_NO_NEW_PRIVS). Lab: labs/05-capabilities-seccomp.
 */
#include <algorithm>

#include "minirun/engine/flag_values.hpp"
#include "minirun/runtime/capabilities.hpp"

namespace minirun::engine {

namespace {

using sys::Error;

constexpr std::string_view kAll = "ALL";

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

void add_once(std::vector<std::string>& list, const std::string& item) {
  if (!contains(list, item)) list.push_back(item);
}

/// Normalises every name of one list; the first bad one is the error.
Result<std::vector<std::string>> normalize_all(const std::vector<std::string>& names, std::string_view flag) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    auto normal = normalize_capability(name, flag);
    if (!normal) return std::move(normal.error());
    add_once(out, *normal);
  }
  return out;
}

/// Every capability this kernel knows that libcap can name, lowest number first.
std::vector<std::string> all_capabilities() {
  std::vector<std::string> all;
  for (int cap = 0; cap <= runtime::last_capability(); ++cap) {
    std::string name = runtime::capability_name(cap);
    if (runtime::capability_from_name(name).ok()) all.push_back(std::move(name));
  }
  return all;
}

}  // namespace

Result<void> apply_security_opt(std::string_view text, SecurityOpts& into) {
  constexpr std::string_view kFlag = "--security-opt";
  constexpr std::string_view kForm =
      "use seccomp=PROFILE.json, seccomp=unconfined or no-new-privileges[=true|false]";
  if (text == "no-new-privileges") {
    into.no_new_privileges = true;
    return sys::ok();
  }
  size_t separator = text.find('=');
  if (separator == std::string_view::npos) separator = text.find(':');  // the old `seccomp:FILE`
  std::string_view key = text.substr(0, separator);
  std::string_view value = separator == std::string_view::npos ? std::string_view() : text.substr(separator + 1);

  if (key == "apparmor")
    return invalid_value(kFlag, "security option", text,
                         "minirun has no AppArmor; confinement comes from namespaces, capabilities and seccomp");
  if (key == "label")
    return invalid_value(kFlag, "security option", text,
                         "minirun has no SELinux labels; confinement comes from namespaces, capabilities and seccomp");
  if (key != "seccomp" && key != "no-new-privileges")
    return invalid_value(kFlag, "security option", text, "unknown option \"" + std::string(key) + "\"; " + std::string(kForm));
  if (value.empty()) return invalid_value(kFlag, "security option", text, "the value is missing; " + std::string(kForm));

  if (key == "seccomp") {
    if (value == "builtin") into.seccomp.clear();  // Docker's name for the default profile
    else into.seccomp = std::string(value);        // "unconfined" or a path, read at create
    return sys::ok();
  }
  auto enabled = parse_bool_word(value);
  if (!enabled) return invalid_value(kFlag, "security option", text, "use no-new-privileges=true or no-new-privileges=false");
  into.no_new_privileges = *enabled;
  return sys::ok();
}

Result<std::string> normalize_capability(std::string_view text, std::string_view flag) {
  // Surrounding spaces are trimmed, as the CLI does ("--cap-add ' net_admin'" from a script).
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::string name;
  for (char c : text) name += static_cast<char>((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
  if (name == kAll) return name;
  if (name.rfind("CAP_", 0) != 0) name.insert(0, "CAP_");
  auto number = runtime::capability_from_name(name);
  if (!number)
    return invalid_value(flag, "capability", text,
                         number.error().message() + "; use a name from capabilities(7) such as NET_ADMIN, or ALL");
  return name;
}

Result<std::vector<std::string>> effective_capabilities(const std::vector<std::string>& defaults,
                                                        const std::vector<std::string>& add,
                                                        const std::vector<std::string>& drop) {
  auto base = normalize_all(defaults, "default capabilities");
  if (!base) return std::move(base.error());
  auto adds = normalize_all(add, "--cap-add");
  if (!adds) return std::move(adds.error());
  auto drops = normalize_all(drop, "--cap-drop");
  if (!drops) return std::move(drops.error());
  // Rule 1 (an add beats a drop of the same capability) needs no step of its own: drops
  // only ever remove defaults, and the adds are appended after them. With `--cap-add
  // ALL,NET_RAW --cap-drop NET_RAW` NET_RAW stays dropped, as in Docker, whose CLI
  // reduces an add list holding ALL to just ALL before weighing it against the drops.
  std::vector<std::string> result;
  if (contains(*adds, kAll)) {
    for (const std::string& cap : all_capabilities())
      if (!contains(*drops, cap)) result.push_back(cap);
    return result;
  }
  if (!contains(*drops, kAll)) {
    for (const std::string& cap : *base)
      if (!contains(*drops, cap)) add_once(result, cap);
  }
  for (const std::string& cap : *adds) add_once(result, cap);
  return result;
}

}  // namespace minirun::engine
