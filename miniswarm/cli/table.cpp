/**
 * @file table.cpp
 * @brief Aligned columns the way text/tabwriter lays them out (table.hpp).
 */
#include "miniswarm/cli/table.hpp"

#include <algorithm>
#include <cctype>

namespace miniswarm::cli {

namespace {

// docker/cli: tabwriter.NewWriter(output, 10, 1, 3, ' ', 0).
constexpr size_t kMinCellWidth = 10;
constexpr size_t kPadding = 3;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (char c : text) {
    // Count every byte that does not continue a UTF-8 sequence (10xxxxxx).
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return "";
  size_t columns = 0;
  for (const auto& row : rows) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c + 1 < row.size(); ++c) {
      widths[c] = std::max({widths[c], display_width(row[c]) + kPadding, kMinCellWidth});
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] - display_width(row[c]), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string truncate_id(std::string_view id) {
  return std::string(id.substr(0, 12));
}

std::string ellipsis(std::string_view text, size_t max_chars) {
  if (display_width(text) <= max_chars || max_chars == 0) return std::string(text);
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    bool starts_char = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_char && ++chars == max_chars) break;
    out += text[i];
  }
  return out + "\xE2\x80\xA6";  // …
}

std::string capitalize(std::string_view text) {
  std::string out(text);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      // Compare the runs as numbers: skip leading zeros, then the longer run is larger.
      std::string_view x = a.substr(i, i_end - i), y = b.substr(j, j_end - j);
      while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

}  // namespace miniswarm::cli
