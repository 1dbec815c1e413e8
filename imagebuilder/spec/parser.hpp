/**
 * @file parser.hpp
 * @brief Dockerfile text -> a list of parse nodes, one per instruction, as
 *        BuildKit's parser produces them.
 *
 * A Dockerfile is parsed in two passes, as in BuildKit (moby/buildkit,
 * frontend/dockerfile/parser): line_joiner.hpp turns physical lines into
 * instructions (directives, comments, continuations); this file splits each
 * instruction into its keyword, its `--flags` and its arguments. How the
 * arguments are split depends on the instruction (see arguments.hpp):
 *
 * | instructions                          | arguments                                   |
 * |---------------------------------------|---------------------------------------------|
 * | RUN CMD ENTRYPOINT SHELL              | a JSON array of strings, or the rest of the line as one string (shell form) |
 * | COPY ADD VOLUME                       | a JSON array, or words split at blanks       |
 * | FROM EXPOSE                           | words split at blanks                        |
 * | ENV LABEL                             | key, value, and `=` or "" (old `ENV k v` form) |
 * | ARG                                   | words, quotes kept                           |
 * | USER WORKDIR STOPSIGNAL MAINTAINER    | the rest of the line as one string           |
 * | HEALTHCHECK                           | the type (`CMD`, `NONE`) then like CMD       |
 * | ONBUILD                               | a nested instruction                         |
 *
 * Nothing is expanded here: `$VAR` stays as written (shell_words.hpp expands it at
 * build time, with the variables in effect at that step). A JSON array that is not
 * valid JSON falls back to the shell form, as Docker always did; a valid array
 * with something other than strings in it is an error.
 *
 * Differences from BuildKit, on purpose: an unknown instruction is an error here
 * (BuildKit's parser keeps it and its instruction layer refuses it a moment later;
 * the result for a build is the same, the message comes sooner), and heredocs
 * (`RUN <<EOF`) are refused with a clear error instead of being read.
 *
 * format_tree() prints the nodes as BuildKit's `Node.Dump()` does; the golden
 * files in `testdata/dockerfile-parser` are that output (`imagebuilder parse` prints
 * it). Lab: labs/07-build-cache.
 */
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "imagebuilder/spec/location.hpp"

namespace imagebuilder::spec {

/// One instruction as parsed, before any meaning is given to it.
struct Node {
  std::string keyword;             ///< lower case: "run", "copy", ...
  std::vector<std::string> flags;  ///< as written, quotes removed: "--from=builder"
  std::vector<std::string> args;   ///< arguments, split as the table in the file comment says
  bool json = false;               ///< arguments came from a JSON array (exec form)
  std::vector<Node> children;      ///< ONBUILD: the instruction it wraps (at most one)
  std::string original;            ///< the instruction's text after joining lines
  Location where;                  ///< lines it spans, column of its keyword
};

/// A whole parsed Dockerfile.
struct ParsedDockerfile {
  std::vector<Node> nodes;
  char escape = '\\';                                            ///< `\` or a backtick
  std::vector<std::pair<std::string, std::string>> directives;   ///< e.g. {"syntax", "docker/dockerfile:1"}
  std::vector<std::string> warnings;
  std::string file_name = "Dockerfile";                          ///< used in later error messages
};

/// Parses Dockerfile text. Errors read "Dockerfile:LINE:COLUMN: what is wrong".
Result<ParsedDockerfile> parse_dockerfile(std::string_view text, std::string_view file_name = "Dockerfile");

/// Parses one instruction's text (as ONBUILD does with its argument).
Result<Node> parse_instruction(std::string_view line, char escape, const Location& where,
                               std::string_view file_name = "Dockerfile");

/// The parse tree in BuildKit's dump format, one `(keyword ...)` line per node.
std::string format_tree(const ParsedDockerfile& parsed);

/// One node in the dump format, without the surrounding parentheses.
std::string format_node(const Node& node);

/// True for the keywords the parser knows.
bool is_known_instruction(std::string_view lower_keyword);

}  // namespace imagebuilder::spec
