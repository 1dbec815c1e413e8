/**
 * @file dockerignore.cpp
 * @brief Reading .dockerignore lines and deciding one path (see dockerignore.hpp).
 */
#include "imagebuilder/spec/dockerignore.hpp"

#include "imagebuilder/spec/go_text.hpp"

namespace imagebuilder::spec {

Result<IgnoreRules> parse_dockerignore(std::string_view text, std::string_view file_name) {
  IgnoreRules out;
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t newline = text.find('\n', start);
    std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number++ == 0 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);

    if (!line.empty() && line[0] == '#') continue;  // a comment only at the very start
    std::string_view trimmed = trim_space(line);
    if (trimmed.empty()) continue;
    IgnoreRule rule;
    rule.line = line_number;
    if (trimmed[0] == '!') {
      rule.exception = true;
      trimmed = trim_space(trimmed.substr(1));
      if (trimmed.empty()) {
        return error_at(file_name, {line_number, line_number, 0}, "illegal exclusion pattern: \"!\"");
      }
    }
    std::string pattern = clean_path(trimmed);
    if (pattern.size() > 1 && pattern[0] == '/') pattern.erase(0, 1);  // relative to the context root
    std::string error;
    if (!PathPattern::compile(pattern, rule.pattern, error)) {
      return error_at(file_name, {line_number, line_number, 0}, error);
    }
    out.rules_.push_back(std::move(rule));
  }
  return out;
}

bool IgnoreRules::excluded(std::string_view relative_path) const {
  std::string path = clean_path(relative_path);
  if (path.size() > 1 && path[0] == '/') path.erase(0, 1);
  // The parents of the path: "a/b/c" -> "a", "a/b". A rule matching a parent
  // decides for everything below it.
  std::vector<std::string> parents;
  for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    parents.push_back(path.substr(0, slash));
  }
  bool matched = false;
  for (const IgnoreRule& rule : rules_) {
    // Only a rule that could change the answer is tried: an exclusion while
    // the path is still included, an exception once it is excluded.
    if (rule.exception != matched) continue;
    bool match = rule.pattern.matches(path);
    for (std::size_t i = 0; !match && i < parents.size(); ++i) match = rule.pattern.matches(parents[i]);
    if (match) matched = !rule.exception;
  }
  return matched;
}

bool IgnoreRules::has_exceptions() const {
  for (const IgnoreRule& rule : rules_) {
    if (rule.exception) return true;
  }
  return false;
}

bool IgnoreRules::may_skip_directory(std::string_view relative_dir) const {
  if (!excluded(relative_dir)) return false;
  std::string dir_slash = clean_path(relative_dir) + "/";
  for (const IgnoreRule& rule : rules_) {
    if (!rule.exception) continue;
    // The literal start of the pattern, up to its first wildcard. If it and the
    // directory agree as far as both go, the exception might match inside.
    const std::string& text = rule.pattern.text();
    std::string literal = text.substr(0, text.find_first_of("*?[\\"));
    if (literal.size() == text.size()) literal += "/";  // fully literal: "keep" must not match "keeper/"
    const std::size_t common = std::min(literal.size(), dir_slash.size());
    if (literal.compare(0, common, dir_slash, 0, common) == 0) return false;
  }
  return true;
}

}  // namespace imagebuilder::spec
