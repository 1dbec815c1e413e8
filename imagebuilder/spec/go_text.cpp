/**
 * @file go_text.cpp
 * @brief UTF-8 decoding, Go's white space, and Go's string quoting.
 *
 * See go_text.hpp for why these exist. The decoder accepts exactly what Go's
 * `utf8.DecodeRune` accepts (no overlong forms, no surrogates, nothing above
 * U+10FFFF); anything else counts as one invalid byte.
 */
#include "imagebuilder/spec/go_text.hpp"

#include <cstdio>

namespace imagebuilder::spec {

Rune decode_rune(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char first = byte(0);
  if (first < 0x80) return {first, 1, true};
  std::size_t width = 0;
  char32_t code = 0;
  char32_t minimum = 0;
  if ((first & 0xE0) == 0xC0) {
    width = 2, code = first & 0x1F, minimum = 0x80;
  } else if ((first & 0xF0) == 0xE0) {
    width = 3, code = first & 0x0F, minimum = 0x800;
  } else if ((first & 0xF8) == 0xF0) {
    width = 4, code = first & 0x07, minimum = 0x10000;
  } else {
    return {0xFFFD, 1, false};
  }
  if (pos + width > text.size()) return {0xFFFD, 1, false};
  for (std::size_t i = 1; i < width; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {0xFFFD, 1, false};
    code = (code << 6) | (byte(i) & 0x3F);
  }
  // Overlong encodings, UTF-16 surrogates and values past U+10FFFF are invalid.
  if (code < minimum || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
    return {0xFFFD, 1, false};
  }
  return {code, width, true};
}

bool is_go_space(char32_t c) {
  switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

std::string_view trim_left_space(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    Rune r = decode_rune(text, pos);
    if (!r.valid || !is_go_space(r.code)) break;
    pos += r.width;
  }
  return text.substr(pos);
}

std::string_view trim_right_space(std::string_view text) {
  // Walk forward remembering where the last non-space character ended: UTF-8
  // is easier to decode forwards than backwards.
  std::size_t end = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    Rune r = decode_rune(text, pos);
    pos += r.width;
    if (!r.valid || !is_go_space(r.code)) end = pos;
  }
  return text.substr(0, end);
}

std::string_view trim_space(std::string_view text) { return trim_right_space(trim_left_space(text)); }

namespace {

/// An approximation of Go's strconv.IsPrint for characters above ASCII.
bool is_printable(char32_t c) {
  if (c < 0x20 || c == 0x7F) return false;
  if (c < 0x7F) return true;
  if (c <= 0x9F) return false;                     // C1 controls
  if (c == 0xAD) return false;                     // soft hyphen (format)
  if (is_go_space(c)) return false;                // spaces other than U+0020
  if (c >= 0x200B && c <= 0x200F) return false;    // zero-width and direction marks
  if (c >= 0x202A && c <= 0x202E) return false;    // bidirectional embedding
  if (c >= 0x2060 && c <= 0x206F) return false;    // invisible operators
  if (c == 0xFEFF) return false;                   // byte order mark
  if (c >= 0xFFF9 && c <= 0xFFFB) return false;    // interlinear annotation
  if (c >= 0xE000 && c <= 0xF8FF) return false;    // private use
  if ((c & 0xFFFE) == 0xFFFE) return false;        // non-characters U+xxFFFE/F
  if (c >= 0xF0000) return false;                  // supplementary private use
  return true;
}

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*x", digits, value);
  out += prefix;
  out += buf;
}

}  // namespace

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (std::size_t pos = 0; pos < text.size();) {
    Rune r = decode_rune(text, pos);
    if (!r.valid) {
      append_hex(out, "\\x", static_cast<unsigned char>(text[pos]), 2);
      pos += 1;
      continue;
    }
    const char32_t c = r.code;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (is_printable(c)) {
      out.append(text.substr(pos, r.width));
    } else {
      switch (c) {
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            append_hex(out, "\\x", c, 2);
          } else if (c < 0x10000) {
            append_hex(out, "\\u", c, 4);
          } else {
            append_hex(out, "\\U", c, 8);
          }
      }
    }
    pos += r.width;
  }
  out += '"';
  return out;
}

std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace imagebuilder::spec
