/**
 * @file arguments.cpp
 * @brief The per-instruction argument readers (see arguments.hpp).
 *
 * The loops below are small state machines (between words, in a word, in a
 * quote). They follow BuildKit's readers character for character, including
 * their quirks, because the golden parse trees depend on them: an escape
 * character at the very end of the text is dropped, and a quote that is never
 * closed simply runs to the end.
 */
#include "imagebuilder/spec/arguments.hpp"

#include <nlohmann/json.hpp>

#include "imagebuilder/spec/go_text.hpp"

namespace imagebuilder::spec {
namespace {

enum class Phase { kBetweenWords, kInWord, kInQuote };

/// Go's unicode.IsSpace applied to a single byte, as BuildKit's flag reader does.
bool is_space_byte(char c) { return is_go_space(static_cast<unsigned char>(c)); }

/// Reads the `--flag` words at the start of `line`; returns the text after them.
std::string extract_flags(std::string_view line, std::vector<std::string>& flags) {
  Phase phase = Phase::kBetweenWords;
  std::string word;
  char quote = 0;
  bool blank_ok = false;  // a word made of quotes only ("") still counts
  for (std::size_t pos = 0; pos <= line.size(); ++pos) {
    const bool at_end = pos == line.size();
    char ch = at_end ? 0 : line[pos];
    if (phase == Phase::kBetweenWords) {
      if (at_end) break;
      if (is_space_byte(ch)) continue;
      // Only a word that starts with "--" is a flag; anything else starts the arguments.
      if (ch != '-' || pos + 1 == line.size() || line[pos + 1] != '-') {
        return std::string(line.substr(pos));
      }
      phase = Phase::kInWord;
    }
    if (at_end) {
      if (word != "--" && (blank_ok || !word.empty())) flags.push_back(word);
      break;
    }
    if (phase == Phase::kInWord) {
      if (is_space_byte(ch)) {
        phase = Phase::kBetweenWords;
        if (word == "--") return std::string(line.substr(pos));  // "--" ends the flags
        if (blank_ok || !word.empty()) flags.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = Phase::kInQuote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == line.size()) continue;  // a backslash at the very end is dropped
        ch = line[++pos];
      }
      word += ch;
      continue;
    }
    // Phase::kInQuote
    if (ch == quote) {
      phase = Phase::kInWord;
      continue;
    }
    if (ch == '\\') {
      if (pos + 1 == line.size()) {
        phase = Phase::kInWord;
        continue;
      }
      ch = line[++pos];
    }
    word += ch;
  }
  return "";
}

/// Parses `rest` as a JSON array of strings. Returns false when it is not JSON
/// at all (the caller then falls back); sets `error` when it is JSON but holds
/// something other than strings.
bool parse_json_array(std::string_view rest, Arguments& out) {
  std::string_view text = trim_left_space(rest);
  if (text.empty() || text[0] != '[') return false;
  nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_array()) return false;
  for (const auto& element : parsed) {
    if (!element.is_string()) {
      out.error = "when using JSON array syntax, arrays must be comprised of strings only";
      return true;
    }
    out.values.push_back(element.get<std::string>());
  }
  out.json = true;
  return true;
}

}  // namespace

SplitCommand split_command(std::string_view line) {
  SplitCommand out;
  std::string_view text = trim_space(line);
  std::size_t blank = 0;
  while (blank < text.size() && !is_blank(text[blank])) ++blank;
  out.keyword = to_lower_ascii(text.substr(0, blank));
  if (blank < text.size()) {
    std::size_t args = blank;
    while (args < text.size() && is_blank(text[args])) ++args;
    std::string rest = extract_flags(text.substr(args), out.flags);
    out.rest = std::string(trim_space(rest));
  }
  return out;
}

std::vector<std::string> split_words(std::string_view rest, char escape) {
  std::vector<std::string> words;
  Phase phase = Phase::kBetweenWords;
  char32_t quote = 0;
  bool blank_ok = false;
  std::string word;
  Rune ch;
  for (std::size_t pos = 0; pos <= rest.size(); pos += ch.width) {
    const bool at_end = pos == rest.size();
    if (!at_end) ch = decode_rune(rest, pos);
    if (phase == Phase::kBetweenWords) {
      if (at_end) break;
      if (ch.valid && is_go_space(ch.code)) continue;
      phase = Phase::kInWord;
    }
    if (at_end) {
      if (blank_ok || !word.empty()) words.push_back(word);
      break;
    }
    auto append = [&](std::size_t at, const Rune& r) { word.append(rest.substr(at, r.width)); };
    if (phase == Phase::kInWord) {
      if (ch.valid && is_go_space(ch.code)) {
        phase = Phase::kBetweenWords;
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch.code == '\'' || ch.code == '"') {
        quote = ch.code;
        blank_ok = true;
        phase = Phase::kInQuote;
      }
      if (ch.code == static_cast<unsigned char>(escape)) {
        if (pos + ch.width == rest.size()) continue;  // an escape at the very end is dropped
        // Outside quotes an escape and the character after it are kept together,
        // even when that character is a quote.
        append(pos, ch);
        pos += ch.width;
        ch = decode_rune(rest, pos);
      }
      append(pos, ch);
      continue;
    }
    // Phase::kInQuote: single quotes protect everything, double quotes all but escapes.
    if (ch.code == quote) phase = Phase::kInWord;
    if (ch.code == static_cast<unsigned char>(escape) && quote != '\'') {
      if (pos + ch.width == rest.size()) {
        phase = Phase::kInWord;
        continue;
      }
      append(pos, ch);
      pos += ch.width;
      ch = decode_rune(rest, pos);
    }
    append(pos, ch);
  }
  return words;
}

std::vector<std::string> split_blank_delimited(std::string_view rest) {
  std::vector<std::string> fields;
  if (rest.empty()) return fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t blank = start;
    while (blank < rest.size() && !is_blank(rest[blank])) ++blank;
    fields.emplace_back(rest.substr(start, blank - start));
    if (blank == rest.size()) break;
    start = blank;
    while (start < rest.size() && is_blank(rest[start])) ++start;
  }
  return fields;
}

Arguments parse_maybe_json(std::string_view rest) {
  Arguments out;
  if (rest.empty()) return out;
  if (parse_json_array(rest, out)) return out;
  out.values.emplace_back(rest);
  return out;
}

Arguments parse_maybe_json_to_list(std::string_view rest) {
  Arguments out;
  if (parse_json_array(rest, out)) return out;
  out.values = split_blank_delimited(rest);
  return out;
}

Arguments parse_name_value(std::string_view rest, std::string_view keyword_upper, char escape) {
  Arguments out;
  std::vector<std::string> words = split_words(rest, escape);
  if (words.empty()) return out;
  // `ENV name value with spaces` (old form) if the first word has no "=".
  if (words[0].find('=') == std::string::npos) {
    std::size_t blank = 0;
    while (blank < rest.size() && !is_blank(rest[blank])) ++blank;
    std::size_t value = blank;
    while (value < rest.size() && is_blank(rest[value])) ++value;
    if (blank == rest.size()) {
      out.error = std::string(keyword_upper) + " must have two arguments";
      return out;
    }
    out.values = {std::string(rest.substr(0, blank)), std::string(rest.substr(value)), ""};
    return out;
  }
  for (const std::string& word : words) {
    std::size_t equals = word.find('=');
    if (equals == std::string::npos) {
      out.error = "Syntax error - can't find = in " + go_quote(word) + ". Must be of the form: name=value";
      return out;
    }
    out.values.push_back(word.substr(0, equals));
    out.values.push_back(word.substr(equals + 1));
    out.values.emplace_back("=");
  }
  return out;
}

Arguments parse_health_config(std::string_view rest) {
  std::size_t type_end = 0;
  while (type_end < rest.size() && !is_space_byte(rest[type_end])) ++type_end;
  std::size_t command = type_end;
  while (command < rest.size() && is_space_byte(rest[command])) ++command;
  if (type_end == 0) return {};
  Arguments out = parse_maybe_json(rest.substr(command));
  if (!out.error.empty()) return out;
  out.values.insert(out.values.begin(), std::string(rest.substr(0, type_end)));
  return out;
}

bool find_heredoc(std::string_view line, char escape, std::string& marker) {
  // Split at white space outside quotes, keeping quotes, then look for a word
  // shaped like BuildKit's `^(\d*)<<(-?)([^<]*)$` with a non-empty name.
  std::vector<std::string> words;
  std::string word;
  char quote = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == 0 && c == escape && i + 1 < line.size()) {
      word += c;
      word += line[++i];
      continue;
    }
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (is_blank(c) || c == '\n') {
      if (!word.empty()) words.push_back(word);
      word.clear();
      continue;
    }
    word += c;
  }
  if (!word.empty()) words.push_back(word);
  for (const std::string& w : words) {
    std::size_t i = 0;
    while (i < w.size() && w[i] >= '0' && w[i] <= '9') ++i;
    if (w.compare(i, 2, "<<") != 0) continue;
    i += 2;
    if (i < w.size() && w[i] == '-') ++i;
    std::string_view name = std::string_view(w).substr(i);
    if (!name.empty() && name.find('<') == std::string_view::npos) {
      marker = w;
      return true;
    }
  }
  return false;
}

}  // namespace imagebuilder::spec
