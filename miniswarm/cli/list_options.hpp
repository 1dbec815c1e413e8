/**
 * @file list_options.hpp
 * @brief The output flags that `ls`, `ps` and `inspect` share: `-q`, `--format`,
 *        `--no-trunc`, and the JSON Lines form of `--format json`.
 *
 * `--format json` prints one JSON object per line (JSON Lines), as the docker CLI does
 * for `ls --format json`, so a lab's check can read line by line (`jq -c`, `grep`).
 * The objects are the kit's own, exactly as the manager sends them (objects_json.cpp
 * field names, plus `running_tasks`/`desired_tasks` for services), rather than
 * Docker's table columns: a check wants `status` = "ready", not "Ready".
 * Docker's Go templates (`--format '{{.ID}}'`) are left out.
 */
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>

#include "minirun/sys/error.hpp"

namespace miniswarm::cli {

/// `ls` flags.
struct ListOptions {
  bool quiet = false;  ///< -q: ids only
  std::string format;  ///< "" or "table": the table; "json": JSON Lines
};

/// `ps` flags.
struct PsOptions {
  bool quiet = false;
  bool no_trunc = false;  ///< full ids and errors
  std::string format;
};

/// Whether `format` is one the kit prints ("", "table", "json"); the error names --format.
minirun::sys::Result<void> check_format(const std::string& format);

/// Whether `format` asks for JSON Lines.
bool wants_json(const std::string& format);

/// Each element of the array `list` on its own line.
void print_json_lines(const nlohmann::json& list, std::ostream& out);

}  // namespace miniswarm::cli
