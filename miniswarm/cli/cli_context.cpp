/**
 * @file cli_context.cpp
 * @brief The throwing conveniences of cli_context.hpp.
 */
#include "miniswarm/cli/cli_context.hpp"

namespace miniswarm::cli {

int64_t parse_duration_ms(const std::string& text, const std::string& flag) {
  auto ms = parse_duration(flag, text);
  if (!ms.ok()) throw CliError{ms.error().what()};
  return *ms;
}

}  // namespace miniswarm::cli
