/**
 * @file text.hpp
 * @brief The one text helper the parsers share: splitting on a separator.
 *
 * Flag values (`-v SRC:DST:ro`, `-p 127.0.0.1:8080:80`), /etc/passwd lines and
 * /proc files are all "fields with a separator", and every parser needs the same exact
 * behaviour: empty fields are kept (`a::b` is three fields, the middle one empty), so
 * that a parser can say *which* field is missing instead of silently shifting the rest.
 */
#pragma once

#include <string_view>
#include <vector>

namespace minirun::sys {

/// `text` cut at every `separator`, empty fields kept; views into `text`.
inline std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace minirun::sys
