/**
 * @file json_limits.cpp
 * @brief Size, depth and length caps for untrusted JSON; see json_limits.hpp.
 */
#include "imagebuilder/store/json_limits.hpp"

namespace imagebuilder::store {

namespace {

/// Deepest bracket nesting in `bytes`, ignoring brackets inside strings. Stops early
/// once `limit` is passed.
std::size_t nesting_depth(std::string_view bytes, std::size_t limit) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : bytes) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// Walks the parsed document; returns what is wrong with the first field over a cap,
/// or an empty string when every field is within the limits.
std::string check_sizes(const nlohmann::json& j, const std::string& path, const JsonLimits& limits) {
  auto where = [&] { return path.empty() ? std::string("the document") : "field `" + path + "`"; };
  if (j.is_string()) {
    if (j.get_ref<const std::string&>().size() > limits.max_string) {
      return where() + ": string longer than " + std::to_string(limits.max_string) + " bytes";
    }
  } else if (j.is_array()) {
    if (j.size() > limits.max_entries) return where() + ": more than " + std::to_string(limits.max_entries) + " entries";
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (auto bad = check_sizes(j[i], path + "[" + std::to_string(i) + "]", limits); !bad.empty()) return bad;
    }
  } else if (j.is_object()) {
    if (j.size() > limits.max_entries) return where() + ": more than " + std::to_string(limits.max_entries) + " entries";
    for (const auto& [key, value] : j.items()) {
      if (key.size() > limits.max_string) return where() + ": key longer than " + std::to_string(limits.max_string) + " bytes";
      if (auto bad = check_sizes(value, path.empty() ? key : path + "." + key, limits); !bad.empty()) return bad;
    }
  }
  return {};
}

}  // namespace

Result<nlohmann::json> parse_json_limited(std::string_view bytes, std::string_view what, const JsonLimits& limits) {
  std::string prefix(what);
  if (bytes.size() > limits.max_bytes) {
    return Error(prefix + ": " + std::to_string(bytes.size()) + " bytes, more than the " +
                 std::to_string(limits.max_bytes) + " allowed");
  }
  if (nesting_depth(bytes, limits.max_depth) > limits.max_depth) {
    return Error(prefix + ": nested deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    return Error(prefix + ": not valid JSON: " + e.what());
  }
  if (auto bad = check_sizes(j, "", limits); !bad.empty()) return Error(prefix + ": " + bad);
  return j;
}

}  // namespace imagebuilder::store
