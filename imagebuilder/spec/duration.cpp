/**
 * @file duration.cpp
 * @brief Go duration strings (see duration.hpp).
 *
 * Each "number unit" part is accumulated in long double and checked against the
 * range of int64 nanoseconds (about 292 years), as Go rejects overflow.
 */
#include "imagebuilder/spec/duration.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace imagebuilder::spec {

minirun::sys::Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  const auto invalid = [&](const char* why) {
    return minirun::sys::Error("invalid duration \"" + std::string(text) + "\": " + why +
                               " (examples: 30s, 1m30s, 250ms)");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalid("empty");

  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    long double number = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') number = number * 10 + (s[i++] - '0'), digits = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') number += (s[i++] - '0') * scale, scale /= 10, digits = true;
    }
    if (!digits) return invalid("expected a number");
    std::size_t unit_start = i;
    while (i < s.size() && !(s[i] >= '0' && s[i] <= '9') && s[i] != '.') ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    long double nanos_per_unit = 0;
    if (unit == "ns") nanos_per_unit = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") nanos_per_unit = 1e3L;
    else if (unit == "ms") nanos_per_unit = 1e6L;
    else if (unit == "s") nanos_per_unit = 1e9L;
    else if (unit == "m") nanos_per_unit = 60e9L;
    else if (unit == "h") nanos_per_unit = 3600e9L;
    else if (unit.empty()) return invalid("missing unit");
    else return invalid("unknown unit");
    total += number * nanos_per_unit;
    if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) return invalid("too large");
    s.remove_prefix(i);
  }
  const std::int64_t nanos = std::llroundl(total);  // 0.1s is not exact in binary
  return std::chrono::nanoseconds(negative ? -nanos : nanos);
}

}  // namespace imagebuilder::spec
