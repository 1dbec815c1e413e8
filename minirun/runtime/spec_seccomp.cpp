/**
 * @file spec_seccomp.cpp
 * @brief `linux.seccomp`: the syscall filter's description, checked for form only.
 *
 * A seccomp profile is a default action plus rules "for these syscalls (maybe only
 * when argument 1 equals 42), do this instead". This file checks that the profile is
 * well formed: known action and comparison names (libseccomp's, which the OCI spec
 * borrows), argument indexes 0..5 (a syscall has at most six arguments, seccomp(2)),
 * non-empty name lists. It deliberately does not ask libseccomp whether each syscall or
 * architecture name exists: that depends on the libseccomp version and the machine, and
 * seccomp.cpp, which builds the filter, is the place to decide what an unknown syscall
 * name means (Docker's profile lists syscalls that older kernels lack, and runc skips
 * them rather than failing).
 *
 * Accepted and ignored: listenerPath, listenerMetadata (SCMP_ACT_NOTIFY has no agent
 * to talk to in the kit).
 *
 * Man pages: seccomp(2), seccomp_rule_add(3). Reference: runtime-spec config-linux.md
 * "Seccomp". Lab: labs/05-capabilities-seccomp.
 */
#include <algorithm>
#include <array>

#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime::spec_detail {

namespace {

constexpr std::array<std::string_view, 9> kActions = {
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
};

constexpr std::array<std::string_view, 7> kOperators = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

template <size_t N>
Result<std::string> get_one_of(const json& object, std::string_view key, const std::string& where,
                               const std::array<std::string_view, N>& names, std::string_view what) {
  auto value = require(object, key, where);
  if (!value) return std::move(value.error());
  auto text = get_string(**value, join(where, key));
  if (!text) return text;
  if (std::find(names.begin(), names.end(), *text) == names.end()) {
    std::string expected;
    for (auto name : names) expected += (expected.empty() ? "" : ", ") + std::string(name);
    return field_error(join(where, key), "unknown " + std::string(what) + " " + quote(*text) +
                                             " (expected one of " + expected + ")");
  }
  return text;
}

Result<SeccompArg> parse_arg(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  SeccompArg arg;
  auto index_json = require(value, "index", where);
  if (!index_json) return std::move(index_json.error());
  auto arg_index = get_integer<unsigned>(**index_json, join(where, "index"), 0, 5);
  if (!arg_index) return std::move(arg_index.error());
  arg.index = *arg_index;
  auto value_json = require(value, "value", where);
  if (!value_json) return std::move(value_json.error());
  auto number = get_integer<uint64_t>(**value_json, join(where, "value"));
  if (!number) return std::move(number.error());
  arg.value = *number;
  if (auto r = read_integer(value, "valueTwo", where, arg.value_two); !r) return std::move(r.error());
  auto op = get_one_of(value, "op", where, kOperators, "seccomp operator");
  if (!op) return std::move(op.error());
  arg.op = std::move(*op);
  return arg;
}

Result<SeccompSyscall> parse_rule(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  SeccompSyscall rule;
  auto names = require(value, "names", where);
  if (!names) return std::move(names.error());
  auto list = get_string_array(**names, join(where, "names"));
  if (!list) return std::move(list.error());
  if (list->empty()) return field_error(join(where, "names"), "must list at least one syscall");
  for (size_t i = 0; i < list->size(); ++i)
    if ((*list)[i].empty()) return field_error(index(join(where, "names"), i), "must not be empty");
  rule.names = std::move(*list);
  auto action = get_one_of(value, "action", where, kActions, "seccomp action");
  if (!action) return std::move(action.error());
  rule.action = std::move(*action);
  if (auto r = read_integer(value, "errnoRet", where, rule.errno_ret); !r) return std::move(r.error());
  if (const json* args = member(value, "args")) {
    const std::string at = join(where, "args");
    if (auto r = expect_array(*args, at); !r) return std::move(r.error());
    for (size_t i = 0; i < args->size(); ++i) {
      auto arg = parse_arg((*args)[i], index(at, i));
      if (!arg) return std::move(arg.error());
      rule.args.push_back(std::move(*arg));
    }
  }
  return rule;
}

}  // namespace

Result<Seccomp> parse_seccomp(const json& value, const std::string& where) {
  if (auto r = expect_object(value, where); !r) return std::move(r.error());
  Seccomp out;
  auto action = get_one_of(value, "defaultAction", where, kActions, "seccomp action");
  if (!action) return std::move(action.error());
  out.default_action = std::move(*action);
  if (auto r = read_integer(value, "defaultErrnoRet", where, out.default_errno_ret); !r)
    return std::move(r.error());
  if (auto r = read(value, "architectures", where, out.architectures); !r) return std::move(r.error());
  if (auto r = read(value, "flags", where, out.flags); !r) return std::move(r.error());
  if (const json* syscalls = member(value, "syscalls")) {
    const std::string at = join(where, "syscalls");
    if (auto r = expect_array(*syscalls, at); !r) return std::move(r.error());
    for (size_t i = 0; i < syscalls->size(); ++i) {
      auto rule = parse_rule((*syscalls)[i], index(at, i));
      if (!rule) return std::move(rule.error());
      out.syscalls.push_back(std::move(*rule));
    }
  }
  out.canonical = value.dump();
  return out;
}

}  // namespace minirun::runtime::spec_detail
