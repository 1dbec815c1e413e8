/**
 * @file placement_constraint.cpp
 * @brief Parsing and matching placement constraints (see placement_constraint.hpp).
 */
#include "miniswarm/store/placement_constraint.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace miniswarm {

using minirun::sys::Error;
using minirun::sys::Result;

namespace {

constexpr std::string_view kLabelPrefix = "node.labels.";
constexpr std::string_view kKnownAttributes =
    "node.id, node.hostname, node.role, node.platform.os, node.platform.arch or "
    "node.labels.KEY";

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `uname -m` (what the agents report) says x86_64 and aarch64 where Docker's platform
// names say amd64 and arm64; a learner may write either, so both name the same machine.
std::string canonical_arch(std::string_view arch) {
  std::string a(arch);
  for (char& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (a == "amd64") return "x86_64";
  if (a == "arm64") return "aarch64";
  return a;
}

// SwarmKit's value alphabet: operators (= ! < > ~) are kept out so that a typo such as
// `node.role===manager` is an error, not a value "=manager" that never matches.
bool allowed_in_value(char c) {
  static constexpr std::string_view kExtra = ":-_.*()?+[]\\^$|/ \t";
  return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string_view::npos;
}

// A label key as `node update --label-add` accepts it: letters, digits, `-`, `_`, `.`.
bool allowed_in_label(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

constexpr std::array<std::pair<std::string_view, ConstraintAttribute>, 5> kAttributes{{
    {"node.id", ConstraintAttribute::kId},
    {"node.hostname", ConstraintAttribute::kHostname},
    {"node.role", ConstraintAttribute::kRole},
    {"node.platform.os", ConstraintAttribute::kPlatformOs},
    {"node.platform.arch", ConstraintAttribute::kPlatformArch},
}};

}  // namespace

Result<Constraint> parse_constraint(std::string_view expression) {
  auto fail = [expression](std::string_view what) {
    return Error("constraint `" + std::string(expression) + "`: " + std::string(what));
  };
  // The first operator wins, as in SwarmKit: `a==b!=c` is key `a`, value `b!=c`, which
  // the value check below then refuses.
  size_t eq = expression.find("==");
  size_t ne = expression.find("!=");
  if (eq == std::string_view::npos && ne == std::string_view::npos) {
    return fail("expected == or !=");
  }
  Constraint c;
  c.equal = ne == std::string_view::npos || (eq != std::string_view::npos && eq < ne);
  size_t op = c.equal ? eq : ne;
  std::string_view key = trim(expression.substr(0, op));
  std::string_view value = trim(expression.substr(op + 2));
  if (key.empty()) return fail("no attribute before the operator; use " + std::string(kKnownAttributes));
  if (value.empty()) {
    return fail("no value after the operator; write " + std::string(key) +
                (c.equal ? "==" : "!=") + "VALUE");
  }
  for (char ch : value) {
    if (!allowed_in_value(ch)) {
      return fail("value `" + std::string(value) + "` contains `" + std::string(1, ch) +
                  "`; use letters, digits and : - _ . * ( ) ? + [ ] \\ ^ $ | /");
    }
  }

  bool known = false;
  for (const auto& [name, attribute] : kAttributes) {
    if (equal_ignoring_case(key, name)) {
      c.attribute = attribute;
      known = true;
      break;
    }
  }
  if (!known && key.size() >= kLabelPrefix.size() &&
      equal_ignoring_case(key.substr(0, kLabelPrefix.size()), kLabelPrefix)) {
    std::string_view label = key.substr(kLabelPrefix.size());
    if (label.empty()) return fail("no label name; write node.labels.KEY==VALUE");
    for (char ch : label) {
      if (!allowed_in_label(ch)) {
        return fail("label name `" + std::string(label) + "` contains `" + std::string(1, ch) +
                    "`; use letters, digits, -, _ and .");
      }
    }
    c.attribute = ConstraintAttribute::kLabel;
    c.label = std::string(label);
    known = true;
  }
  if (!known) {
    return fail("unknown attribute `" + std::string(key) + "`; use " +
                std::string(kKnownAttributes));
  }
  if (c.attribute == ConstraintAttribute::kRole && !equal_ignoring_case(value, "manager") &&
      !equal_ignoring_case(value, "worker")) {
    return fail("node.role is manager or worker, not `" + std::string(value) + "`");
  }
  c.value = std::string(value);
  c.text = std::string(key) + (c.equal ? "==" : "!=") + c.value;
  return c;
}

Result<std::vector<Constraint>> parse_constraints(const std::vector<std::string>& expressions) {
  std::vector<Constraint> parsed;
  parsed.reserve(expressions.size());
  for (const std::string& expression : expressions) {
    auto c = parse_constraint(expression);
    if (!c) return std::move(c.error());
    parsed.push_back(std::move(*c));
  }
  return parsed;
}

Result<void> validate_constraints(const std::vector<std::string>& expressions) {
  auto parsed = parse_constraints(expressions);
  if (!parsed) return std::move(parsed.error());
  return minirun::sys::ok();
}

bool constraint_holds(const Constraint& constraint, const Node& node) {
  std::string_view actual;
  switch (constraint.attribute) {
    case ConstraintAttribute::kId: actual = node.id; break;
    case ConstraintAttribute::kHostname: actual = node.hostname; break;
    case ConstraintAttribute::kRole: actual = to_string(node.role); break;
    case ConstraintAttribute::kPlatformOs: actual = node.os; break;
    case ConstraintAttribute::kPlatformArch:
      return (canonical_arch(node.arch) == canonical_arch(constraint.value)) == constraint.equal;
    case ConstraintAttribute::kLabel: {
      // A missing label reads as "", which no value equals (values are never empty).
      auto it = node.labels.find(constraint.label);
      if (it != node.labels.end()) actual = it->second;
      break;
    }
  }
  return equal_ignoring_case(actual, constraint.value) == constraint.equal;
}

const Constraint* first_unmet_constraint(const std::vector<Constraint>& constraints, const Node& node) {
  for (const auto& c : constraints) {
    if (!constraint_holds(c, node)) return &c;
  }
  return nullptr;
}

}  // namespace miniswarm
