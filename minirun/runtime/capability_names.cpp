/**
 * @file capability_names.cpp
 * @brief Capability names ("CAP_SYS_ADMIN") to numbers and back, for the OCI config.
 *
 * config.json lists capabilities by name, in upper case with the `CAP_` prefix, as
 * capabilities(7) and <linux/capability.h> spell them. The numbers behind the names
 * grow with the kernel: CAP_PERFMON (38), CAP_BPF (39) and CAP_CHECKPOINT_RESTORE (40)
 * came in Linux 5.8 and 5.9. Two tables are involved and they can disagree:
 *  - libcap's, compiled in, which says what a name means (cap_from_name(3));
 *  - the running kernel's, whose highest number is /proc/sys/kernel/cap_last_cap.
 * A config that asks for CAP_BPF on a 5.4 kernel must fail at parse time with a clear
 * message; otherwise it would fail much later, inside the container's init, as an
 * EINVAL from capset(2) that nobody can trace back to the config.
 *
 * libcap's parser is lenient on purpose (it reads capability *text* such as
 * "cap_chown+ep", is case-insensitive and takes bare numbers). OCI configs are not that
 * language, so the name is checked to be `CAP_` plus upper-case letters, digits and
 * underscores before libcap sees it: "cap_chown", "CAP_CHOWN+ep" and "12" are refused.
 *
 * Man pages: capabilities(7), cap_from_name(3). Lab: labs/05-capabilities-seccomp.
 */
#include <sys/capability.h>

#include <cctype>

#include "minirun/runtime/capabilities.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {

namespace {

/// `CAP_` followed by one or more of A-Z, 0-9, '_'.
bool is_oci_capability_spelling(std::string_view name) {
  constexpr std::string_view prefix = "CAP_";
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return false;
  for (char c : name.substr(prefix.size()))
    if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

int read_last_capability() {
  auto text = sys::read_file("/proc/sys/kernel/cap_last_cap");
  if (text) {
    try {
      return std::stoi(*text);
    } catch (const std::exception&) {
      // fall through: a /proc we cannot read (not mounted yet, masked) is not fatal
    }
  }
  // libcap asks the kernel too (via prctl(PR_CAPBSET_READ) probing) when /proc is absent.
  return static_cast<int>(cap_max_bits()) - 1;
}

}  // namespace

int last_capability() {
  // The kernel does not change under us; read once (thread-safe static init).
  static const int last = read_last_capability();
  return last;
}

Result<int> capability_from_name(std::string_view name) {
  std::string text(name);
  if (!is_oci_capability_spelling(name))
    return Error("unknown capability \"" + text + "\" (capabilities are spelled like CAP_SYS_ADMIN)");
  cap_value_t value = -1;
  if (cap_from_name(text.c_str(), &value) != 0 || value < 0)
    return Error("unknown capability \"" + text + "\"");
  if (value > last_capability())
    return Error("capability \"" + text + "\" (" + std::to_string(value) +
                 ") is not supported by this kernel (highest is " + std::to_string(last_capability()) + ", " +
                 capability_name(last_capability()) + ")");
  return static_cast<int>(value);
}

std::string capability_name(int cap) {
  char* raw = cap_to_name(static_cast<cap_value_t>(cap));
  if (raw == nullptr) return std::to_string(cap);
  std::string name(raw);
  cap_free(raw);
  // libcap answers in lower case ("cap_sys_admin") and with a bare number for a
  // capability it has no name for; the OCI spelling is upper case.
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace minirun::runtime
