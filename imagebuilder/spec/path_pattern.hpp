/**
 * @file path_pattern.hpp
 * @brief One `.dockerignore` pattern: Go's `filepath.Match` syntax plus `**`,
 *        matched against slash-separated paths, as Docker's patternmatcher does.
 *
 * Syntax (moby/patternmatcher, which extends Go's filepath.Match):
 *
 * | pattern   | matches                                                        |
 * |-----------|----------------------------------------------------------------|
 * | `*`       | any run of characters except `/`                               |
 * | `?`       | one character except `/`                                       |
 * | `[a-c]`   | one character in the class; `[^a-c]` one character not in it   |
 * | `\x`      | `x` literally                                                  |
 * | `**`      | a whole path segment: any number of directories, even none;    |
 * |           | last in a pattern (after `dir` and a slash): all below `dir`   |
 *
 * Quirks kept from Docker, because a .dockerignore must mean the same to the kit
 * as to `docker build`: `[!a]` is NOT a negated class (Go uses `^`; `!` is just a
 * member of the class), and a class may match `/`. A pattern with a syntax error
 * (an unclosed `[`, an empty class `[]`, a trailing `\`) is refused up front,
 * as Docker refuses it by trying Go's filepath.Match once.
 *
 * clean_path() is Go's `filepath.Clean`: `./a//b/../c` -> `a/c`.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imagebuilder::spec {

/// Go's filepath.Clean for slash-separated paths ("" -> ".").
std::string clean_path(std::string_view path);

/// A compiled pattern.
class PathPattern {
 public:
  /// Compiles `pattern` (already cleaned); on a syntax error returns false and
  /// sets `error` to what is wrong.
  static bool compile(std::string_view pattern, PathPattern& out, std::string& error);

  /// Whether the whole of `path` matches.
  bool matches(std::string_view path) const;

  const std::string& text() const { return text_; }

 private:
  /// The pieces a pattern compiles to.
  struct Token {
    enum Kind { kLiteral, kStar, kQuestion, kClass, kAnyDirs, kAnything } kind;
    std::string literal;                               ///< kLiteral: the bytes
    std::vector<std::pair<char32_t, char32_t>> ranges;  ///< kClass: inclusive ranges
    bool negated = false;                              ///< kClass: `[^...]`
  };

  bool match_from(std::size_t token, std::string_view path, std::size_t pos) const;

  std::string text_;
  std::vector<Token> tokens_;
  bool suffix_match_ = false;  ///< Docker's fast path for a literal after a leading `**`
};

}  // namespace imagebuilder::spec
