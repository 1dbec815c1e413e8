/**
 * @file spec_internal.hpp
 * @brief The config.json parser's private toolbox: typed JSON readers that name the
 * field, and the parse functions of each part of the spec.
 *
 * A malformed config should fail with one line that points at the culprit, in the
 * path syntax a learner would type into `jq`:
 *
 *     linux.namespaces[2].type: unknown namespace type "pidd" (expected one of ...)
 *     process.user.uid: must be an integer, got string
 *
 * So every reader here takes `where`, the JSON path of the value it reads, and builds
 * its error from it; nothing above has to add context. nlohmann::json would throw
 * `type_error` on a wrong `get<>()`; these readers check the type first, so no
 * exception ever leaves the parser (the kit never throws across its API).
 *
 * A JSON `null` counts as absent: Go's encoding/json writes nil slices as `null`, and
 * configs written by Go tools (Docker, containerd, podman) are full of them.
 *
 * The parser is split by concept, one file per part of the spec (process, mounts,
 * namespaces, resources, seccomp, hooks, the rest of `linux`); spec_parse.cpp ties them
 * together and checks what spans parts (a hostname needs its own UTS namespace).
 * Outside spec_*.cpp, one file includes this header: the engine's
 * seccomp_profile.cpp, which reads Docker's seccomp profile format with the same field
 * readers and checks each converted rule with parse_seccomp(), so that both formats
 * fail with the same messages and there is one list of valid actions and operators.
 */
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "minirun/runtime/spec.hpp"

namespace minirun::runtime::spec_detail {

using json = nlohmann::json;

// --- paths of fields and errors that name them ---------------------------------------

/// "linux" + "namespaces" -> "linux.namespaces"; "" + "process" -> "process".
std::string join(std::string_view where, std::string_view key);
/// "linux.namespaces" + 2 -> "linux.namespaces[2]".
std::string index(std::string_view where, size_t i);
/// "where: message" (just the message when `where` is empty).
Error field_error(std::string_view where, std::string_view message);
/// A string as JSON would write it, quotes and escapes included, for messages:
/// a hostile config cannot put a newline or an escape sequence on the learner's terminal.
std::string quote(std::string_view text);

// --- typed readers of one value --------------------------------------------------------

/// The member `key` of an object, or nullptr when it is missing or null.
const json* member(const json& object, std::string_view key);
/// The member `key`, or "where.key: required".
Result<const json*> require(const json& object, std::string_view key, const std::string& where);

Result<void> expect_object(const json& value, const std::string& where);
Result<void> expect_array(const json& value, const std::string& where);
Result<std::string> get_string(const json& value, const std::string& where);
Result<bool> get_bool(const json& value, const std::string& where);
/// An integer in [min, max]; a float such as 1.5 or 1e3 is refused, not truncated.
Result<int64_t> get_int(const json& value, const std::string& where, int64_t min, int64_t max);
Result<uint64_t> get_uint(const json& value, const std::string& where, uint64_t min, uint64_t max);
Result<std::vector<std::string>> get_string_array(const json& value, const std::string& where);
Result<std::map<std::string, std::string>> get_string_map(const json& value, const std::string& where);

/// Any integer type, its range taken from the type unless narrowed: a uid that does not
/// fit in uid_t is an error here, not a silent wrap-around later.
template <class Int>
Result<Int> get_integer(const json& value, const std::string& where,
                        Int min = std::numeric_limits<Int>::min(),
                        Int max = std::numeric_limits<Int>::max()) {
  static_assert(std::is_integral_v<Int>);
  if constexpr (std::is_signed_v<Int>) {
    auto r = get_int(value, where, min, max);
    if (!r) return std::move(r.error());
    return static_cast<Int>(*r);
  } else {
    auto r = get_uint(value, where, min, max);
    if (!r) return std::move(r.error());
    return static_cast<Int>(*r);
  }
}

// --- readers of an optional member: absent leaves `out` untouched ----------------------

Result<void> read(const json& object, std::string_view key, const std::string& where, std::string& out);
Result<void> read(const json& object, std::string_view key, const std::string& where, bool& out);
Result<void> read(const json& object, std::string_view key, const std::string& where,
                  std::optional<bool>& out);
Result<void> read(const json& object, std::string_view key, const std::string& where,
                  std::vector<std::string>& out);
Result<void> read(const json& object, std::string_view key, const std::string& where,
                  std::map<std::string, std::string>& out);

template <class Int>
Result<void> read_integer(const json& object, std::string_view key, const std::string& where, Int& out,
                          Int min = std::numeric_limits<Int>::min(),
                          Int max = std::numeric_limits<Int>::max()) {
  const json* v = member(object, key);
  if (v == nullptr) return sys::ok();
  auto r = get_integer<Int>(*v, join(where, key), min, max);
  if (!r) return std::move(r.error());
  out = *r;
  return sys::ok();
}

template <class Int>
Result<void> read_integer(const json& object, std::string_view key, const std::string& where,
                          std::optional<Int>& out, Int min = std::numeric_limits<Int>::min(),
                          Int max = std::numeric_limits<Int>::max()) {
  Int value{};
  if (member(object, key) == nullptr) return sys::ok();
  auto r = read_integer(object, key, where, value, min, max);
  if (!r) return r;
  out = value;
  return sys::ok();
}

// --- paths inside the config -----------------------------------------------------------

/// True when a path has a `..` component ("a/../b", "..", "/x/.."), before normalising.
bool has_dotdot(std::string_view path);
/// Lexically normal form without a trailing slash: "/dev//pts/" -> "/dev/pts".
std::string clean_path(std::string_view path);
/// A path inside the container: a string, absolute, without `..`; returned cleaned.
Result<std::string> get_container_path(const json& value, const std::string& where);

// --- the parts of the spec, one file each ----------------------------------------------

/// spec_process.cpp: `process` (also `exec --process FILE`).
Result<Process> parse_process_object(const json& value, const std::string& where);
/// spec_mounts.cpp: `mounts`, options decoded into MS_* flags; bind sources resolved.
Result<std::vector<Mount>> parse_mounts(const json& value, const std::string& where,
                                        const std::string& bundle);
/// spec_namespaces.cpp: `linux.namespaces`.
Result<std::vector<Namespace>> parse_namespaces(const json& value, const std::string& where);
/// spec_namespaces.cpp: `linux.uidMappings` / `linux.gidMappings`.
Result<std::vector<IdMapping>> parse_id_mappings(const json& value, const std::string& where);
/// spec_namespaces.cpp: mappings and the user namespace must come together.
Result<void> check_user_namespace(const Linux& section, const std::string& where);
/// spec_resources.cpp: `linux.resources`.
Result<Resources> parse_resources(const json& value, const std::string& where);
/// spec_seccomp.cpp: `linux.seccomp` (syntax only; seccomp.cpp builds the filter).
Result<Seccomp> parse_seccomp(const json& value, const std::string& where);
/// spec_hooks.cpp: `hooks`.
Result<Hooks> parse_hooks(const json& value, const std::string& where);
/// spec_linux.cpp: `linux`, calling the namespace, resources and seccomp parsers
/// (seccomp only `with_seccomp`: see parse_spec).
Result<Linux> parse_linux(const json& value, const std::string& where, bool with_seccomp = true);
/// spec_ignored.cpp: fields present in the config that the kit accepts but does not act
/// on ("linux.intelRdt", "process.apparmorProfile"), for `--debug`.
std::vector<std::string> list_ignored_fields(const json& config);

}  // namespace minirun::runtime::spec_detail
