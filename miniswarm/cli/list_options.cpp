/**
 * @file list_options.cpp
 * @brief The output flags of list_options.hpp.
 */
#include "miniswarm/cli/list_options.hpp"

#include <nlohmann/json.hpp>

namespace miniswarm::cli {

minirun::sys::Result<void> check_format(const std::string& format) {
  if (format.empty() || format == "table" || format == "json") return minirun::sys::ok();
  return minirun::sys::Error(
      "--format: `" + format +
      "` is not a format the kit prints (use table or json; Go templates are not supported)");
}

bool wants_json(const std::string& format) {
  return format == "json";
}

void print_json_lines(const nlohmann::json& list, std::ostream& out) {
  for (const auto& item : list) out << item.dump() << "\n";
}

}  // namespace miniswarm::cli
