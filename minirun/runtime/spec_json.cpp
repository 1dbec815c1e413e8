/**
 * @file spec_json.cpp
 * @brief Typed readers over nlohmann::json that check before they convert and name
 * the field when they refuse (see spec_internal.hpp for why).
 *
 * nlohmann::json's `get<int>()` on a string throws, and on a number too large for the
 * target type silently wraps; `get<uint32_t>()` of -1 is 4294967295. A uid of -1
 * becoming 4294967295 (the kernel's "no uid") is the kind of surprise a container
 * runtime must not have, so each reader here checks the JSON type and the range first
 * and returns an Error naming the field, the expected type and what it got.
 *
 * Paths in the config get two checks used everywhere: absolute, and no `..`
 * component. The `..` check runs on the text as written, before any normalisation,
 * because a lexically normal "/a/../../etc" is "/etc": normalising first would hide
 * exactly the intent the check is there to catch.
 *
 * Reference: https://json.nlohmann.me/api/basic_json/ (type checks, type_name()).
 */
#include <filesystem>

#include "minirun/runtime/spec_internal.hpp"

namespace minirun::runtime::spec_detail {

std::string join(std::string_view where, std::string_view key) {
  if (where.empty()) return std::string(key);
  std::string out(where);
  out += '.';
  out += key;
  return out;
}

std::string index(std::string_view where, size_t i) {
  return std::string(where) + "[" + std::to_string(i) + "]";
}

Error field_error(std::string_view where, std::string_view message) {
  if (where.empty()) return Error(std::string(message));
  return Error(std::string(where) + ": " + std::string(message));
}

std::string quote(std::string_view text) {
  // replace, not throw, on invalid UTF-8: the message must always come out.
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

/// "must be a string, got number".
Error type_error(const std::string& where, std::string_view expected, const json& got) {
  return field_error(where, "must be " + std::string(expected) + ", got " + got.type_name());
}

Error range_error(const std::string& where, const std::string& range, const json& got) {
  return field_error(where, "must be an integer " + range + ", got " + got.dump());
}

}  // namespace

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<const json*> require(const json& object, std::string_view key, const std::string& where) {
  const json* v = member(object, key);
  if (v == nullptr) return field_error(join(where, key), "required");
  return v;
}

Result<void> expect_object(const json& value, const std::string& where) {
  if (!value.is_object()) return type_error(where, "an object", value);
  return sys::ok();
}

Result<void> expect_array(const json& value, const std::string& where) {
  if (!value.is_array()) return type_error(where, "an array", value);
  return sys::ok();
}

Result<std::string> get_string(const json& value, const std::string& where) {
  if (!value.is_string()) return type_error(where, "a string", value);
  return value.get<std::string>();
}

Result<bool> get_bool(const json& value, const std::string& where) {
  if (!value.is_boolean()) return type_error(where, "a boolean", value);
  return value.get<bool>();
}

Result<int64_t> get_int(const json& value, const std::string& where, int64_t min, int64_t max) {
  if (!value.is_number_integer()) return type_error(where, "an integer", value);
  std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  // nlohmann stores non-negative literals as unsigned: compare them as unsigned, so a
  // value above INT64_MAX cannot wrap into a negative one.
  if (value.is_number_unsigned()) {
    uint64_t u = value.get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max)) return range_error(where, range, value);
    return static_cast<int64_t>(u);
  }
  int64_t i = value.get<int64_t>();
  if (i < min || i > max) return range_error(where, range, value);
  return i;
}

Result<uint64_t> get_uint(const json& value, const std::string& where, uint64_t min, uint64_t max) {
  if (!value.is_number_integer()) return type_error(where, "an integer", value);
  std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  uint64_t u = 0;
  if (value.is_number_unsigned()) {
    u = value.get<uint64_t>();
  } else {
    int64_t i = value.get<int64_t>();  // built in C++ (json(5)) rather than parsed
    if (i < 0) return range_error(where, range, value);
    u = static_cast<uint64_t>(i);
  }
  if (u < min || u > max) return range_error(where, range, value);
  return u;
}

Result<std::vector<std::string>> get_string_array(const json& value, const std::string& where) {
  if (!value.is_array()) return type_error(where, "an array of strings", value);
  std::vector<std::string> out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    // The element's path ("...names[17]") is only made for an error: a seccomp rule
    // lists ~300 names, and every start would build and drop as many strings.
    if (!item.is_string()) return type_error(index(where, i), "a string", item);
    out.push_back(item.get_ref<const std::string&>());
  }
  return out;
}

Result<std::map<std::string, std::string>> get_string_map(const json& value, const std::string& where) {
  if (!value.is_object()) return type_error(where, "an object of strings", value);
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : value.items()) {
    auto s = get_string(item, join(where, key));
    if (!s) return std::move(s.error());
    out.emplace(key, std::move(*s));
  }
  return out;
}

Result<void> read(const json& object, std::string_view key, const std::string& where, std::string& out) {
  const json* v = member(object, key);
  if (v == nullptr) return sys::ok();
  auto r = get_string(*v, join(where, key));
  if (!r) return std::move(r.error());
  out = std::move(*r);
  return sys::ok();
}

Result<void> read(const json& object, std::string_view key, const std::string& where, bool& out) {
  const json* v = member(object, key);
  if (v == nullptr) return sys::ok();
  auto r = get_bool(*v, join(where, key));
  if (!r) return std::move(r.error());
  out = *r;
  return sys::ok();
}

Result<void> read(const json& object, std::string_view key, const std::string& where,
                  std::optional<bool>& out) {
  bool value = false;
  if (member(object, key) == nullptr) return sys::ok();
  auto r = read(object, key, where, value);
  if (!r) return r;
  out = value;
  return sys::ok();
}

Result<void> read(const json& object, std::string_view key, const std::string& where,
                  std::vector<std::string>& out) {
  const json* v = member(object, key);
  if (v == nullptr) return sys::ok();
  auto r = get_string_array(*v, join(where, key));
  if (!r) return std::move(r.error());
  out = std::move(*r);
  return sys::ok();
}

Result<void> read(const json& object, std::string_view key, const std::string& where,
                  std::map<std::string, std::string>& out) {
  const json* v = member(object, key);
  if (v == nullptr) return sys::ok();
  auto r = get_string_map(*v, join(where, key));
  if (!r) return std::move(r.error());
  out = std::move(*r);
  return sys::ok();
}

bool has_dotdot(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string clean_path(std::string_view path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<std::string> get_container_path(const json& value, const std::string& where) {
  auto path = get_string(value, where);
  if (!path) return path;
  if (path->empty() || path->front() != '/')
    return field_error(where, quote(*path) + " must be an absolute path");
  if (has_dotdot(*path)) return field_error(where, quote(*path) + " must not contain .. components");
  return clean_path(*path);
}

}  // namespace minirun::runtime::spec_detail
