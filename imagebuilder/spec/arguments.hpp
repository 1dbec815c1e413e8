/**
 * @file arguments.hpp
 * @brief Splitting one instruction into keyword, `--flags` and arguments.
 *
 * These are the per-instruction "line parsers" of BuildKit
 * (frontend/dockerfile/parser/line_parsers.go and split_command.go), one
 * function per way of reading arguments; parser.cpp picks one by keyword.
 * Each returns the argument strings exactly as the parse tree shows them.
 *
 * Two word splitters live here, and they differ on purpose:
 *  - extract_flags() reads the `--name=value` words at the start of the
 *    arguments. It removes quotes and backslashes (always `\`, even under
 *    `# escape=\``), and stops at the first word that does not start with `--`
 *    or after a lone `--`.
 *  - split_words() (ENV, LABEL, ARG) only finds word boundaries: quotes and
 *    escape characters stay in the words, to be removed at build time by the
 *    shell-word expansion. `ENV a="b c"` keeps `"b c"` until then.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imagebuilder::spec {

/// An instruction split at its first blank.
struct SplitCommand {
  std::string keyword;             ///< lower case
  std::vector<std::string> flags;  ///< leading `--flag[=value]` words
  std::string rest;                ///< everything after the flags, trimmed
};

/// Arguments as the parse tree holds them.
struct Arguments {
  std::vector<std::string> values;
  bool json = false;
  std::string error;  ///< non-empty when the arguments are refused
};

SplitCommand split_command(std::string_view line);

/// Words separated by white space; quotes and escapes are kept in the words.
std::vector<std::string> split_words(std::string_view rest, char escape);

/// Fields separated by runs of `[\t\v\f\r ]` (FROM, EXPOSE, shell-form COPY).
std::vector<std::string> split_blank_delimited(std::string_view rest);

/// RUN CMD ENTRYPOINT SHELL: JSON array of strings, else the whole text.
Arguments parse_maybe_json(std::string_view rest);
/// COPY ADD VOLUME: JSON array of strings, else words split at blanks.
Arguments parse_maybe_json_to_list(std::string_view rest);
/// ENV LABEL: key, value, separator triples ("=" for `k=v`, "" for `k v`).
Arguments parse_name_value(std::string_view rest, std::string_view keyword_upper, char escape);
/// HEALTHCHECK: the type word, then the command like CMD.
Arguments parse_health_config(std::string_view rest);

/// True when `line` (a RUN, COPY or ADD in shell form) contains a heredoc
/// marker such as `<<EOF` or `<<-"END"`; `marker` receives it.
bool find_heredoc(std::string_view line, char escape, std::string& marker);

}  // namespace imagebuilder::spec
