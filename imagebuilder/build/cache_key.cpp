/**
 * @file cache_key.cpp
 * @brief Cache keys and miss explanations; see cache_key.hpp.
 */
#include "imagebuilder/build/cache_key.hpp"

#include <algorithm>

namespace imagebuilder::build {

using nlohmann::json;

nlohmann::json CacheInputs::to_json() const {
  // std::map iterates in key order and nlohmann sorts object keys: the same inputs
  // always give the same bytes, which is what makes the digest a key.
  return json{{"parent", parent}, {"instruction", instruction}, {"environment", environment}, {"sources", sources}};
}

CacheInputs CacheInputs::from_json(const nlohmann::json& j) {
  CacheInputs in;
  if (!j.is_object()) return in;
  auto text = [&](const char* name) { return j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : ""; };
  auto pairs = [&](const char* name) {
    std::map<std::string, std::string> out;
    if (j.contains(name) && j[name].is_object()) {
      for (const auto& [k, v] : j[name].items()) {
        if (v.is_string()) out[k] = v.get<std::string>();
      }
    }
    return out;
  };
  in.parent = text("parent");
  in.instruction = text("instruction");
  in.environment = pairs("environment");
  in.sources = pairs("sources");
  return in;
}

store::Digest cache_key(const CacheInputs& inputs) { return store::digest_of(inputs.to_json().dump()); }

namespace {

/// Lines describing how map `now` differs from map `before`; `what` names the kind.
void diff_maps(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& now,
               const std::string& what, std::vector<std::string>& out) {
  for (const auto& [name, value] : now) {
    auto it = before.find(name);
    if (it == before.end()) {
      out.push_back(what + " `" + name + "` is new");
    } else if (it->second != value) {
      out.push_back(what + " `" + name + "` changed" +
                    (what == "source" ? std::string(" (content, mode or owner)")
                                      : ": `" + it->second + "` -> `" + value + "`"));
    }
  }
  for (const auto& [name, value] : before) {
    if (!now.count(name)) out.push_back(what + " `" + name + "` is gone");
  }
}

std::vector<std::string> differences(const CacheInputs& before, const CacheInputs& now) {
  std::vector<std::string> out;
  if (before.instruction != now.instruction) {
    out.push_back("instruction changed: was `" + before.instruction + "`, now `" + now.instruction + "`");
  }
  diff_maps(before.environment, now.environment, "setting", out);
  diff_maps(before.sources, now.sources, "source", out);
  return out;
}

}  // namespace

std::vector<std::string> explain_cache_miss(const CacheInputs& wanted, const std::vector<CacheInputs>& candidates) {
  if (candidates.empty()) {
    return {"no cached step follows this parent (the step before changed, or this is the first build)"};
  }
  // The closest candidate is the one with the fewest differences; same instruction
  // text wins ties, since that is usually "the same line, with other inputs".
  const CacheInputs* best = nullptr;
  std::vector<std::string> best_lines;
  for (const auto& candidate : candidates) {
    auto lines = differences(candidate, wanted);
    bool better = best == nullptr || lines.size() < best_lines.size() ||
                  (lines.size() == best_lines.size() && candidate.instruction == wanted.instruction &&
                   best->instruction != wanted.instruction);
    if (better) {
      best = &candidate;
      best_lines = std::move(lines);
    }
  }
  if (best_lines.empty()) best_lines.push_back("an identical entry exists but its result is gone (pruned)");
  return best_lines;
}

}  // namespace imagebuilder::build
