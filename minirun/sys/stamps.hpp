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

#include <string>

namespace minirun::sys {

/// 64 random lowercase hex digits from getrandom(2).
std::string random_hex_id();

/// The current time as RFC 3339 in UTC with nanoseconds.
std::string now_rfc3339();

}  // namespace minirun::sys
