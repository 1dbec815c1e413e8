/**
 * @file node_constraint.cpp
 * @brief Parsing and matching `node.*` placement constraints (see node_constraint.hpp).
 */
#include "miniswarm/orchestrator/node_constraint.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace miniswarm::orchestrator {
namespace {

using minirun::sys::Error;

constexpr std::string_view kLabelPrefix = "node.labels.";
constexpr std::string_view kKnownKeys =
    "node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.KEY";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

// `uname -m` says x86_64 and aarch64 where Docker's platform names say amd64 and arm64;
// a learner may write either, so both name the same architecture.
std::string canonical_arch(std::string_view arch) {
  std::string a = lower(arch);
  if (a == "amd64") return "x86_64";
  if (a == "arm64") return "aarch64";
  return a;
}

bool is_known_key(const std::string& key) {
  return key == "node.id" || key == "node.hostname" || key == "node.role" ||
         key == "node.platform.os" || key == "node.platform.arch";
}

}  // namespace

minirun::sys::Result<NodeConstraint> parse_node_constraint(std::string_view text) {
  auto context = "placement constraint `" + std::string(text) + "`";
  // "==" is looked for first, so in `a!==b` the operator is "==" and the key `a!` is
  // then refused as unknown, rather than guessing what was meant.
  size_t at = text.find("==");
  bool equal = true;
  if (at == std::string_view::npos) {
    at = text.find("!=");
    equal = false;
  }
  if (at == std::string_view::npos) {
    return Error(context + ": no operator; write KEY==VALUE or KEY!=VALUE, e.g. node.role==worker");
  }
  std::string_view raw_key = trim(text.substr(0, at));
  std::string_view value = trim(text.substr(at + 2));
  if (value.empty()) {
    return Error(context + ": empty value after the operator; write e.g. node.labels.zone==a");
  }
  if (value.find("==") != std::string_view::npos || value.find("!=") != std::string_view::npos) {
    return Error(context + ": more than one operator; write one KEY==VALUE per constraint");
  }

  NodeConstraint c;
  c.equal = equal;
  c.value = std::string(value);
  c.text = std::string(text);
  std::string key = lower(raw_key);
  if (key.starts_with(kLabelPrefix)) {
    // The label's own name keeps its case: labels are case-sensitive, as in Docker.
    std::string_view label = raw_key.substr(kLabelPrefix.size());
    if (label.empty()) {
      return Error(context + ": no label name after node.labels.; write e.g. node.labels.zone==a");
    }
    c.key = std::string(kLabelPrefix) + std::string(label);
    return c;
  }
  if (!is_known_key(key)) {
    return Error(context + ": unknown key `" + std::string(raw_key) + "`; known keys: " +
                 std::string(kKnownKeys));
  }
  c.key = std::move(key);
  return c;
}

minirun::sys::Result<std::vector<NodeConstraint>> parse_node_constraints(
    const std::vector<std::string>& texts) {
  std::vector<NodeConstraint> out;
  out.reserve(texts.size());
  for (const std::string& text : texts) {
    auto c = parse_node_constraint(text);
    if (!c) return std::move(c.error());
    out.push_back(std::move(*c));
  }
  return out;
}

bool node_satisfies(const NodeConstraint& c, const Node& node) {
  bool same = false;
  if (c.key == "node.id") {
    same = equal_ignoring_case(c.value, node.id);
  } else if (c.key == "node.hostname") {
    same = equal_ignoring_case(c.value, node.hostname);
  } else if (c.key == "node.role") {
    same = equal_ignoring_case(c.value, to_string(node.role));
  } else if (c.key == "node.platform.os") {
    same = equal_ignoring_case(c.value, node.os);
  } else if (c.key == "node.platform.arch") {
    same = canonical_arch(c.value) == canonical_arch(node.arch);
  } else if (c.key.starts_with(kLabelPrefix)) {
    auto it = node.labels.find(c.key.substr(kLabelPrefix.size()));
    std::string_view label_value = it == node.labels.end() ? std::string_view{} : it->second;
    same = equal_ignoring_case(c.value, label_value);
  }
  return c.equal ? same : !same;
}

const NodeConstraint* first_unmet_constraint(const std::vector<NodeConstraint>& constraints,
                                             const Node& node) {
  auto it = std::find_if(constraints.begin(), constraints.end(),
                         [&](const NodeConstraint& c) { return !node_satisfies(c, node); });
  return it == constraints.end() ? nullptr : &*it;
}

}  // namespace miniswarm::orchestrator
