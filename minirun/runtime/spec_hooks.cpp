/**
 * @file spec_hooks.cpp
 * @brief `hooks`: programs the runtime runs at points of the container's life.
 *
 * A hook is how tools plug into a runtime without patching it: a network plugin
 * configures the container's netns in createRuntime, a GPU plugin adds device nodes in
 * createContainer, a logger notes poststop. Each hook is a path, argv, environment and
 * an optional timeout in seconds; it gets the container's state JSON on stdin.
 *
 * The path must be absolute: hooks run from the runtime's namespace with no PATH
 * search, and a relative path would depend on whichever directory the runtime happened
 * to start in. A timeout, when given, must be > 0 (the spec: "timeout ... MUST be
 * greater than zero"); without one the runtime waits for the hook as long as it takes.
 *
 * Man pages: execve(2). Reference: runtime-spec config.md "POSIX-platform Hooks",
 * runtime.md "Lifecycle". Lab: labs/03-namespaces (the lifecycle).
 */
#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime::spec_detail {

namespace {

Result<Hook> parse_hook(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Hook hook;
  auto path = require(value, "path", where);
  if (!path) return std::move(path.error());
  auto text = get_string(**path, join(where, "path"));
  if (!text) return std::move(text.error());
  if (text->empty() || text->front() != '/')
    return field_error(join(where, "path"), quote(*text) + " must be an absolute path");
  hook.path = std::move(*text);
  if (auto r = read(value, "args", where, hook.args); !r) return std::move(r.error());
  if (auto r = read(value, "env", where, hook.env); !r) return std::move(r.error());
  for (size_t i = 0; i < hook.env.size(); ++i)
    if (hook.env[i].find('=') == std::string::npos || hook.env[i].front() == '=')
      return field_error(index(join(where, "env"), i), quote(hook.env[i]) + " is not of the form KEY=value");
  if (auto r = read_integer(value, "timeout", where, hook.timeout, 1); !r) return std::move(r.error());
  return hook;
}

}  // namespace

Result<Hooks> parse_hooks(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Hooks hooks;
  for (auto [key, list] : {std::pair{"prestart", &hooks.prestart}, std::pair{"createRuntime", &hooks.create_runtime},
                           std::pair{"createContainer", &hooks.create_container},
                           std::pair{"startContainer", &hooks.start_container},
                           std::pair{"poststart", &hooks.poststart}, std::pair{"poststop", &hooks.poststop}}) {
    const json* entries = member(value, key);
    if (entries == nullptr) continue;
    const std::string at = join(where, key);
    if (auto r = expect_array(*entries, at); !r) return std::move(r.error());
    for (size_t i = 0; i < entries->size(); ++i) {
      auto hook = parse_hook((*entries)[i], index(at, i));
      if (!hook) return std::move(hook.error());
      list->push_back(std::move(*hook));
    }
  }
  return hooks;
}

}  // namespace minirun::runtime::spec_detail
