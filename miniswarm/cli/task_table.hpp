/**
 * @file task_table.hpp
 * @brief The table of `service ps` and `node ps`: one line per task, the history of a
 *        slot indented under its current task.
 *
 * A replica is not one task but a *slot* that a sequence of tasks has filled: each
 * failure or node loss leaves its task in the store as history and puts a new one in
 * the same slot (task_state.hpp). `docker service ps` shows that sequence, newest
 * first, with the earlier attempts marked ` \_`:
 *
 *     ID             NAME        IMAGE     NODE      DESIRED STATE   CURRENT STATE
 *     e9u4oms28voq   bad.1       failing             Running         Pending 1 second ago
 *     ek00krlas407    \_ bad.1   failing   lab-1     Shutdown        Failed 2 seconds ago
 *     2a72yp31s54j    \_ bad.1   failing   lab-1     Shutdown        Failed 9 seconds ago
 *
 * (the ERROR column, cut here, holds "restart delay: 4 s left" on the first line and
 * "exit code 1" on the others).
 *
 * Grouping: tasks of one service and one slot (a global service's tasks: one node)
 * form a group; groups come by service name, then slot number (numbers, where Docker
 * compares `web.10` and `web.2` as strings), then node. Inside a group the current
 * task leads (desired state RUNNING; the newest if several), then the rest newest first.
 *
 * Columns as Docker's: ID cut to 12 characters, NAME `service.slot` (global:
 * `service.<node id>`), NODE as the node's hostname (its id when the node is gone),
 * DESIRED STATE and CURRENT STATE capitalised, CURRENT STATE aged by
 * human_duration.hpp, ERROR quoted and cut to 30 characters with `…`. For a PENDING
 * task ERROR shows the scheduler's reason (Task::pending_reason), which is where
 * SwarmKit puts it too (in the task's status error). `--no-trunc` keeps ids and errors
 * whole. Docker's PORTS column is left out: the kit publishes no service ports yet.
 *
 * Docs: docker/cli cli/command/task/print.go and formatter.go.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// A task in table order; `history` marks the ` \_` rows.
struct TaskRow {
  const Task* task = nullptr;
  bool history = false;
};

/// The tasks in Docker's order (pointers into `tasks`).
std::vector<TaskRow> order_tasks(const std::vector<Task>& tasks);

/// `web.1`, or `web.<node id>` for a global service's task.
std::string task_display_name(const Task& task);

/// The ERROR cell: the error (or a pending task's reason), quoted; cut unless no_trunc.
std::string task_error_cell(const Task& task, bool no_trunc);

/// The whole table; `hostnames` maps node ids to hostnames; ages are relative to now_ms.
std::string render_task_table(const std::vector<Task>& tasks,
                              const std::map<std::string, std::string>& hostnames, int64_t now_ms,
                              bool no_trunc);

/// `-q`: the task ids in table order, one per line (cut to 12 unless no_trunc).
std::string render_task_ids(const std::vector<Task>& tasks, bool no_trunc);

}  // namespace miniswarm::cli
