/**
 * @file stamps.cpp
 * @brief Random ids and time stamps; see stamps.hpp.
 */
#include "minirun/sys/stamps.hpp"

#include <sys/random.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace minirun::sys {

std::string random_hex_id() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n <= 0) break;  // only before the entropy pool is ready, early at boot
    got += static_cast<size_t>(n);
  }
  if (got < sizeof bytes) {
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

size_t format_rfc3339(char* out, int64_t unix_ns) {
  // Calendar arithmetic of <chrono>: the day the instant falls in (floor, so an instant
  // before 1970 still has a time of day in [0, 24h)), its date, and the time since its
  // midnight.
  using namespace std::chrono;
  const sys_time<nanoseconds> instant{nanoseconds{unix_ns}};
  const sys_days day = floor<days>(instant);
  const year_month_day date{day};
  const hh_mm_ss<nanoseconds> time{instant - day};
  const int length = std::snprintf(
      out, kRfc3339Size, "%04d-%02u-%02uT%02d:%02d:%02d.%09lldZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()), static_cast<long long>(time.subseconds().count()));
  // int64 nanoseconds span the years 1677-2262: four digits, never cut short.
  return length > 0 ? std::min(static_cast<size_t>(length), kRfc3339Size - 1) : 0;
}

std::string now_rfc3339() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  char text[kRfc3339Size];
  return std::string(
      text, format_rfc3339(text, static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec));
}

}  // namespace minirun::sys
