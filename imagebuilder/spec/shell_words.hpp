/**
 * @file shell_words.hpp
 * @brief Variable substitution in Dockerfile words: `$VAR`, `${VAR:-default}`,
 *        quotes and escapes, as BuildKit's "shell lexer" does it.
 *
 * `COPY $SRC /app/` does not run a shell: the builder itself replaces `$SRC`,
 * with the variables (ENV and ARG) in effect at that step. BuildKit's rules
 * (moby/buildkit, frontend/dockerfile/shell/lex.go) imitate a POSIX shell
 * closely enough to surprise nobody, and stop there:
 *
 * | syntax            | result                                                        |
 * |-------------------|---------------------------------------------------------------|
 * | `$VAR` `${VAR}`   | the value, or "" when unset                                   |
 * | `${VAR:-word}`    | `word` when VAR is unset or empty, else the value             |
 * | `${VAR-word}`     | `word` when VAR is unset, else the value (even "")            |
 * | `${VAR:+word}`    | `word` when VAR is set and not empty, else ""                 |
 * | `${VAR+word}`     | `word` when VAR is set (even to ""), else ""                  |
 * | `${VAR:?msg}`     | error `VAR: msg` when unset or empty (`${VAR?msg}`: unset only)|
 * | `'text'`          | literal; no escape works inside single quotes                 |
 * | `"text"`          | literal except `$` expansions; the escape only escapes `"` `$` and itself |
 * | `\x`              | `x` literally (the escape character is `\` or the backtick)   |
 *
 * Names are ASCII letters, digits and `_`; `$1` reads all the digits and
 * `$@ $* $# $? $- $$ $! $0` read one character (all unset, so ""). A `$` not
 * followed by a name is a literal `$`. `${}`, `${:x}` and an unclosed `${` are
 * syntax errors.
 *
 * expand_words() also splits the result into words, as COPY/ADD/EXPOSE sources
 * need: white space that came from the text or from a variable's value
 * separates words, white space inside quotes or escaped does not. An empty
 * quoted word (`""`) produces no word, as in BuildKit.
 *
 * Not done: the pattern modifiers of newer BuildKit (`${VAR#pat}`, `${VAR%pat}`,
 * `${VAR/pat/repl}`); they fail with "unsupported modifier", never silently.
 * Lab: labs/07-build-cache (ARG/ENV and expansion order).
 */
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minirun/sys/error.hpp"

namespace imagebuilder::spec {

using minirun::sys::Result;

/// Variables by name, in the order they were first set; setting again replaces.
class Environment {
 public:
  Environment() = default;
  Environment(std::initializer_list<std::pair<std::string, std::string>> vars) {
    for (const auto& [name, value] : vars) set(name, value);
  }

  /// Sets or replaces `name`.
  void set(std::string_view name, std::string_view value);
  /// The value of `name`, or nullptr when it is not set.
  const std::string* find(std::string_view name) const;
  /// All variables as `name=value` strings, in order (for a process environment).
  std::vector<std::string> to_list() const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return vars_; }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

/// Expands one word, removing quotes and escapes; white space is kept.
Result<std::string> expand_word(std::string_view word, const Environment& env, char escape = '\\');

/// Expands and splits into words (see the file comment).
Result<std::vector<std::string>> expand_words(std::string_view text, const Environment& env,
                                              char escape = '\\');

}  // namespace imagebuilder::spec
