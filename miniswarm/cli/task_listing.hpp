/**
 * @file task_listing.hpp
 * @brief What `service ps` and `node ps` share: fetch tasks, name their nodes, print.
 *
 * Both commands are the same listing filtered differently (GET /v1/tasks?service=X or
 * ?node=Y), printed by task_table.hpp, or as ids (`-q`) or JSON Lines (`--format
 * json`). Several services or nodes on one command line give one table, each task
 * once, as in Docker.
 */
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/cli/list_options.hpp"
#include "miniswarm/cli/manager_client.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// The tasks matching each of `values` for the filter `key` ("service" or "node"), each
/// task once. The error names the value the manager did not find.
minirun::sys::Result<std::vector<Task>> fetch_tasks(const ManagerClient& client,
                                                    const std::string& key,
                                                    const std::vector<std::string>& values);

/// Node id -> hostname, for the NODE column.
minirun::sys::Result<std::map<std::string, std::string>> fetch_hostnames(
    const ManagerClient& client);

/// Prints `tasks` as `ps` does: the table (asks the manager for hostnames), -q, or JSON.
minirun::sys::Result<void> print_tasks(const ManagerClient& client, const std::vector<Task>& tasks,
                                       const PsOptions& options, int64_t now_ms, std::ostream& out);

/// Milliseconds since the epoch, now (the ages in CURRENT STATE).
int64_t now_ms();

}  // namespace miniswarm::cli
