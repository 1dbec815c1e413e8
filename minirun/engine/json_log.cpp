/**
 * @file json_log.cpp
 * @brief Time in container logs: the RFC 3339 stamps in the file, the `--since` /
 *        `--until` forms `minirun logs` accepts, and the line `minirun logs` prints.
 *
 * Three spellings of a moment meet here, all from Docker:
 *  - the `time` field of a record: RFC 3339 in UTC with nine fractional digits, read
 *    back strictly (a record with any other time is corrupt);
 *  - a flag value: RFC 3339 and its shorter forms (`2006-01-02T15:04:05`,
 *    `2006-01-02T15:04`, `2006-01-02T15`, `2006-01-02`, each with or without a zone),
 *    Unix seconds with an optional fraction, or a Go duration (`1h30m`) counted back
 *    from now. Without `Z` or an offset, the local time zone is meant (Docker's rule,
 *    "the local timezone on the client"), so those go through mktime(3), the others
 *    through timegm(3);
 *  - what `docker logs -t` prints: the record's time again, as written.
 *
 * Calendar arithmetic is left to timegm/mktime; this file only checks the fields are
 * in range first (both functions silently turn 2026-02-30 into March 2nd).
 *
 * Man pages: timegm(3), mktime(3), gmtime_r(3). Go's time.ParseDuration for durations.
 *
 * Lab: labs/01-image-and-container
 */
#include "minirun/engine/json_log.hpp"

#include <cstdio>
#include <ctime>

#include "minirun/sys/stamps.hpp"

namespace minirun::engine {

namespace {

using sys::Error;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

/// The fields of an RFC 3339 time, before they become a number.
struct DateTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  bool has_zone = false;
  int zone_offset_seconds = 0;  ///< east of UTC: "+01:00" is 3600
  bool has_seconds = false;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Reads exactly `count` digits at `pos`, advancing it.
bool take_digits(std::string_view text, size_t& pos, size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!is_digit(text[pos + i])) return false;
    value = value * 10 + (text[pos + i] - '0');
  }
  pos += count;
  return true;
}

/// Reads 1-9 fraction digits as nanoseconds ("5" is 500000000).
bool take_fraction(std::string_view text, size_t& pos, int64_t& nanos) {
  size_t start = pos;
  nanos = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (pos - start == 9) return false;  // finer than a nanosecond: not ours
    nanos = nanos * 10 + (text[pos] - '0');
    ++pos;
  }
  size_t digits = pos - start;
  if (digits == 0) return false;
  for (size_t i = digits; i < 9; ++i) nanos *= 10;
  return true;
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

/// Splits "YYYY-MM-DD[Thh[:mm[:ss[.frac]]]][Z|+hh:mm|-hh:mm]" into fields; the error
/// says which part is wrong (without the flag, which the caller adds).
Result<DateTime> parse_date_time(std::string_view text) {
  DateTime t;
  size_t pos = 0;
  const std::string quoted = "`" + std::string(text) + "`";
  if (!take_digits(text, pos, 4, t.year) || pos >= text.size() || text[pos++] != '-' ||
      !take_digits(text, pos, 2, t.month) || pos >= text.size() || text[pos++] != '-' ||
      !take_digits(text, pos, 2, t.day)) {
    return Error(quoted + " does not start with a date YYYY-MM-DD");
  }
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't')) {
    ++pos;
    if (!take_digits(text, pos, 2, t.hour)) return Error(quoted + ": expected the hour (two digits) after T");
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!take_digits(text, pos, 2, t.minute)) return Error(quoted + ": expected minutes (two digits)");
      if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!take_digits(text, pos, 2, t.second)) return Error(quoted + ": expected seconds (two digits)");
        t.has_seconds = true;
        if (pos < text.size() && text[pos] == '.') {
          ++pos;
          if (!take_fraction(text, pos, t.nanos)) {
            return Error(quoted + ": expected 1 to 9 digits of fractional seconds");
          }
        }
      }
    }
  }
  if (pos < text.size()) {
    char sign = text[pos];
    if (sign == 'Z' || sign == 'z') {
      t.has_zone = true;
      ++pos;
    } else if (sign == '+' || sign == '-') {
      ++pos;
      int hours = 0, minutes = 0;
      if (!take_digits(text, pos, 2, hours) || pos >= text.size() || text[pos++] != ':' ||
          !take_digits(text, pos, 2, minutes) || hours > 23 || minutes > 59) {
        return Error(quoted + ": the zone offset must look like +01:00 or -05:30");
      }
      t.has_zone = true;
      t.zone_offset_seconds = (hours * 3600 + minutes * 60) * (sign == '-' ? -1 : 1);
    }
  }
  if (pos != text.size()) return Error(quoted + ": unexpected `" + std::string(text.substr(pos)) + "`");
  if (t.month < 1 || t.month > 12) return Error(quoted + ": month " + std::to_string(t.month) + " does not exist");
  if (t.day < 1 || t.day > days_in_month(t.year, t.month)) {
    return Error(quoted + ": day " + std::to_string(t.day) + " does not exist in that month");
  }
  if (t.hour > 23 || t.minute > 59 || t.second > 59) return Error(quoted + ": the time of day is out of range");
  return t;
}

/// Seconds and nanoseconds -> nanoseconds, or nullopt when int64 cannot hold it
/// (outside the years 1677-2262).
std::optional<int64_t> to_nanos(int64_t seconds, int64_t nanos) {
  int64_t result = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &result)) return std::nullopt;
  if (__builtin_add_overflow(result, nanos, &result)) return std::nullopt;
  return result;
}

Result<int64_t> date_time_to_nanos(const DateTime& t, std::string_view text) {
  std::tm tm{};
  tm.tm_year = t.year - 1900;
  tm.tm_mon = t.month - 1;
  tm.tm_mday = t.day;
  tm.tm_hour = t.hour;
  tm.tm_min = t.minute;
  tm.tm_sec = t.second;
  int64_t seconds = 0;
  if (t.has_zone) {
    seconds = static_cast<int64_t>(timegm(&tm)) - t.zone_offset_seconds;
  } else {
    tm.tm_isdst = -1;  // let mktime decide whether summer time applied on that date
    seconds = static_cast<int64_t>(mktime(&tm));
  }
  auto ns = to_nanos(seconds, t.nanos);
  if (!ns) return Error("`" + std::string(text) + "` is outside the years 1678-2261 that fit in nanoseconds");
  return *ns;
}

/// A Go duration ("1h30m", "1.5s", "300ms") in nanoseconds; nullopt when `text` is not
/// one. No sign: a negative duration would mean the future.
std::optional<int64_t> parse_go_duration(std::string_view text) {
  struct Unit {
    std::string_view name;
    int64_t nanos;
  };
  // Longest names first, so "ms" is not read as "m" followed by garbage.
  static constexpr Unit kUnits[] = {
      {"ns", 1},          {"us", 1'000},     {"\xC2\xB5s", 1'000}, {"\xCE\xBCs", 1'000},
      {"ms", 1'000'000},  {"s", kNanosPerSecond}, {"m", 60 * kNanosPerSecond}, {"h", 3600 * kNanosPerSecond},
  };
  if (text.empty()) return std::nullopt;
  __int128 total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    __int128 whole = 0, fraction = 0, scale = 1;
    size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      whole = whole * 10 + (text[pos++] - '0');
      if (whole > INT64_MAX) return std::nullopt;
    }
    bool has_digits = pos > start;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && is_digit(text[pos])) {
        if (scale < 1'000'000'000'000'000'000) {  // digits past 1e-18 change nothing
          fraction = fraction * 10 + (text[pos] - '0');
          scale *= 10;
        }
        ++pos;
        has_digits = true;
      }
    }
    if (!has_digits) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(pos, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    pos += unit->name.size();
    total += whole * unit->nanos + fraction * unit->nanos / scale;
    if (total > INT64_MAX) return std::nullopt;
  }
  return static_cast<int64_t>(total);
}

/// "1700000000" or "1700000000.5" (seconds since the epoch, fraction up to 9 digits).
std::optional<int64_t> parse_unix_seconds(std::string_view text) {
  size_t pos = 0;
  int64_t seconds = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (__builtin_mul_overflow(seconds, 10, &seconds) ||
        __builtin_add_overflow(seconds, text[pos] - '0', &seconds)) {
      return std::nullopt;
    }
    ++pos;
  }
  if (pos == 0) return std::nullopt;
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!take_fraction(text, pos, nanos)) return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return to_nanos(seconds, nanos);
}

}  // namespace

Result<int64_t> parse_log_time(std::string_view text, std::string_view flag, int64_t now_ns) {
  const std::string flag_name(flag);
  if (text.empty()) return Error(flag_name + ": the value is empty; give a time such as 10m or 2026-11-28");
  if (auto duration = parse_go_duration(text)) {
    int64_t result = 0;
    if (__builtin_sub_overflow(now_ns, *duration, &result)) {
      return Error(flag_name + ": `" + std::string(text) + "` reaches back before the year 1678");
    }
    return result;
  }
  if (auto seconds = parse_unix_seconds(text)) return *seconds;
  // Only something shaped like a date gets the date parser's detailed complaint.
  if (text.size() >= 5 && text[4] == '-') {
    auto fields = parse_date_time(text);
    if (!fields) return std::move(fields.error()).context(flag_name);
    auto ns = date_time_to_nanos(*fields, text);
    if (!ns) return std::move(ns.error()).context(flag_name);
    return *ns;
  }
  return Error(flag_name + ": `" + std::string(text) +
               "` is not a time; use RFC 3339 (2026-11-28T05:12:01Z), a date (2026-11-28), "
               "Unix seconds (1700000000.5) or a duration before now (10m, 1h30m)");
}

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  auto fields = parse_date_time(text);
  // A record's time is complete: date, time of day with seconds, and a zone.
  if (!fields || !fields->has_seconds || !fields->has_zone) return std::nullopt;
  auto ns = date_time_to_nanos(*fields, text);
  if (!ns) return std::nullopt;
  return *ns;
}

void append_log_time(std::string& out, int64_t ns) {
  char buffer[sys::kRfc3339Size];
  out.append(buffer, sys::format_rfc3339(buffer, ns));
}

std::string format_log_time(int64_t ns) {
  std::string out;
  append_log_time(out, ns);
  return out;
}

std::string format_entry(const LogEntry& entry, bool timestamps) {
  if (!timestamps) return entry.log;
  // Printed from time_ns, not copied from `time`: a record written by another tool
  // (another zone, fewer digits) is normalised, so the columns line up as in
  // docker logs -t.
  return format_log_time(entry.time_ns) + " " + entry.log;
}

}  // namespace minirun::engine
