/**
 * @file stamps.hpp
 * @brief The two stamps every object of the engine gets when it is made: a random id and
 *        the time, as text.
 *
 * Containers and networks are named by 64 random hex digits, as in Docker (ids are
 * random, not content hashes: two containers from the same image with the same flags are
 * still two containers), and carry their creation time as RFC 3339 with nanoseconds in
 * UTC ("2026-11-28T09:15:02.123456789Z"), the format `docker inspect` prints and that
 * sorts as text in time order. Man pages: clock_gettime(2), getrandom(2).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace minirun::sys {

/// 64 random lowercase hex digits from getrandom(2).
std::string random_hex_id();

/// The current time as RFC 3339 in UTC with nanoseconds.
std::string now_rfc3339();

/// Writes `unix_ns` (nanoseconds since 1970, before it too) as RFC 3339 in UTC with
/// nanoseconds into `out` (kRfc3339Size bytes suffice), without the time zone machinery
/// of the C library: gmtime_r(3) reads /etc/localtime on its first call (tzset), which a
/// UTC stamp does not need and a short-lived command would pay for. Returns the length.
inline constexpr size_t kRfc3339Size = 48;
size_t format_rfc3339(char* out, int64_t unix_ns);

}  // namespace minirun::sys
