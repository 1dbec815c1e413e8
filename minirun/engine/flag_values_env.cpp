/**
 * @file flag_values_env.cpp
 * @brief `--env-file`, `-e` and `--label`; see flag_values.hpp.
 *
 * An env file is *not* a shell script and not a Compose `.env` file. The Docker CLI
 * reads it line by line, with these rules, and so does the engine:
 *  - leading whitespace is dropped; blank lines and lines starting with `#` are skipped;
 *  - `NAME=value` is kept as written: no quote removal (`A="x"` gives the value `"x"`,
 *    quotes included), no `$VAR` expansion, trailing spaces kept;
 *  - a bare `NAME` takes the value from this process's environment, and is dropped when
 *    the variable is not set (the CLI passes it on and the daemon drops it);
 *  - a name may not be empty or contain a space or tab; otherwise any characters are
 *    allowed, because POSIX lets programs accept more than `[A-Z_][A-Z0-9_]*`;
 *  - a UTF-8 byte-order mark on the first line is ignored, `\r\n` endings are accepted,
 *    and a line that is not valid UTF-8 is an error.
 * Errors name the file and the line: `--env-file ./app.env:3: ...`.
 *
 * Reference: docs.docker.com/reference/cli/docker/container/run/#env; docker/cli
 * pkg/kvfile. Man pages: environ(7), getenv(3). Lab: labs/01-image-and-container.
 */
#include <cstdlib>

#include "minirun/engine/flag_values.hpp"
#include "minirun/sys/file.hpp"

namespace minirun::engine {

namespace {

using sys::Error;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    // The lead byte says how many continuation bytes (10xxxxxx) follow.
    int continuation = 0;
    uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      continuation = 1, code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      continuation = 2, code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      continuation = 3, code = lead & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(continuation) >= text.size()) return false;
    for (int k = 1; k <= continuation; ++k) {
      const auto next = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    constexpr uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
    if (code < kSmallest[continuation] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += static_cast<size_t>(continuation) + 1;
  }
  return true;
}

/// `NAME=value` for a variable of this process, or nullopt when it is not set.
std::optional<std::string> lookup_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return name + "=" + value;
}

}  // namespace

Result<std::vector<std::string>> parse_env_file(const std::string& path) {
  auto text = sys::read_file(path);
  if (!text) return std::move(text.error()).context("--env-file");
  std::vector<std::string> entries;
  std::string_view rest = *text;
  for (int line_number = 1; !rest.empty(); ++line_number) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    const std::string where = "--env-file " + path + ":" + std::to_string(line_number) + ": ";

    if (line_number == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_valid_utf8(line)) return Error(where + "the line is not valid UTF-8; save the file as UTF-8");
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;

    const size_t equals = line.find('=');
    const std::string name(line.substr(0, equals));
    if (name.empty())
      return Error(where + "no variable name before '=' in \"" + std::string(line) + "\"; write NAME=value");
    if (name.find_first_of(" \t") != std::string::npos)
      return Error(where + "variable name \"" + name + "\" contains whitespace; write NAME=value");
    if (equals != std::string_view::npos) {
      entries.emplace_back(line);  // the value passes through untouched
    } else if (auto entry = lookup_environment(name)) {
      entries.push_back(std::move(*entry));
    }
  }
  return entries;
}

Result<std::string> parse_env_flag(std::string_view text) {
  const size_t equals = text.find('=');
  const std::string name(text.substr(0, equals));
  if (name.empty())
    return invalid_value("--env", "environment variable", text,
                         "use NAME=value, or NAME alone to pass this shell's value of NAME");
  if (equals != std::string_view::npos) return std::string(text);
  return lookup_environment(name).value_or(std::string());
}

Result<std::pair<std::string, std::string>> parse_label(std::string_view text, std::string_view flag) {
  const size_t equals = text.find('=');
  std::string_view key = text.substr(0, equals);
  bool blank = true;
  for (char c : key) blank = blank && is_blank(c);
  if (blank) return invalid_value(flag, "label", text, "the key is empty; use KEY=VALUE or KEY (e.g. com.example.team=web)");
  std::string value = equals == std::string_view::npos ? std::string() : std::string(text.substr(equals + 1));
  return std::make_pair(std::string(key), std::move(value));
}

}  // namespace minirun::engine
