/**
 * @file human_duration.hpp
 * @brief "5 seconds", "About a minute", "2 hours": how long ago, in the words Docker
 *        uses in `service ps` and `node ls`.
 *
 * The rule is go-units' `HumanDuration`, so the CURRENT STATE column reads exactly as
 * in `docker service ps`: whole seconds up to a minute, then minutes, then hours
 * (rounded to the nearest: 90 minutes is "2 hours"), days from 48 hours, weeks from two
 * weeks, months from two months, years from two years. `docker service ps` lower-cases
 * it after the state ("Running about a minute ago"); task_state_age() does the same.
 *
 * Docs: github.com/docker/go-units duration.go; docker/cli cli/command/task/formatter.go.
 */
#pragma once

#include <cstdint>
#include <string>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// go-units HumanDuration of `ms` milliseconds: "Less than a second", "1 second",
/// "5 seconds", "About a minute", "3 minutes", "About an hour", "5 hours", "3 days",
/// "2 weeks", "3 months", "2 years". Negative durations (a clock ahead of ours) count
/// as zero.
std::string human_duration(int64_t ms);

/// The CURRENT STATE column: "Running 5 seconds ago", "Pending less than a second ago"
/// (the state capitalised, the duration since the status's timestamp lower-cased).
std::string task_state_age(const TaskStatus& status, int64_t now_ms);

}  // namespace miniswarm::cli
