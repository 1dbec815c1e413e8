/**
 * @file explain.cpp
 * @brief Printing `--explain` lines (see explain.hpp).
 */
#include "minirun/runtime/explain.hpp"

#include <unistd.h>

#include <cstdio>

namespace minirun::runtime {

void Explainer::end(Step step, const char* detail) const {
  if (!enabled_) return;
  struct timespec now {};
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long us = (now.tv_sec - start_.tv_sec) * 1000000LL + (now.tv_nsec - start_.tv_nsec) / 1000;
  const StepInfo& info = step_info(step);
  char line[512];
  // One write(2) per line: the parent and the container's init both print, and a
  // single write keeps their lines whole.
  int n = std::snprintf(line, sizeof line, "[explain] %2d %-22s %-24s %6lld us  %s%s%s%s\n",
                        static_cast<int>(step) + 1, info.name, info.man_page, us, info.why,
                        detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
  if (n > 0) (void)!::write(fd_, line, static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1);
}

}  // namespace minirun::runtime
