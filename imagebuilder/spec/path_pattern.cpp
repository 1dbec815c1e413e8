/**
 * @file path_pattern.cpp
 * @brief Compiling and matching one ignore pattern (see path_pattern.hpp).
 *
 * Docker turns each pattern into a regular expression; here it becomes a short
 * list of tokens matched by a small backtracking matcher, which is easier to
 * read and cannot be tripped up by regex syntax. The class syntax is checked
 * with Go's filepath.Match rules, which is what makes `[abc` an error.
 */
#include "imagebuilder/spec/path_pattern.hpp"

#include "imagebuilder/spec/go_text.hpp"

namespace imagebuilder::spec {

std::string clean_path(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);  // a relative path may climb; a rooted one stops at "/"
      }
    } else {
      parts.push_back(part);
    }
    start = slash + 1;
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

namespace {

/// Reads one class member (Go's getEsc): a character, or `\` and a character.
bool read_class_char(std::string_view p, std::size_t& pos, char32_t& out) {
  if (pos >= p.size() || p[pos] == '-' || p[pos] == ']') return false;
  if (p[pos] == '\\') {
    ++pos;
    if (pos >= p.size()) return false;
  }
  Rune r = decode_rune(p, pos);
  out = r.code;
  pos += r.width;
  return true;
}

}  // namespace

bool PathPattern::compile(std::string_view pattern, PathPattern& out, std::string& error) {
  out = PathPattern();
  out.text_ = std::string(pattern);
  const auto bad = [&](const char* why) {
    error = "syntax error in pattern " + go_quote(pattern) + ": " + why;
    return false;
  };
  const auto add_literal = [&](std::string_view bytes) {
    if (out.tokens_.empty() || out.tokens_.back().kind != Token::kLiteral) out.tokens_.push_back({Token::kLiteral, {}, {}, false});
    out.tokens_.back().literal += bytes;
  };
  const bool starts_with_double_star = pattern.substr(0, 2) == "**";
  bool wildcard_after_start = false;

  for (std::size_t pos = 0; pos < pattern.size();) {
    const char c = pattern[pos];
    const bool at_start = pos == 0;
    if (c == '*') {
      if (pos + 1 < pattern.size() && pattern[pos + 1] == '*') {
        pos += 2;
        if (pos < pattern.size() && pattern[pos] == '/') ++pos;  // `**/` is read as `**`
        out.tokens_.push_back({pos == pattern.size() ? Token::kAnything : Token::kAnyDirs, {}, {}, false});
      } else {
        ++pos;
        out.tokens_.push_back({Token::kStar, {}, {}, false});
      }
      if (!at_start) wildcard_after_start = true;
    } else if (c == '?') {
      ++pos;
      out.tokens_.push_back({Token::kQuestion, {}, {}, false});
      wildcard_after_start = true;
    } else if (c == '\\') {
      if (pos + 1 >= pattern.size()) return bad("trailing backslash");
      std::size_t width = decode_rune(pattern, pos + 1).width;
      add_literal(pattern.substr(pos + 1, width));
      pos += 1 + width;
      wildcard_after_start = true;  // Docker leaves its fast paths on any escape
    } else if (c == '[') {
      Token cls{Token::kClass, {}, {}, false};
      ++pos;
      if (pos < pattern.size() && pattern[pos] == '^') cls.negated = true, ++pos;
      for (;;) {
        if (pos >= pattern.size()) return bad("unterminated character class [");
        if (pattern[pos] == ']' && !cls.ranges.empty()) {
          ++pos;
          break;
        }
        char32_t low = 0, high = 0;
        if (!read_class_char(pattern, pos, low)) return bad("bad character class (empty, or starting with - or ])");
        high = low;
        if (pos < pattern.size() && pattern[pos] == '-') {
          ++pos;
          if (!read_class_char(pattern, pos, high)) return bad("bad range in character class");
        }
        cls.ranges.emplace_back(low, high);
      }
      out.tokens_.push_back(std::move(cls));
      wildcard_after_start = true;
    } else {
      std::size_t width = decode_rune(pattern, pos).width;
      add_literal(pattern.substr(pos, width));
      pos += width;
    }
  }
  out.suffix_match_ = starts_with_double_star && !wildcard_after_start;
  return true;
}

bool PathPattern::matches(std::string_view path) const {
  if (suffix_match_) {
    // Docker's fast path for `**/name`: the path ends with `/name`, or is `name`.
    std::string_view suffix = std::string_view(text_).substr(2);
    if (path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix) return true;
    return !suffix.empty() && suffix[0] == '/' && path == suffix.substr(1);
  }
  return match_from(0, path, 0);
}

bool PathPattern::match_from(std::size_t index, std::string_view path, std::size_t pos) const {
  if (index == tokens_.size()) return pos == path.size();
  const Token& token = tokens_[index];
  switch (token.kind) {
    case Token::kLiteral:
      return path.substr(pos, token.literal.size()) == token.literal &&
             match_from(index + 1, path, pos + token.literal.size());
    case Token::kStar:  // any run without `/`, shortest first
      for (std::size_t end = pos;; ++end) {
        if (match_from(index + 1, path, end)) return true;
        if (end >= path.size() || path[end] == '/') return false;
      }
    case Token::kQuestion: {
      if (pos >= path.size() || path[pos] == '/') return false;
      return match_from(index + 1, path, pos + decode_rune(path, pos).width);
    }
    case Token::kClass: {
      if (pos >= path.size()) return false;
      Rune r = decode_rune(path, pos);
      bool in = false;
      for (const auto& [low, high] : token.ranges) in = in || (r.code >= low && r.code <= high);
      return in != token.negated && match_from(index + 1, path, pos + r.width);
    }
    case Token::kAnyDirs:  // `(.*/)?`: nothing, or anything that ends with `/`
      if (match_from(index + 1, path, pos)) return true;
      for (std::size_t slash = path.find('/', pos); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
        if (match_from(index + 1, path, slash + 1)) return true;
      }
      return false;
    case Token::kAnything:
      return true;
  }
  return false;
}

}  // namespace imagebuilder::spec
