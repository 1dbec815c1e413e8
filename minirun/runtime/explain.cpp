/**
 * @file explain.cpp
 * @brief Printing `--explain` lines (see explain.hpp).
 */
#include "minirun/runtime/explain.hpp"

#include <unistd.h>

#include <cstdio>

namespace minirun::runtime {

namespace {
long long micros_between(const struct timespec& a, const struct timespec& b) {
  return (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
}
}  // namespace

const struct timespec& Explainer::origin() {
  // The first use is early in the runtime's process; the container's init, a copy of
  // it, inherits the same origin, so both print on one clock.
  static const struct timespec t = [] {
    struct timespec now {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now;
  }();
  return t;
}

void Explainer::end(Step step, const char* detail) const {
  if (!enabled_) return;
  struct timespec now {};
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long us = micros_between(start_, now);
  long long at = micros_between(origin(), now);
  const StepInfo& info = step_info(step);
  char line[512];
  // One write(2) per line: the parent and the container's init both print, and a
  // single write keeps their lines whole.
  int n = std::snprintf(line, sizeof line, "[explain] %2d %-22s %-24s %6lld us  (at %6lld us)  %s%s%s%s\n",
                        static_cast<int>(step) + 1, info.name, info.man_page, us, at, info.why,
                        detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
  if (n > 0) (void)!::write(fd_, line, static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1);
}

}  // namespace minirun::runtime
