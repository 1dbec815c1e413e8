/**
 * @file cli_format.cpp
 * @brief Sizes, ages and tables; see cli_format.hpp.
 */
#include "imagebuilder/cmd/cli_format.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace imagebuilder::cmd {

std::string human_size(std::uint64_t bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%lluB", static_cast<unsigned long long>(bytes));
  } else {
    // Three significant digits: 4.26MB, 42.6MB, 426MB.
    int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
    std::snprintf(text, sizeof text, "%.*f%s", decimals, value, units[unit]);
  }
  return text;
}

std::string human_age(const std::string& rfc3339) {
  std::tm tm{};
  if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return rfc3339;
  std::time_t then = timegm(&tm);
  long seconds = static_cast<long>(std::difftime(std::time(nullptr), then));
  auto ago = [](long n, const char* unit) {
    return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
  };
  if (seconds < 1) return "Less than a second ago";
  if (seconds < 60) return ago(seconds, "second");
  if (seconds < 120) return "About a minute ago";
  if (seconds < 3600) return ago(seconds / 60, "minute");
  if (seconds < 7200) return "About an hour ago";
  if (seconds < 2 * 86400) return ago(seconds / 3600, "hour");
  if (seconds < 14 * 86400) return ago(seconds / 86400, "day");
  if (seconds < 60 * 86400) return ago(seconds / (7 * 86400), "week");
  if (seconds < 730 * 86400) return ago(seconds / (30 * 86400), "month");
  return ago(seconds / (365 * 86400), "year");
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string truncate(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  return text.substr(0, width - 1) + "…";
}

}  // namespace imagebuilder::cmd
