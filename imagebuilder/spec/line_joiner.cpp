/**
 * @file line_joiner.cpp
 * @brief Directives, comments and continuation lines, in BuildKit's order.
 *
 * The steps for each physical line mirror BuildKit's `Parse` loop; the comments
 * say which quirk each one keeps. See line_joiner.hpp for the rules themselves.
 */
#include "imagebuilder/spec/line_joiner.hpp"

#include <optional>

#include "imagebuilder/spec/go_text.hpp"

namespace imagebuilder::spec {
namespace {

/// White space as the `\s` of Go's regular expressions: no vertical tab.
bool is_regex_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

/// Splits the input into physical lines without their line endings. Like Go's
/// `bytes.TrimRight(line, "\r\n")`, every trailing CR and LF is removed, so files
/// with Windows line endings read the same.
std::vector<std::string_view> split_physical_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t newline = text.find('\n', start);
    std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
    std::string_view line = text.substr(start, next - start);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    lines.push_back(line);
    start = next;
  }
  return lines;
}

/// A line shaped like `#name=value`, matched as BuildKit's regular expression
/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` matches it.
struct DirectiveMatch {
  std::string name;
  std::string value;
};

std::optional<DirectiveMatch> match_directive(std::string_view line) {
  std::size_t i = 0;
  if (line.empty() || line[0] != '#') return std::nullopt;
  ++i;
  while (i < line.size() && is_regex_space(line[i])) ++i;
  if (i >= line.size() || !is_ascii_letter(line[i])) return std::nullopt;
  std::size_t name_start = i;
  while (i < line.size() && (is_ascii_letter(line[i]) || is_ascii_digit(line[i]))) ++i;
  std::string_view name = line.substr(name_start, i - name_start);
  while (i < line.size() && is_regex_space(line[i])) ++i;
  if (i >= line.size() || line[i] != '=') return std::nullopt;
  std::string_view rest = line.substr(i + 1);
  if (rest.empty()) return std::nullopt;  // `(.+?)` needs one character
  std::size_t begin = 0;
  while (begin < rest.size() && is_regex_space(rest[begin])) ++begin;
  std::size_t end = rest.size();
  while (end > begin && is_regex_space(rest[end - 1])) --end;
  // All blanks after `=`: the regular expression still matches, with the last
  // blank as the value (which then fails as an escape character).
  std::string_view value = begin == end ? rest.substr(rest.size() - 1) : rest.substr(begin, end - begin);
  return DirectiveMatch{to_lower_ascii(name), std::string(value)};
}

/// The directive state of one file: still looking, which names were seen, the escape.
class DirectiveReader {
 public:
  explicit DirectiveReader(JoinedLines& out) : out_(out) {}

  /// Looks at one line while directives are still possible; stops at the first
  /// line that is not one. Returns an error message, or "" when all is well.
  std::string read(std::string_view line) {
    if (done_) return "";
    auto match = match_directive(line);
    if (!match || !(match->name == "escape" || match->name == "syntax" || match->name == "check")) {
      done_ = true;
      return "";
    }
    for (const auto& [name, value] : out_.directives) {
      if (name == match->name) return "only one " + name + " parser directive can be used";
    }
    if (match->name == "escape") {
      if (match->value != "\\" && match->value != "`") {
        return "invalid escape token '" + match->value + "' does not match ` or \\";
      }
      out_.escape = match->value[0];
    }
    out_.directives.emplace_back(match->name, match->value);
    return "";
  }

 private:
  JoinedLines& out_;
  bool done_ = false;
};

/// True when the line, ignoring leading white space, starts with `#`.
bool is_comment(std::string_view line) {
  std::string_view rest = trim_left_space(line);
  return !rest.empty() && rest[0] == '#';
}

/// Removes a continuation escape at the end of `line`. Returns true when the line
/// continues. The escape only counts when it is not itself escaped, or when it is
/// alone on its line (BuildKit's `([^E])E[ \t]*$|^E[ \t]*$`).
bool trim_continuation(std::string& line, char escape) {
  std::size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return false;
  std::size_t escape_at = end - 1;
  if (escape_at > 0 && line[escape_at - 1] == escape) return false;
  line.erase(escape_at);
  return true;
}

}  // namespace

Result<JoinedLines> join_lines(std::string_view text, std::string_view file_name) {
  JoinedLines out;
  DirectiveReader directives(out);
  const std::vector<std::string_view> physical = split_physical_lines(text);
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

  std::size_t index = 0;
  int line_number = 0;
  while (index < physical.size()) {
    std::string_view raw = physical[index++];
    if (line_number == 0 && raw.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
      raw.remove_prefix(kByteOrderMark.size());
    }
    std::string_view token = trim_left_space(raw);
    const int column = static_cast<int>(raw.size() - token.size()) + 1;
    ++line_number;
    if (std::string message = directives.read(token); !message.empty()) {
      return error_at(file_name, {line_number, line_number, column}, message);
    }
    std::string line = token.empty() || token[0] == '#' ? std::string() : std::string(token);
    const int start_line = line_number;
    bool continues = trim_continuation(line, out.escape);
    if (!continues && line.empty()) continue;

    bool had_empty_continuation = false;
    while (continues && index < physical.size()) {
      std::string_view next = physical[index++];
      ++line_number;
      if (std::string message = directives.read(next); !message.empty()) {
        return error_at(file_name, {line_number, line_number, 0}, message);
      }
      if (is_comment(next)) continue;  // comments inside a continuation vanish
      if (trim_left_space(next).empty()) {
        had_empty_continuation = true;
        continue;
      }
      std::string part(next);  // leading white space is kept, as BuildKit does
      continues = trim_continuation(part, out.escape);
      line += part;
    }
    if (had_empty_continuation) {
      out.warnings.push_back(std::string(file_name) + ":" + std::to_string(line_number) +
                             ": empty continuation line found in: " + line +
                             " (empty continuation lines will become errors in a future release)");
    }
    out.lines.push_back({std::move(line), {start_line, line_number, column}});
  }
  out.line_count = line_number;
  return out;
}

}  // namespace imagebuilder::spec
