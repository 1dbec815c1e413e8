/**
 * @file spec_ignored.cpp
 * @brief Which fields of a config the kit accepted but does not act on.
 *
 * The OCI spec lets a runtime skip features its platform lacks, and configs written
 * by Docker or podman carry plenty the kit does not implement: apparmorProfile,
 * selinuxLabel, intelRdt, personality, blockIO, consoleSize, idmapped mounts... The
 * parser accepts them silently, which is right for running the container and wrong
 * for learning from it: a learner who set `linux.resources.blockIO` and sees no effect
 * deserves to be told why. So `--debug` lists them, from this function.
 *
 * The list is computed by walking the JSON against a table of the keys the parser
 * reads, rather than by a list of known-unsupported features: anything not in the
 * table is reported, including typos ("noNewPrivilege") and fields from newer spec
 * versions, which a fixed list would miss. The table must grow with the parser.
 *
 * Reference: runtime-spec config.md (platform-specific configuration).
 */
#include <algorithm>
#include <array>

#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime::spec_detail {

namespace {

/// An object in the config (`[]` marks "each element of this array") and its keys
/// that the parser reads. Objects whose keys are data (annotations, sysctl,
/// resources.unified) are not listed: every key of theirs is used.
struct Section {
  std::string_view pattern;
  std::vector<std::string_view> keys;
};

const std::vector<Section>& sections() {
  static const std::vector<Section> table = {
      {"", {"ociVersion", "root", "process", "hostname", "domainname", "mounts", "hooks", "linux", "annotations"}},
      {"root", {"path", "readonly"}},
      {"process",
       {"terminal", "user", "args", "env", "cwd", "capabilities", "rlimits", "noNewPrivileges", "oomScoreAdj"}},
      {"process.user", {"uid", "gid", "umask", "additionalGids"}},
      {"process.capabilities", {"bounding", "effective", "inheritable", "permitted", "ambient"}},
      {"mounts[]", {"destination", "type", "source", "options"}},
      {"hooks",
       {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"linux",
       {"namespaces", "uidMappings", "gidMappings", "resources", "cgroupsPath", "devices", "seccomp",
        "maskedPaths", "readonlyPaths", "rootfsPropagation", "sysctl"}},
      {"linux.resources", {"memory", "cpu", "pids", "devices", "unified"}},
      {"linux.resources.memory", {"limit", "reservation", "swap", "disableOOMKiller"}},
      {"linux.resources.cpu", {"shares", "quota", "period", "cpus", "mems"}},
      {"linux.resources.pids", {"limit"}},
      {"linux.seccomp", {"defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls"}},
      {"linux.seccomp.syscalls[]", {"names", "action", "errnoRet", "args"}},
  };
  return table;
}

const Section* find_section(std::string_view pattern) {
  for (const auto& s : sections())
    if (s.pattern == pattern) return &s;
  return nullptr;
}

void walk(const json& object, const std::string& pattern, const std::string& path, std::vector<std::string>& out) {
  const Section* section = find_section(pattern);
  if (section == nullptr || !object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (std::find(section->keys.begin(), section->keys.end(), key) == section->keys.end()) {
      out.push_back(join(path, key));
      continue;
    }
    const std::string child_pattern = join(pattern, key);
    if (value.is_object()) walk(value, child_pattern, join(path, key), out);
    if (value.is_array() && find_section(child_pattern + "[]") != nullptr)
      for (size_t i = 0; i < value.size(); ++i) walk(value[i], child_pattern + "[]", index(join(path, key), i), out);
  }
}

}  // namespace

std::vector<std::string> list_ignored_fields(const json& config) {
  std::vector<std::string> out;
  walk(config, "", "", out);
  return out;
}

}  // namespace minirun::runtime::spec_detail
