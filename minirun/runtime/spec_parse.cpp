/**
 * @file spec_parse.cpp
 * @brief config.json -> Spec: the top of the parser, and the checks that span sections.
 *
 * This is where a bundle becomes something the runtime can trust. The order:
 *  1. the file: read `<bundle>/config.json`, parse the JSON (a syntax error gives the
 *     line, column and byte, as nlohmann::json reports them);
 *  2. each section, by its own parser (spec_process.cpp, spec_mounts.cpp,
 *     spec_linux.cpp, ...), each naming the field it refuses;
 *  3. what no single section can see: a hostname needs a new UTS namespace (the spec:
 *     the runtime MUST error otherwise, since setting it would rename the host or
 *     whichever namespace was joined).
 *
 * `root.path` gets the most care, since everything else happens inside it. A relative
 * path is taken against the bundle, as the spec says, and must stay inside it after
 * lexical normalisation: "rootfs/../rootfs" is fine, "../../etc" is a config trying to
 * make the host's /etc a container's root. An absolute path is allowed (the spec allows
 * it, and `minirun run` points at an overlay mount elsewhere). Either way the directory
 * must exist now, so the error says `root.path` rather than a later pivot_root(2) EINVAL.
 *
 * The parser checks form and consistency, not the host: it does not ask whether the
 * kernel has time namespaces or whether cgroup v1 has a cpuset controller. Those are
 * the setup steps' questions, asked when they run.
 *
 * Reference: runtime-spec config.md, bundle.md. Lab: labs/03-namespaces.
 */
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "minirun/runtime/spec.hpp"
#include "minirun/runtime/spec_internal.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::runtime {

namespace {

using spec_detail::field_error;
using spec_detail::json;
using spec_detail::quote;

Result<std::string> parse_version(const json& config) {
  auto value = spec_detail::require(config, "ociVersion", "");
  if (!value) return std::move(value.error());
  auto version = spec_detail::get_string(**value, "ociVersion");
  if (!version) return version;
  if (version->rfind("1.", 0) != 0)
    return field_error("ociVersion", quote(*version) + " is not supported (minirun implements runtime-spec 1.x)");
  return version;
}

Result<Root> parse_root(const json& config, const std::string& bundle) {
  auto value = spec_detail::require(config, "root", "");
  if (!value) return std::move(value.error());
  if (auto r = spec_detail::expect_object(**value, "root"); !r) return std::move(r.error());
  auto path_json = spec_detail::require(**value, "path", "root");
  if (!path_json) return std::move(path_json.error());
  auto path = spec_detail::get_string(**path_json, "root.path");
  if (!path) return std::move(path.error());
  if (path->empty()) return field_error("root.path", "must not be empty");

  Root root;
  if (path->front() == '/') {
    root.path = spec_detail::clean_path(*path);
  } else {
    const std::string inside = spec_detail::clean_path(*path);  // "rootfs/../.." -> ".."
    if (inside == ".." || inside.rfind("../", 0) == 0)
      return field_error("root.path", quote(*path) + " climbs out of the bundle " + bundle);
    root.path = spec_detail::clean_path(bundle + "/" + inside);
  }
  struct stat st{};
  if (::stat(root.path.c_str(), &st) != 0) {
    const int saved = errno;
    return field_error("root.path", root.path + ": " + (saved == ENOENT ? "no such directory" : std::strerror(saved)));
  }
  if (!S_ISDIR(st.st_mode)) return field_error("root.path", root.path + ": not a directory");
  if (auto r = spec_detail::read(**value, "readonly", "root", root.readonly); !r) return std::move(r.error());
  return root;
}

/// The spec: "If hostname is set but the container has no new UTS namespace, the
/// runtime MUST generate an error" (same for domainname).
Result<void> check_uts_namespace(const Spec& spec) {
  const Namespace* uts = spec.linux.find_namespace(NamespaceType::uts);
  const bool new_uts = uts != nullptr && uts->path.empty();
  for (auto [key, value] : {std::pair{"hostname", &spec.hostname}, std::pair{"domainname", &spec.domainname}})
    if (!value->empty() && !new_uts)
      return field_error(key, std::string("setting it needs a new UTS namespace: add {\"type\": \"uts\"} (without "
                                          "a path) to linux.namespaces"));
  return sys::ok();
}

Result<Spec> parse_spec_unguarded(const json& config, const std::string& bundle, bool with_seccomp) {
  if (bundle.empty() || bundle.front() != '/') return Error("bundle " + quote(bundle) + ": must be an absolute path");
  if (!config.is_object()) return Error(std::string("the config must be a JSON object, got ") + config.type_name());
  Spec spec;
  spec.bundle = spec_detail::clean_path(bundle);

  auto version = parse_version(config);
  if (!version) return std::move(version.error());
  spec.oci_version = std::move(*version);
  auto root = parse_root(config, spec.bundle);
  if (!root) return std::move(root.error());
  spec.root = std::move(*root);

  // Optional in the spec (a bundle may be created and only later given a process),
  // but create and run have nothing to start without one.
  auto process_json = spec_detail::require(config, "process", "");
  if (!process_json) return std::move(process_json.error());
  auto process = spec_detail::parse_process_object(**process_json, "process");
  if (!process) return std::move(process.error());
  spec.process = std::move(*process);

  if (auto r = spec_detail::read(config, "hostname", "", spec.hostname); !r) return std::move(r.error());
  if (auto r = spec_detail::read(config, "domainname", "", spec.domainname); !r) return std::move(r.error());
  if (const json* mounts = spec_detail::member(config, "mounts")) {
    auto parsed = spec_detail::parse_mounts(*mounts, "mounts", spec.bundle);
    if (!parsed) return std::move(parsed.error());
    spec.mounts = std::move(*parsed);
  }
  if (const json* hooks = spec_detail::member(config, "hooks")) {
    auto parsed = spec_detail::parse_hooks(*hooks, "hooks");
    if (!parsed) return std::move(parsed.error());
    spec.hooks = std::move(*parsed);
  }
  if (const json* linux_json = spec_detail::member(config, "linux")) {
    auto parsed = spec_detail::parse_linux(*linux_json, "linux", with_seccomp);
    if (!parsed) return std::move(parsed.error());
    spec.linux = std::move(*parsed);
  }
  if (auto r = spec_detail::read(config, "annotations", "", spec.annotations); !r) return std::move(r.error());

  if (auto r = check_uts_namespace(spec); !r) return std::move(r.error());
  spec.ignored = spec_detail::list_ignored_fields(config);
  return spec;
}

}  // namespace

Result<Spec> parse_spec(const nlohmann::json& config, const std::string& bundle, bool with_seccomp) {
  // The readers check types before converting, so nothing below should throw; this is
  // the backstop that keeps the promise "no exception crosses the API" if one does
  // (std::bad_alloc, or a nlohmann::json exception from a case the readers missed).
  try {
    return parse_spec_unguarded(config, bundle, with_seccomp);
  } catch (const std::exception& e) {
    return Error(std::string("config: ") + e.what());
  }
}

Result<Spec> load_spec(const std::string& bundle) {
  std::error_code ec;
  std::string dir = std::filesystem::absolute(bundle, ec).string();
  if (ec) return Error("bundle " + quote(bundle) + ": " + ec.message());
  dir = spec_detail::clean_path(dir);
  const std::string file = dir + "/config.json";

  auto text = sys::read_file(file);
  if (!text) return std::move(text.error()).context("load OCI config");
  json config;
  try {
    config = json::parse(*text);
  } catch (const json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5:
    // ..."; the bracketed id means nothing to a learner, the line and byte do.
    std::string message = e.what();
    if (auto end = message.find("] "); message.front() == '[' && end != std::string::npos) message.erase(0, end + 2);
    return Error(file + ": invalid JSON: " + message + " (byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception& e) {
    return Error(file + ": invalid JSON: " + e.what());
  }
  auto spec = parse_spec(config, dir);
  if (!spec) return std::move(spec.error()).context(file);
  return spec;
}

}  // namespace minirun::runtime
