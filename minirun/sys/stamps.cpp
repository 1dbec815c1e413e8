/**
 * @file stamps.cpp
 * @brief Random ids and time stamps; see stamps.hpp.
 */
#include "minirun/sys/stamps.hpp"

#include <sys/random.h>

#include <cstdio>
#include <ctime>
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

std::string now_rfc3339() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  ::gmtime_r(&ts.tv_sec, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ts.tv_nsec);
  return text;
}

}  // namespace minirun::sys
