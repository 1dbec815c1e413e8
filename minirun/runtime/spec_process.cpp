/**
 * @file spec_process.cpp
 * @brief `process`: the program, its user, environment, capabilities and rlimits.
 *
 * The same object appears twice in the runtime's life: in config.json for the
 * container's first process, and alone in the file given to `exec --process FILE` for
 * a second one joining it. Both go through parse_process_object, so both are held to
 * the same rules:
 *  - `args` is a non-empty array of strings (there is no shell to split a command line);
 *  - `cwd` is absolute: it is resolved inside the container after pivot_root, where a
 *    relative path would silently mean "relative to /";
 *  - every `env` entry is KEY=value (execve(2) passes whatever it gets, and a bare
 *    "FOO" would confuse getenv(3) in the container);
 *  - capabilities are names this kernel knows (capability_names.cpp) and rlimits are
 *    names <sys/resource.h> knows (rlimits.cpp), each listed once, soft <= hard,
 *    because setrlimit(2) would refuse the rest with a bare EINVAL inside the container;
 *  - oomScoreAdj is in [-1000, 1000], the range of /proc/PID/oom_score_adj (proc(5)).
 *
 * Accepted and ignored (the kit has no LSM support): apparmorProfile, selinuxLabel;
 * also consoleSize, ioPriority, scheduler, execCPUAffinity, user.username.
 *
 * Man pages: execve(2), credentials(7), capabilities(7), setrlimit(2), umask(2),
 * proc(5). Reference: runtime-spec config.md "Process". Lab: labs/05-capabilities-seccomp.
 */
#include <algorithm>

#include "minirun/runtime/capabilities.hpp"
#include "minirun/runtime/rlimits.hpp"
#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime {
namespace spec_detail {

namespace {

Result<User> parse_user(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  User user;
  if (auto r = read_integer(value, "uid", where, user.uid); !r) return std::move(r.error());
  if (auto r = read_integer(value, "gid", where, user.gid); !r) return std::move(r.error());
  if (auto r = read_integer<mode_t>(value, "umask", where, user.umask, 0, 0777); !r) return std::move(r.error());
  if (const json* gids = member(value, "additionalGids")) {
    const std::string at = join(where, "additionalGids");
    if (auto r = expect_array(*gids, at); !r) return std::move(r.error());
    for (size_t i = 0; i < gids->size(); ++i) {
      auto gid = get_integer<gid_t>((*gids)[i], index(at, i));
      if (!gid) return std::move(gid.error());
      user.additional_gids.push_back(*gid);
    }
  }
  return user;
}

Result<std::vector<std::string>> parse_args(const json& process, const std::string& where) {
  const std::string at = join(where, "args");
  const json* value = member(process, "args");
  if (value == nullptr) return field_error(at, "must be a non-empty array of strings (missing)");
  if (!value->is_array())
    return field_error(at, std::string("must be a non-empty array of strings, got ") + value->type_name());
  if (value->empty()) return field_error(at, "must be a non-empty array of strings");
  auto args = get_string_array(*value, at);
  if (!args) return args;
  if (args->front().empty()) return field_error(index(at, 0), "the program to run must not be empty");
  return args;
}

Result<std::vector<int>> parse_capability_set(const json& value, const std::string& where) {
  auto names = get_string_array(value, where);
  if (!names) return std::move(names.error());
  std::vector<int> caps;
  for (size_t i = 0; i < names->size(); ++i) {
    auto cap = capability_from_name((*names)[i]);
    if (!cap) return field_error(index(where, i), cap.error().message());
    caps.push_back(*cap);
  }
  return caps;
}

Result<Capabilities> parse_capabilities(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Capabilities caps;
  for (auto [key, set] : {std::pair{"bounding", &caps.bounding}, std::pair{"effective", &caps.effective},
                          std::pair{"inheritable", &caps.inheritable}, std::pair{"permitted", &caps.permitted},
                          std::pair{"ambient", &caps.ambient}}) {
    const json* names = member(value, key);
    if (names == nullptr) continue;
    auto parsed = parse_capability_set(*names, join(where, key));
    if (!parsed) return std::move(parsed.error());
    *set = std::move(*parsed);
  }
  return caps;
}

Result<std::vector<Rlimit>> parse_rlimits(const json& value, const std::string& where) {
  if (auto r = expect_array(value, where); !r) return std::move(r.error());
  std::vector<Rlimit> out;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string at = index(where, i);
    if (auto r = expect_object(value[i], at); !r) return std::move(r.error());
    Rlimit limit;
    auto type = require(value[i], "type", at);
    if (!type) return std::move(type.error());
    auto name = get_string(**type, join(at, "type"));
    if (!name) return std::move(name.error());
    auto resource = rlimit_from_name(*name);
    if (!resource) return field_error(join(at, "type"), resource.error().message());
    limit.resource = *resource;
    limit.name = *name;
    for (auto [key, field] : {std::pair{"soft", &limit.soft}, std::pair{"hard", &limit.hard}}) {
      auto v = require(value[i], key, at);
      if (!v) return std::move(v.error());
      auto n = get_integer<uint64_t>(**v, join(at, key));
      if (!n) return std::move(n.error());
      *field = *n;
    }
    if (limit.soft > limit.hard)
      return field_error(at, "soft limit " + std::to_string(limit.soft) + " is above hard limit " +
                                 std::to_string(limit.hard));
    // The spec: "If rlimits contains duplicated entries with same type, the runtime
    // MUST generate an error" (which one would win is otherwise a guess).
    if (std::any_of(out.begin(), out.end(), [&](const Rlimit& r) { return r.resource == limit.resource; }))
      return field_error(join(at, "type"), quote(*name) + " is listed twice");
    out.push_back(std::move(limit));
  }
  return out;
}

}  // namespace

Result<Process> parse_process_object(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Process p;
  if (auto r = read(value, "terminal", where, p.terminal); !r) return std::move(r.error());
  if (const json* user = member(value, "user")) {
    auto parsed = parse_user(*user, join(where, "user"));
    if (!parsed) return std::move(parsed.error());
    p.user = std::move(*parsed);
  }
  auto args = parse_args(value, where);
  if (!args) return std::move(args.error());
  p.args = std::move(*args);

  if (auto r = read(value, "env", where, p.env); !r) return std::move(r.error());
  for (size_t i = 0; i < p.env.size(); ++i) {
    const auto eq = p.env[i].find('=');
    if (eq == std::string::npos || eq == 0)
      return field_error(index(join(where, "env"), i), quote(p.env[i]) + " is not of the form KEY=value");
  }

  auto cwd = require(value, "cwd", where);
  if (!cwd) return std::move(cwd.error());
  auto cwd_text = get_string(**cwd, join(where, "cwd"));
  if (!cwd_text) return std::move(cwd_text.error());
  if (cwd_text->empty() || cwd_text->front() != '/')
    return field_error(join(where, "cwd"), quote(*cwd_text) + " must be an absolute path");
  p.cwd = clean_path(*cwd_text);

  if (const json* caps = member(value, "capabilities")) {
    auto parsed = parse_capabilities(*caps, join(where, "capabilities"));
    if (!parsed) return std::move(parsed.error());
    p.capabilities = std::move(*parsed);
  }
  if (const json* rlimits = member(value, "rlimits")) {
    auto parsed = parse_rlimits(*rlimits, join(where, "rlimits"));
    if (!parsed) return std::move(parsed.error());
    p.rlimits = std::move(*parsed);
  }
  if (auto r = read(value, "noNewPrivileges", where, p.no_new_privileges); !r) return std::move(r.error());
  if (auto r = read_integer(value, "oomScoreAdj", where, p.oom_score_adj, -1000, 1000); !r)
    return std::move(r.error());
  return p;
}

}  // namespace spec_detail

Result<Process> parse_process(const nlohmann::json& process, const std::string& where) {
  // `where` names the document (usually the --process file); fields inside are named
  // from the process object down: "/tmp/p.json: args: must be a non-empty array ...".
  auto parsed = spec_detail::parse_process_object(process, "");
  if (!parsed && !where.empty()) return std::move(parsed.error()).context(where);
  return parsed;
}

}  // namespace minirun::runtime
