/**
 * @file duration.hpp
 * @brief Durations written as Go writes them: `30s`, `1m30s`, `1.5h`, `250ms`.
 *
 * HEALTHCHECK's `--interval`, `--timeout`, `--start-period` and
 * `--start-interval` take Go duration strings (Go's `time.ParseDuration`), since
 * that is what Docker reads: a sequence of decimal numbers, each with a unit
 * (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), optionally signed; `0` alone needs no
 * unit. Docker then requires each to be 0 (the default) or at least 1ms.
 */
#pragma once

#include <chrono>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace imagebuilder::spec {

/// Parses a Go duration string; the error names the text.
minirun::sys::Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace imagebuilder::spec
