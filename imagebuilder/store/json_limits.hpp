/**
 * @file json_limits.hpp
 * @brief Parsing JSON that came from somewhere else (a tarball, a blob) with hard limits.
 *
 * An image config or manifest in a tarball from the internet is hostile input until
 * proven otherwise. JSON libraries happily build a 2 GB string, a billion-element
 * array, or recurse 100,000 levels deep into `[[[[...`, and a program that trusts
 * them can be made to run out of memory or stack. Docker caps what it reads (it
 * reads at most 8 MiB of a config); this kit does the same, in one place:
 *
 *  - the whole document: at most `max_bytes` (8 MiB for a config);
 *  - nesting: at most 64 levels, checked by a scan of the bytes *before* parsing, so
 *    the parser never sees a deep document;
 *  - every string: at most 64 KiB; every array or object: at most 10,000 entries.
 *
 * Errors name the document and the JSON path of the offending field, e.g.
 * ``config `blobs/sha256/ab..`: field `config.Env`: more than 10000 entries``.
 * nlohmann's exceptions stop here and become Errors.
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "minirun/sys/error.hpp"

namespace imagebuilder::store {

using minirun::sys::Error;
using minirun::sys::Result;

/// The caps applied to one document.
struct JsonLimits {
  std::size_t max_bytes = 8u << 20;
  std::size_t max_depth = 64;
  std::size_t max_string = 64u << 10;
  std::size_t max_entries = 10000;
};

/// Parses `bytes` within `limits`; `what` (e.g. "config `x.json`") starts every error.
Result<nlohmann::json> parse_json_limited(std::string_view bytes, std::string_view what,
                                          const JsonLimits& limits = {});

}  // namespace imagebuilder::store
