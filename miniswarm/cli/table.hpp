/**
 * @file table.hpp
 * @brief Docker's table layout for `ls` and `ps`: aligned columns, short ids, `…`.
 *
 * The docker CLI prints its tables through Go's text/tabwriter with a minimum cell
 * width of 10 and a padding of 3 (cli/command/formatter), so a column is as wide as
 * its widest cell plus three spaces, but never narrower than 10; the last column is
 * not padded. render_table() does the same, so `miniswarm node ls` lines up like
 * `docker node ls` and a learner's eye finds the columns in the same places. Widths
 * count characters, not bytes (the `…` of a cut error is one character, three bytes).
 * Unlike tabwriter, trailing spaces are trimmed: they are invisible on a terminal and
 * only get in the way of a lab's `grep` or `diff`.
 *
 * Docs: https://pkg.go.dev/text/tabwriter; docker/cli cli/command/formatter/formatter.go.
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace miniswarm::cli {

/// The rows (the first is the header) as aligned text, one line per row, each ending
/// in '\n'. Rows shorter than the header are padded with empty cells.
std::string render_table(const std::vector<std::vector<std::string>>& rows);

/// The first 12 characters of an id, as Docker's stringid.TruncateID.
std::string truncate_id(std::string_view id);

/// `text` cut to `max_chars` characters, the last one replaced by `…` when cut
/// (Docker's formatter.Ellipsis).
std::string ellipsis(std::string_view text, size_t max_chars);

/// "running" -> "Running" (Docker's PrettyPrint of an enum name).
std::string capitalize(std::string_view text);

/// Characters (UTF-8 code points) in `text`: what a terminal column counts.
size_t display_width(std::string_view text);

/// Natural order, as Docker sorts `node ls` by hostname: digit runs compare as
/// numbers, so node-2 comes before node-10.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace miniswarm::cli
