/**
 * @file go_text.hpp
 * @brief The few pieces of Go's text handling that decide how a Dockerfile reads.
 *
 * BuildKit is written in Go, and its parser leans on three Go library functions
 * whose exact behaviour shows up in what a Dockerfile means and in the golden
 * parse trees of `testdata/dockerfile-parser`:
 *  - `unicode.IsSpace`: what counts as white space between words. Besides the
 *    ASCII blanks it includes NEL (U+0085), NO-BREAK SPACE (U+00A0) and the
 *    Unicode space separators, so a non-breaking space pasted from a web page
 *    separates words just as a plain space does.
 *  - `strings.TrimSpace`: trimming with that same notion of space.
 *  - `strconv.Quote`: how the parse-tree dump prints each string, with Go escapes
 *    (`\t`, `\"`, `\x00`, `\u00a0`).
 *
 * Strings are UTF-8 bytes throughout; a byte that does not start a valid UTF-8
 * sequence is taken as one "rune" on its own (Go decodes it as U+FFFD, width 1).
 * Quote's notion of a printable character is an approximation of Go's
 * `strconv.IsPrint` table: control characters, the Unicode spaces other than
 * U+0020, format characters used in text direction tricks, private use and
 * non-characters are escaped; every other assigned-looking character prints as is.
 *
 * Reference: https://pkg.go.dev/unicode#IsSpace, https://pkg.go.dev/strconv#Quote.
 * Lab: labs/07-build-cache reads the parse tree this prints.
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace imagebuilder::spec {

/// One decoded character: its code point and how many bytes it used.
struct Rune {
  char32_t code = 0;
  std::size_t width = 1;
  bool valid = true;  ///< false when the bytes were not valid UTF-8
};

/// Decodes the UTF-8 character that starts at `pos` (which must be < text.size()).
Rune decode_rune(std::string_view text, std::size_t pos);

/// Go's unicode.IsSpace.
bool is_go_space(char32_t code);

/// Go's strings.TrimLeftFunc(s, unicode.IsSpace).
std::string_view trim_left_space(std::string_view text);
/// Go's strings.TrimRightFunc(s, unicode.IsSpace).
std::string_view trim_right_space(std::string_view text);
/// Go's strings.TrimSpace.
std::string_view trim_space(std::string_view text);

/// True for the characters of the regular expression class `[\t\v\f\r ]`, the
/// separators BuildKit uses to split an instruction from its arguments.
inline bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/// Go's strconv.Quote: the string in double quotes with Go escapes.
std::string go_quote(std::string_view text);

/// Lower-cases ASCII letters (instruction keywords are ASCII).
std::string to_lower_ascii(std::string_view text);

}  // namespace imagebuilder::spec
