/**
 * @file flag_parsing.cpp
 * @brief Sizes, durations, CPUs and `KEY=VALUE` pairs, read and written the way Docker
 *        does (flag_parsing.hpp).
 *
 * The numbers are parsed by hand rather than with strtod: the grammars are Go's and
 * go-units', which strtod does not match (it takes `1e3`, `inf`, leading spaces and
 * hex, and none of those is a valid `--restart-delay`). Integer parts are accumulated
 * in 128 bits so that an overflow is reported instead of wrapping.
 */
#include "miniswarm/cli/flag_parsing.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace miniswarm::cli {

using minirun::sys::Error;

namespace {

constexpr __int128 kInt64Max = std::numeric_limits<int64_t>::max();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string quoted(std::string_view flag, std::string_view text) {
  return std::string(flag) + ": `" + std::string(text) + "`";
}

/// Reads digits at `pos` into `value` (saturating far above int64); returns how many.
size_t read_digits(std::string_view text, size_t& pos, __int128& value) {
  size_t start = pos;
  for (; pos < text.size() && is_digit(text[pos]); ++pos) {
    if (value < kInt64Max * 10) value = value * 10 + (text[pos] - '0');
  }
  return pos - start;
}

/// Reads a fraction's digits at `pos` as numerator / denominator (denominator a power
/// of ten, capped so it cannot overflow: digits past the 18th do not matter here).
size_t read_fraction(std::string_view text, size_t& pos, __int128& numerator,
                     __int128& denominator) {
  size_t start = pos;
  numerator = 0;
  denominator = 1;
  for (; pos < text.size() && is_digit(text[pos]); ++pos) {
    if (denominator < static_cast<__int128>(1'000'000'000'000'000'000)) {
      numerator = numerator * 10 + (text[pos] - '0');
      denominator *= 10;
    }
  }
  return pos - start;
}

/// Go's duration units, in nanoseconds. Longer names first ("ms" before "m").
struct DurationUnit {
  std::string_view name;
  int64_t nanoseconds;
};
constexpr DurationUnit kDurationUnits[] = {
    {"ns", 1},         {"us", 1'000},        {"\xC2\xB5s", 1'000},  {"\xCE\xBCs", 1'000},
    {"ms", 1'000'000}, {"s", 1'000'000'000}, {"m", 60'000'000'000}, {"h", 3'600'000'000'000},
};

const DurationUnit* find_duration_unit(std::string_view name) {
  for (const auto& unit : kDurationUnits) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

}  // namespace

Result<int64_t> parse_size(std::string_view flag, std::string_view text) {
  auto bad = [&] { return Error(quoted(flag, text) + " is not a size (try 64m, 512k or 1g)"); };
  if (!text.empty() && text[0] == '-')
    return Error(quoted(flag, text) + " is negative (a size is >= 0)");
  size_t pos = 0;
  __int128 whole = 0, numerator = 0, denominator = 1;
  if (read_digits(text, pos, whole) == 0) return bad();
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (read_fraction(text, pos, numerator, denominator) == 0) return bad();
  }
  if (pos < text.size() && text[pos] == ' ') ++pos;
  __int128 multiplier = 1;
  if (pos < text.size()) {
    constexpr std::string_view kUnits = "kmgtp";
    auto unit = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos]))));
    if (unit != std::string_view::npos) {
      for (size_t i = 0; i <= unit; ++i) multiplier *= 1024;
      ++pos;
      if (pos < text.size() && (text[pos] == 'i' || text[pos] == 'I')) ++pos;
    }
  }
  if (pos < text.size() && (text[pos] == 'b' || text[pos] == 'B')) ++pos;
  if (pos != text.size()) return bad();
  __int128 bytes = whole * multiplier + numerator * multiplier / denominator;
  if (whole >= kInt64Max || bytes > kInt64Max) return Error(quoted(flag, text) + " is too large");
  return static_cast<int64_t>(bytes);
}

Result<int64_t> parse_duration(std::string_view flag, std::string_view text) {
  const std::string examples = " (try 5s, 500ms or 1m30s; units: ns, us, ms, s, m, h)";
  if (text.empty())
    return Error(std::string(flag) + ": an empty value is not a duration" + examples);
  if (text[0] == '-') return Error(quoted(flag, text) + " is negative (a duration is >= 0)");
  std::string_view rest = text[0] == '+' ? text.substr(1) : text;
  if (rest == "0") return int64_t{0};
  if (rest.empty()) return Error(quoted(flag, text) + " is not a duration" + examples);
  __int128 total_ns = 0;
  size_t pos = 0;
  while (pos < rest.size()) {
    __int128 whole = 0, numerator = 0, denominator = 1;
    size_t digits = read_digits(rest, pos, whole);
    size_t fraction_digits = 0;
    if (pos < rest.size() && rest[pos] == '.') {
      ++pos;
      fraction_digits = read_fraction(rest, pos, numerator, denominator);
    }
    if (digits == 0 && fraction_digits == 0)
      return Error(quoted(flag, text) + " is not a duration" + examples);
    size_t unit_start = pos;
    while (pos < rest.size() && !is_digit(rest[pos]) && rest[pos] != '.') ++pos;
    std::string_view unit_name = rest.substr(unit_start, pos - unit_start);
    if (unit_name.empty()) {
      return Error(quoted(flag, text) + " has no unit (try " + std::string(rest) +
                   "s; units: ns, us, ms, s, m, h)");
    }
    const DurationUnit* unit = find_duration_unit(unit_name);
    if (unit == nullptr) {
      return Error(quoted(flag, text) + ": unknown unit `" + std::string(unit_name) +
                   "` (units: ns, us, ms, s, m, h)");
    }
    if (whole >= kInt64Max) return Error(quoted(flag, text) + " is too long");
    total_ns += whole * unit->nanoseconds + numerator * unit->nanoseconds / denominator;
    if (total_ns > kInt64Max) return Error(quoted(flag, text) + " is too long");
  }
  return static_cast<int64_t>(total_ns / 1'000'000);
}

Result<int64_t> parse_nano_cpus(std::string_view flag, std::string_view text) {
  auto bad = [&] { return Error(quoted(flag, text) + " is not a number of CPUs (try 0.5 or 2)"); };
  if (!text.empty() && text[0] == '-')
    return Error(quoted(flag, text) + " is negative (CPUs are >= 0)");
  size_t pos = 0;
  __int128 whole = 0;
  if (read_digits(text, pos, whole) == 0 && (pos >= text.size() || text[pos] != '.')) return bad();
  __int128 nano = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t decimals = 0;
    for (; pos < text.size() && is_digit(text[pos]); ++pos, ++decimals) {
      if (decimals < 9) {
        __int128 place = 100'000'000;
        for (size_t i = 0; i < decimals; ++i) place /= 10;
        nano += (text[pos] - '0') * place;
      } else if (text[pos] != '0') {
        // Docker: "value is too precise"; a nano-CPU is the smallest unit.
        return Error(quoted(flag, text) +
                     " is too precise (at most 9 decimals: the unit is the nano-CPU)");
      }
    }
    if (decimals == 0 && whole == 0 && pos == 1) return bad();
  }
  if (pos != text.size()) return bad();
  __int128 total = whole * 1'000'000'000 + nano;
  if (whole >= kInt64Max || total > kInt64Max) return Error(quoted(flag, text) + " is too large");
  return static_cast<int64_t>(total);
}

Result<uint64_t> parse_count(std::string_view flag, std::string_view text) {
  size_t pos = 0;
  __int128 value = 0;
  if (read_digits(text, pos, value) == 0 || pos != text.size()) {
    return Error(quoted(flag, text) + " is not a whole number >= 0");
  }
  if (value > kInt64Max) return Error(quoted(flag, text) + " is too large");
  return static_cast<uint64_t>(value);
}

Result<std::pair<std::string, std::string>> parse_key_value(std::string_view flag,
                                                            std::string_view text) {
  auto equals = text.find('=');
  std::string key(text.substr(0, equals));
  if (key.empty()) return Error(quoted(flag, text) + " has no key (use KEY=VALUE)");
  std::string value = equals == std::string_view::npos ? "" : std::string(text.substr(equals + 1));
  return std::pair{std::move(key), std::move(value)};
}

Result<std::map<std::string, std::string>> parse_labels(std::string_view flag,
                                                        const std::vector<std::string>& texts) {
  std::map<std::string, std::string> labels;
  for (const auto& text : texts) {
    auto pair = parse_key_value(flag, text);
    if (!pair.ok()) return std::move(pair.error());
    labels[pair->first] = pair->second;
  }
  return labels;
}

Result<std::string> parse_env(std::string_view flag, std::string_view text) {
  auto equals = text.find('=');
  if (equals == 0 || text.empty())
    return Error(quoted(flag, text) + " has no variable name (use KEY=value)");
  if (equals != std::string_view::npos) return std::string(text);
  std::string key(text);
  const char* value = std::getenv(key.c_str());
  if (value == nullptr) {
    return Error(quoted(flag, text) + " has no value, and " + key +
                 " is not set in this shell (use " + key + "=value)");
  }
  return key + "=" + value;
}

Result<std::pair<std::string, uint64_t>> parse_scale_target(std::string_view text) {
  auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return Error("scale: `" + std::string(text) + "` is not SERVICE=REPLICAS (try web=3)");
  }
  auto count = parse_count("scale: `" + std::string(text) + "`: replicas", text.substr(equals + 1));
  if (!count.ok()) return std::move(count.error());
  return std::pair{std::string(text.substr(0, equals)), *count};
}

std::string format_duration(int64_t ms) {
  if (ms < 0) return "-" + format_duration(-ms);
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  int64_t hours = ms / 3'600'000;
  int64_t minutes = ms / 60'000 % 60;
  int64_t seconds = ms / 1000 % 60;
  int64_t millis = ms % 1000;
  std::string text;
  // Go writes the larger units only when present, but always every smaller one after
  // the first: 1h0m0s, 1m30s, 5s.
  if (hours > 0) text += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) text += std::to_string(minutes) + "m";
  text += std::to_string(seconds);
  if (millis != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03d", static_cast<int>(millis));
    std::string f = fraction;
    while (f.back() == '0') f.pop_back();
    text += f;
  }
  return text + "s";
}

std::string format_size(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double size = static_cast<double>(bytes);
  size_t unit = 0;
  while (size >= 1024 && unit + 1 < std::size(kUnits)) {
    size /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.4g%s", size, kUnits[unit]);
  return text;
}

std::string format_nano_cpus(int64_t nano_cpus) {
  std::string text = std::to_string(nano_cpus / 1'000'000'000);
  int64_t fraction = nano_cpus % 1'000'000'000;
  if (fraction == 0) return text;
  char digits[16];
  std::snprintf(digits, sizeof digits, "%09lld", static_cast<long long>(fraction));
  std::string f = digits;
  while (f.back() == '0') f.pop_back();
  return text + "." + f;
}

}  // namespace miniswarm::cli
