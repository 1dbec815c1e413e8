/**
 * @file parser.cpp
 * @brief Keyword dispatch: which argument reader each instruction uses, the
 *        errors a parse can give, and the parse-tree dump.
 *
 * See parser.hpp for the table of instructions and readers, and arguments.hpp
 * for the readers themselves. An unknown keyword gets a "did you mean" hint
 * found by edit distance, as BuildKit's `suggest` package does.
 */
#include "imagebuilder/spec/parser.hpp"

#include <algorithm>
#include <array>

#include "imagebuilder/spec/arguments.hpp"
#include "imagebuilder/spec/go_text.hpp"
#include "imagebuilder/spec/line_joiner.hpp"

namespace imagebuilder::spec {
namespace {

constexpr std::array<std::string_view, 18> kInstructions = {
    "add",   "arg",     "cmd", "copy",  "entrypoint", "env",  "expose", "from",   "healthcheck",
    "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir"};

/// Levenshtein distance, small strings only.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// " (did you mean copy?)" when a known keyword is close, else "".
std::string suggest_instruction(std::string_view lower) {
  std::string_view best;
  std::size_t best_distance = 3;  // more than two edits away is not a typo
  for (std::string_view known : kInstructions) {
    std::size_t d = edit_distance(lower, known);
    if (d < best_distance) best = known, best_distance = d;
  }
  if (best.empty()) return "";
  std::string upper(best);
  for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
  return " (did you mean " + upper + "?)";
}

/// Runs the argument reader that `keyword` uses.
Arguments read_arguments(const std::string& keyword, std::string_view rest, char escape) {
  if (keyword == "run" || keyword == "cmd" || keyword == "entrypoint" || keyword == "shell") {
    return parse_maybe_json(rest);
  }
  if (keyword == "copy" || keyword == "add" || keyword == "volume") return parse_maybe_json_to_list(rest);
  if (keyword == "from" || keyword == "expose") return {split_blank_delimited(rest), false, ""};
  if (keyword == "env") return parse_name_value(rest, "ENV", escape);
  if (keyword == "label") return parse_name_value(rest, "LABEL", escape);
  if (keyword == "arg") return {split_words(rest, escape), false, ""};
  if (keyword == "healthcheck") return parse_health_config(rest);
  // user, workdir, stopsignal, maintainer: the whole rest as one string
  Arguments out;
  if (!rest.empty()) out.values.emplace_back(rest);
  return out;
}

}  // namespace

bool is_known_instruction(std::string_view lower_keyword) {
  return std::find(kInstructions.begin(), kInstructions.end(), lower_keyword) != kInstructions.end();
}

Result<Node> parse_instruction(std::string_view line, char escape, const Location& where,
                               std::string_view file_name) {
  SplitCommand command = split_command(line);
  Node node;
  node.keyword = command.keyword;
  node.flags = std::move(command.flags);
  node.original = std::string(line);
  node.where = where;
  if (!is_known_instruction(node.keyword)) {
    std::string_view written = trim_space(line);
    written = written.substr(0, std::min(written.size(), command.keyword.size()));
    return error_at(file_name, where,
                    "unknown instruction: " + std::string(written) + suggest_instruction(node.keyword));
  }
  if (node.keyword == "onbuild") {
    if (!command.rest.empty()) {
      auto child = parse_instruction(command.rest, escape, where, file_name);
      if (!child) return std::move(child).error();
      node.children.push_back(std::move(*child));
    }
    return node;
  }
  Arguments args = read_arguments(node.keyword, command.rest, escape);
  if (!args.error.empty()) return error_at(file_name, where, args.error);
  node.args = std::move(args.values);
  node.json = args.json;
  std::string marker;
  if ((node.keyword == "run" || node.keyword == "copy" || node.keyword == "add") && !node.json &&
      find_heredoc(line, escape, marker)) {
    return error_at(file_name, where,
                    "heredocs are not supported: " + marker +
                        " (write the file with COPY, or use printf in RUN)");
  }
  return node;
}

Result<ParsedDockerfile> parse_dockerfile(std::string_view text, std::string_view file_name) {
  auto joined = join_lines(text, file_name);
  if (!joined) return std::move(joined).error();
  ParsedDockerfile parsed;
  parsed.escape = joined->escape;
  parsed.directives = std::move(joined->directives);
  parsed.warnings = std::move(joined->warnings);
  parsed.file_name = std::string(file_name);
  for (const LogicalLine& line : joined->lines) {
    auto node = parse_instruction(line.text, parsed.escape, line.where, file_name);
    if (!node) return std::move(node).error();
    parsed.nodes.push_back(std::move(*node));
  }
  if (parsed.nodes.empty()) {
    int last = std::max(joined->line_count, 1);
    return error_at(file_name, {last, last, 0}, "file with no instructions");
  }
  return parsed;
}

std::string format_node(const Node& node) {
  std::string out = node.keyword;
  if (!node.flags.empty()) {
    out += " [";
    for (std::size_t i = 0; i < node.flags.size(); ++i) {
      if (i > 0) out += ' ';
      out += go_quote(node.flags[i]);
    }
    out += ']';
  }
  for (const std::string& arg : node.args) out += ' ' + go_quote(arg);
  for (const Node& child : node.children) out += " (" + format_node(child) + ")";
  return out;
}

std::string format_tree(const ParsedDockerfile& parsed) {
  std::string out;
  for (const Node& node : parsed.nodes) out += "(" + format_node(node) + ")\n";
  return out;
}

}  // namespace imagebuilder::spec
