/**
 * @file cli_format.hpp
 * @brief Docker-style output for `imagebuilder`: sizes, ages, aligned tables.
 *
 * Learners compare this tool's output with `docker images` and `docker history`, so it
 * uses Docker's conventions: decimal units (`4.26MB`), ages like `2 hours ago`, columns
 * separated by at least three spaces. `--format json` gives the same data for scripts
 * and for the labs' checks.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imagebuilder::cmd {

/// `4.26MB`, `918kB`, `12B` (SI units, three significant digits, as Docker).
std::string human_size(std::uint64_t bytes);

/// `About a minute ago`, `3 hours ago`, `2 weeks ago` for an RFC 3339 time; the input
/// itself when it cannot be parsed.
std::string human_age(const std::string& rfc3339);

/// Prints rows as columns separated by three spaces (the first row is the header).
void print_table(const std::vector<std::vector<std::string>>& rows);

/// `text` cut to `width` characters with a trailing `…`, as `docker history` does.
std::string truncate(const std::string& text, std::size_t width);

}  // namespace imagebuilder::cmd
