/**
 * @file seccomp_profile.cpp
 * @brief Docker-format seccomp profiles to OCI `linux.seccomp`: pick the host's
 * architectures, keep the rules whose conditions hold, and let the runtime's own
 * parser judge the result.
 *
 * The conversion follows moby's profiles/seccomp/seccomp_linux.go step by step (see
 * the header for the format and where the kit is stricter). Two choices of this file:
 *  - every rule is checked, also the ones that do not apply here. A profile with a bad
 *    rule for s390 or for CAP_SYS_ADMIN is a bad profile, and it should fail on the
 *    learner's laptop, not later on the machine or with the capability it was meant for;
 *  - the rules are checked by the runtime's parser of `linux.seccomp`
 *    (spec_detail::parse_seccomp), on the converted rules in their original order, so
 *    `syscalls[3]` in a message is the profile's fourth rule. One parser means one
 *    list of valid actions and operators, and a profile accepted here is one the
 *    runtime accepts. (spec_internal.hpp is the config parser's private toolbox; the
 *    engine borrows its seccomp part and its field readers rather than keep a second
 *    copy of the same checks.)
 *
 * Left out: checking architecture names (the runtime's SeccompFilter::compile() asks
 * libseccomp, when the container is created) and the spelling of `arches` values, which
 * Docker does not check either (an unknown name simply never matches).
 *
 * Man pages: uname(2), seccomp(2). Lab: labs/05-capabilities-seccomp.
 */
#include "minirun/engine/seccomp_profile.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <optional>
#include <string_view>

#include "minirun/runtime/spec_internal.hpp"
#include "minirun/sys/file.hpp"

// The bytes of profiles/seccomp-default.json, compiled in by cmake/embed.cmake (which
// writes them into this namespace).
namespace minirun::runtime {
extern const unsigned char kDockerSeccompProfileJson[];
extern const std::size_t kDockerSeccompProfileJson_size;
}  // namespace minirun::runtime

namespace minirun::engine {
namespace {

using nlohmann::json;
namespace field = runtime::spec_detail;

constexpr const char* kDefaultSource = "built-in profiles/seccomp-default.json";

/// A kernel version as Docker compares them: "5.10.3" -> {5, 10, 3}; the rest of a
/// release string ("-generic", "-fc-v782") does not count.
struct KernelVersion {
  int kernel = 0;
  int major = 0;
  int minor = 0;
  auto operator<=>(const KernelVersion&) const = default;
};

/// The facts about this machine that a Docker profile's conditions ask about.
struct Host {
  std::string arch;          ///< Docker's name: "amd64", "arm64", ...; "" when unknown
  std::string seccomp_arch;  ///< libseccomp's: "SCMP_ARCH_X86_64"; "" when unknown
  KernelVersion kernel;
};

/// Reads "N", returning the position after it, or nullopt when no digit is there.
std::optional<int> read_number(std::string_view text, size_t& pos) {
  size_t start = pos;
  int value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) && pos - start < 6)
    value = value * 10 + (text[pos++] - '0');
  if (pos == start) return std::nullopt;
  return value;
}

/// "4.8" or "5.10.3" exactly (what a profile's minKernel holds).
std::optional<KernelVersion> parse_min_kernel(std::string_view text) {
  KernelVersion v;
  size_t pos = 0;
  auto kernel = read_number(text, pos);
  if (!kernel || pos >= text.size() || text[pos++] != '.') return std::nullopt;
  auto major = read_number(text, pos);
  if (!major) return std::nullopt;
  v.kernel = *kernel;
  v.major = *major;
  if (pos < text.size()) {
    if (text[pos++] != '.') return std::nullopt;
    auto minor = read_number(text, pos);
    if (!minor || pos != text.size()) return std::nullopt;
    v.minor = *minor;
  }
  return v;
}

/// uname's release, "6.1.0-18-amd64" -> {6, 1, 0}: the leading numbers only.
KernelVersion parse_release(std::string_view release) {
  KernelVersion v;
  size_t pos = 0;
  int* parts[] = {&v.kernel, &v.major, &v.minor};
  for (int* part : parts) {
    auto n = read_number(release, pos);
    if (!n) break;
    *part = *n;
    if (pos >= release.size() || release[pos] != '.') break;
    ++pos;
  }
  return v;
}

/// uname(2)'s machine in Docker's vocabulary (Go's GOARCH) and libseccomp's.
Result<Host> describe_host() {
  struct utsname uts{};
  if (::uname(&uts) != 0) return sys::Error::from_errno("uname");
  const std::string_view machine = uts.machine;
  Host host;
  host.kernel = parse_release(uts.release);
  struct Arch {
    std::string_view machine, docker, seccomp;
  };
  constexpr Arch kArches[] = {
      {"x86_64", "amd64", "SCMP_ARCH_X86_64"},    {"i386", "x86", "SCMP_ARCH_X86"},
      {"i486", "x86", "SCMP_ARCH_X86"},           {"i586", "x86", "SCMP_ARCH_X86"},
      {"i686", "x86", "SCMP_ARCH_X86"},           {"aarch64", "arm64", "SCMP_ARCH_AARCH64"},
      {"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"}, {"ppc64", "ppc64", "SCMP_ARCH_PPC64"},
      {"s390x", "s390x", "SCMP_ARCH_S390X"},      {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
  };
  for (const Arch& a : kArches)
    if (machine == a.machine) {
      host.arch = a.docker;
      host.seccomp_arch = a.seccomp;
    }
  if (host.arch.empty() && machine.rfind("armv", 0) == 0) {  // armv6l, armv7l, armv8l
    host.arch = "arm";
    host.seccomp_arch = "SCMP_ARCH_ARM";
  }
  return host;  // an unknown machine: no archMap entry and no `arches` match, as in Docker
}

/// One `includes` or `excludes` object.
struct Conditions {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::optional<KernelVersion> min_kernel;
};

/// "CAP_" and upper-case letters, digits, '_': Docker's `--cap-add SYS_ADMIN` drops the
/// prefix, a profile must not (it compares strings, and "SYS_ADMIN" would never match).
bool is_capability_spelling(std::string_view name) {
  if (name.size() <= 4 || name.substr(0, 4) != "CAP_") return false;
  return std::all_of(name.begin() + 4, name.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

/// Reads `rule.key` ("includes" or "excludes"); absent means "no condition".
Result<Conditions> parse_conditions(const json& rule, std::string_view key, const std::string& where) {
  Conditions out;
  const json* value = field::member(rule, key);
  if (value == nullptr) return out;
  const std::string at = field::join(where, key);
  if (auto r = field::expect_object(*value, at); !r) return std::move(r.error());
  for (auto it = value->begin(); it != value->end(); ++it)
    if (it.key() != "caps" && it.key() != "arches" && it.key() != "minKernel")
      return field::field_error(field::join(at, it.key()), "unknown condition (expected caps, arches or minKernel)");
  if (auto r = field::read(*value, "caps", at, out.caps); !r) return std::move(r.error());
  for (size_t i = 0; i < out.caps.size(); ++i)
    if (!is_capability_spelling(out.caps[i]))
      return field::field_error(field::index(field::join(at, "caps"), i),
                                field::quote(out.caps[i]) + " is not a capability name (spelled like CAP_SYS_ADMIN)");
  if (auto r = field::read(*value, "arches", at, out.arches); !r) return std::move(r.error());
  std::string min_kernel;
  if (auto r = field::read(*value, "minKernel", at, min_kernel); !r) return std::move(r.error());
  if (field::member(*value, "minKernel") != nullptr) {
    out.min_kernel = parse_min_kernel(min_kernel);
    if (!out.min_kernel)
      return field::field_error(field::join(at, "minKernel"),
                                field::quote(min_kernel) + " is not a kernel version (expected one like \"5.8\")");
  }
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

/// Docker's test: every `includes` condition holds and no `excludes` condition does.
bool rule_applies(const Conditions& includes, const Conditions& excludes, const Host& host,
                  const std::vector<std::string>& capabilities) {
  if (contains(excludes.arches, host.arch)) return false;
  for (const std::string& cap : excludes.caps)
    if (contains(capabilities, cap)) return false;
  if (excludes.min_kernel && host.kernel >= *excludes.min_kernel) return false;

  if (!includes.arches.empty() && !contains(includes.arches, host.arch)) return false;
  for (const std::string& cap : includes.caps)
    if (!contains(capabilities, cap)) return false;
  if (includes.min_kernel && host.kernel < *includes.min_kernel) return false;
  return true;
}

/// The OCI part of a rule: `names` (or the old single `name`), `action`, `errnoRet`,
/// `args`, copied as they are; parse_seccomp() judges them afterwards.
Result<json> to_oci_rule(const json& rule, const std::string& where) {
  if (auto r = field::expect_object(rule, where); !r) return std::move(r.error());
  json out = json::object();
  const json* names = field::member(rule, "names");
  const json* name = field::member(rule, "name");
  if (name != nullptr && names != nullptr)
    return field::field_error(where, "has both `name` and `names`; use `names`");
  if (name != nullptr) {
    auto single = field::get_string(*name, field::join(where, "name"));
    if (!single) return std::move(single.error());
    out["names"] = json::array({*single});
  }
  for (const char* key : {"names", "action", "errnoRet", "args"})
    if (const json* value = field::member(rule, key)) out[key] = *value;
  return out;
}

/// `architectures` as given, or from `archMap` the host's entry and its companions.
Result<std::optional<json>> choose_architectures(const json& profile, const Host& host) {
  const json* architectures = field::member(profile, "architectures");
  const json* arch_map = field::member(profile, "archMap");
  if (arch_map != nullptr) {
    if (auto r = field::expect_array(*arch_map, "archMap"); !r) return std::move(r.error());
  }
  if (arch_map == nullptr || arch_map->empty()) {
    if (architectures == nullptr) return std::optional<json>{};
    return std::optional<json>{*architectures};
  }
  if (architectures != nullptr && !architectures->empty())
    return field::field_error("archMap", "the profile has both `architectures` and `archMap`; use one of them");
  std::optional<json> chosen;
  for (size_t i = 0; i < arch_map->size(); ++i) {
    const std::string at = field::index("archMap", i);
    const json& entry = (*arch_map)[i];
    if (auto r = field::expect_object(entry, at); !r) return std::move(r.error());
    auto arch_json = field::require(entry, "architecture", at);
    if (!arch_json) return std::move(arch_json.error());
    auto arch = field::get_string(**arch_json, field::join(at, "architecture"));
    if (!arch) return std::move(arch.error());
    std::vector<std::string> companions;
    if (auto r = field::read(entry, "subArchitectures", at, companions); !r) return std::move(r.error());
    if (*arch != host.seccomp_arch || chosen) continue;  // Docker takes the first match
    json list = json::array({*arch});
    for (const std::string& c : companions) list.push_back(c);
    chosen = std::move(list);
  }
  return chosen;  // none: no `architectures`, libseccomp then uses the native one
}

/// The conversion itself, errors without the profile's name (the caller adds it). With
/// `check_every_rule`, also the rules that do not apply here are checked (see the top).
Result<json> convert_profile(const json& profile, const std::vector<std::string>& capabilities,
                             bool check_every_rule) {
  if (!profile.is_object())
    return sys::Error(std::string("must be a JSON object, got ") + profile.type_name());
  if (field::member(profile, "defaultAction") == nullptr && field::member(profile, "syscalls") == nullptr)
    return sys::Error(
        "has neither `defaultAction` nor `syscalls` (Docker would run without a filter; "
        "say --security-opt seccomp=unconfined if that is what you want)");
  auto host = describe_host();
  if (!host) return std::move(host.error());

  // Top-level fields the OCI form shares with Docker's pass through as they are.
  json kept = json::object();
  for (const char* key : {"defaultAction", "defaultErrnoRet", "flags", "listenerPath", "listenerMetadata"})
    if (const json* value = field::member(profile, key)) kept[key] = *value;
  auto architectures = choose_architectures(profile, *host);
  if (!architectures) return std::move(architectures.error());
  if (*architectures) kept["architectures"] = std::move(**architectures);

  json every_rule = kept;  // all rules, converted, for the parser to check in order
  if (const json* syscalls = field::member(profile, "syscalls")) {
    if (auto r = field::expect_array(*syscalls, "syscalls"); !r) return std::move(r.error());
    every_rule["syscalls"] = json::array();
    kept["syscalls"] = json::array();
    for (size_t i = 0; i < syscalls->size(); ++i) {
      const std::string at = field::index("syscalls", i);
      auto rule = to_oci_rule((*syscalls)[i], at);
      if (!rule) return std::move(rule.error());
      auto includes = parse_conditions((*syscalls)[i], "includes", at);
      if (!includes) return std::move(includes.error());
      auto excludes = parse_conditions((*syscalls)[i], "excludes", at);
      if (!excludes) return std::move(excludes.error());
      if (!check_every_rule) {
        if (rule_applies(*includes, *excludes, *host, capabilities)) kept["syscalls"].push_back(std::move(*rule));
        continue;
      }
      if (rule_applies(*includes, *excludes, *host, capabilities)) kept["syscalls"].push_back(*rule);
      every_rule["syscalls"].push_back(std::move(*rule));
    }
  }
  // The kept rules are a subset of these, with the same top level: valid if these are.
  if (!check_every_rule) return kept;
  if (auto parsed = field::parse_seccomp(every_rule, ""); !parsed) return std::move(parsed.error());
  return kept;
}

std::string profile_context(const std::string& source) { return "seccomp profile `" + source + "`"; }

}  // namespace

const std::string& docker_seccomp_profile_text() {
  static const std::string text(reinterpret_cast<const char*>(runtime::kDockerSeccompProfileJson),
                                runtime::kDockerSeccompProfileJson_size);
  return text;
}

Result<json> seccomp_from_docker_profile(const json& profile, const std::vector<std::string>& capabilities,
                                         const std::string& source) {
  auto converted = convert_profile(profile, capabilities, /*check_every_rule=*/true);
  if (!converted) return std::move(converted.error()).context(profile_context(source));
  return converted;
}

Result<json> load_seccomp_profile(const std::string& path, const std::vector<std::string>& capabilities) {
  auto text = sys::read_file(path);
  if (!text) {
    if (text.error().code() == ENOENT)
      return sys::Error(profile_context(path) +
                        ": no such file (fix the path, or use --security-opt seccomp=unconfined to run "
                        "without a filter)");
    return std::move(text.error()).context("seccomp profile");
  }
  json profile;
  try {
    profile = json::parse(*text);
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    std::string message = e.what();
    if (auto end = message.find("] "); message.rfind("[json.exception", 0) == 0 && end != std::string::npos)
      message.erase(0, end + 2);
    return sys::Error(profile_context(path) + ": not valid JSON: " + message);
  }
  return seccomp_from_docker_profile(profile, capabilities, path);
}

Result<json> default_seccomp_for(const std::vector<std::string>& capabilities) {
  // Parsed once: the text is part of the binary and cannot change.
  static const json profile = json::parse(docker_seccomp_profile_text(), nullptr, /*allow_exceptions=*/false);
  if (profile.is_discarded())
    return sys::Error(profile_context(kDefaultSource) + ": not valid JSON (the build embedded a broken file)");
  // The built-in file is part of the binary: its check of every rule is a unit test
  // (SeccompProfile.TheBuiltInProfilePassesTheFullCheck) rather than ~0.1 ms of every
  // container start. The rules kept are still checked, by the runtime, at create.
  auto converted = convert_profile(profile, capabilities, /*check_every_rule=*/false);
  if (!converted) return std::move(converted.error()).context(profile_context(kDefaultSource));
  return converted;
}

}  // namespace minirun::engine
