/**
 * @file schedulable.hpp
 * @brief Which tasks the scheduler looks at, and which it must leave for later.
 *
 * The scheduler's whole input is "every task in the store"; most of them are none of its
 * business. It acts on a task that the orchestrator made PENDING, that the manager still
 * wants RUNNING, and whose restart delay is over:
 *
 *  - **unassigned**: no node yet (replicated services): the scheduler picks one;
 *  - **pinned**: the node is already set (global services make one task per node):
 *    the scheduler only checks that this node still passes the filters, and assigns it
 *    or leaves it pending with the reason;
 *  - **delayed**: PENDING, but Task::not_before_ms is still ahead (the restart policy's
 *    `--restart-delay`): skipped this time, with the reason "restart delay: 1.2 s left";
 *  - **ignored**: everything else (already assigned, running, ended, being shut down).
 *
 * The clock is an argument (`now_ms`), never read here, so a test can stand at any time.
 */
#pragma once

#include <cstdint>
#include <string>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::scheduler {

enum class Schedulability { kIgnored, kDelayed, kUnassigned, kPinned };

/// Sorts a task into one of the four cases of the file comment.
Schedulability classify_task(const Task& task, int64_t now_ms);

/// "restart delay: 1.2 s left" (rounded up to a tenth, so never "0.0 s").
std::string restart_delay_reason(const Task& task, int64_t now_ms);

}  // namespace miniswarm::scheduler
