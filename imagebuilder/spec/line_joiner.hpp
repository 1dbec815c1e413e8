/**
 * @file line_joiner.hpp
 * @brief From physical lines to instructions: parser directives, comments, and
 *        lines continued with the escape character.
 *
 * A Dockerfile is read one physical line at a time, as BuildKit's parser does
 * (moby/buildkit, frontend/dockerfile/parser/parser.go):
 *
 *  1. Parser directives. Only the first lines may be directives:
 *     `# escape=\``, `# syntax=...`, `# check=...`. The first line that is not a
 *     directive (an instruction, a blank line, any other comment, even a directive
 *     with an unknown name) ends the search for good. This is why
 *     `# escape=\`` after an ordinary comment is just a comment. A directive
 *     may appear once; the escape character can only be `\` or a backtick.
 *  2. Comments: a line whose first non-blank character is `#` is dropped. There is
 *     no comment at the end of a line: `RUN echo hi # there` runs `echo hi # there`.
 *  3. Continuation: an escape character that is the last non-blank character of
 *     a line joins the next line to this one (the escape and the blanks after it
 *     are removed, nothing is inserted). An escape preceded by another escape is
 *     a literal escape, not a continuation, so `C:\\` does not swallow the next
 *     line. Inside a continuation, comment lines are skipped and blank lines are
 *     skipped with a warning (BuildKit plans to turn them into errors). Leading
 *     white space of continuation lines is kept. A continuation at the end of the
 *     file simply ends the instruction.
 *
 * The result is a list of logical lines, each with the physical lines it came
 * from. Lab: labs/07-build-cache (escape directive, continuations).
 */
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "imagebuilder/spec/location.hpp"

namespace imagebuilder::spec {

/// One instruction's text after joining its continuation lines.
struct LogicalLine {
  std::string text;   ///< joined text, leading white space of the first line removed
  Location where;     ///< first and last physical line, column of the first character
};

/// What joining produced for a whole file.
struct JoinedLines {
  std::vector<LogicalLine> lines;
  char escape = '\\';                                            ///< from `# escape=`
  std::vector<std::pair<std::string, std::string>> directives;   ///< name (lower case), value
  std::vector<std::string> warnings;                             ///< empty continuation lines
  int line_count = 0;                                            ///< physical lines read
};

/// Splits `text` into logical lines. Fails on a bad or repeated directive.
Result<JoinedLines> join_lines(std::string_view text, std::string_view file_name);

}  // namespace imagebuilder::spec
