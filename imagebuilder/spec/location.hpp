/**
 * @file location.hpp
 * @brief Where in a Dockerfile something is, and errors that say so.
 *
 * Every error about a Dockerfile names the file, the line and (when known) the
 * column, the way compilers do: `Dockerfile:3:1: unknown instruction: FOOBAR`.
 * Editors and terminals turn that prefix into a link, and a learner can find the
 * line without counting. Lines and columns are 1-based; the column counts bytes,
 * as BuildKit's and gcc's do. An instruction continued over several lines with
 * the escape character has a start and an end line.
 */
#pragma once

#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace imagebuilder::spec {

using minirun::sys::Error;
using minirun::sys::Result;

/// A place in the source: the first and last physical line of an instruction,
/// and the column where it starts on its first line. 0 means "not known".
struct Location {
  int line = 0;
  int end_line = 0;
  int column = 0;
};

/// "Dockerfile:3:1: message" (or "Dockerfile:3: message" without a column).
inline Error error_at(std::string_view file_name, const Location& where, std::string_view message) {
  std::string text(file_name);
  if (where.line > 0) {
    text += ':' + std::to_string(where.line);
    if (where.column > 0) text += ':' + std::to_string(where.column);
  }
  text += ": ";
  text += message;
  return Error(std::move(text));
}

}  // namespace imagebuilder::spec
