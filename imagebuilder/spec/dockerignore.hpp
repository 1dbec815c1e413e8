/**
 * @file dockerignore.hpp
 * @brief `.dockerignore`: which files of the build context are left out.
 *
 * Before a build, the context directory is walked and every file the rules
 * exclude stays behind: smaller contexts build faster, and secrets (`.env`,
 * `.git`) never reach an image by accident. The rules are Docker's
 * (moby/patternmatcher and its `ignorefile.ReadAll`):
 *
 *  - One pattern a line. A line that starts with `#` is a comment (only at the
 *    very start of the line); blank lines are skipped; white space around a
 *    pattern is trimmed.
 *  - Patterns are cleaned like paths (`./a//b/` -> `a/b`, Go's filepath.Clean)
 *    and a leading `/` is dropped: every pattern is relative to the context root.
 *    `*.log` therefore only matches at the top; put `**` and a slash in front of
 *    it to match at every level.
 *  - `!pattern` is an exception: it re-includes what earlier lines excluded.
 *    Lines are read in order and the last one that matches a path decides.
 *  - A pattern that matches a directory excludes everything below it:
 *    `build` excludes `build/out/app`, because the parents of a path are
 *    matched too.
 *  - Pattern syntax is in path_pattern.hpp; a malformed pattern is an error that
 *    names the file and line.
 *
 * A directory walker may skip an excluded directory without reading it only when
 * no exception could re-include something inside it; may_skip_directory() says
 * when that is safe (when in doubt it says no, and the walker looks inside).
 * Lab: labs/07-build-cache.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "imagebuilder/spec/location.hpp"
#include "imagebuilder/spec/path_pattern.hpp"

namespace imagebuilder::spec {

/// One line of a .dockerignore, compiled.
struct IgnoreRule {
  PathPattern pattern;
  bool exception = false;  ///< `!pattern`
  int line = 0;
};

/// The rules of one .dockerignore file.
class IgnoreRules {
 public:
  IgnoreRules() = default;  ///< no rules: nothing is excluded

  /// Whether `relative_path` (slash-separated, relative to the context root)
  /// is left out of the context.
  bool excluded(std::string_view relative_path) const;

  /// Whether a walker may skip the whole directory `relative_dir` without
  /// looking inside: it is excluded, and no exception could match below it.
  bool may_skip_directory(std::string_view relative_dir) const;

  const std::vector<IgnoreRule>& rules() const { return rules_; }
  bool has_exceptions() const;

 private:
  friend Result<IgnoreRules> parse_dockerignore(std::string_view, std::string_view);
  std::vector<IgnoreRule> rules_;
};

/// Parses .dockerignore text; errors read ".dockerignore:LINE: ...".
Result<IgnoreRules> parse_dockerignore(std::string_view text, std::string_view file_name = ".dockerignore");

}  // namespace imagebuilder::spec
