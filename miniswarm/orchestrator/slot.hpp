/**
 * @file slot.hpp
 * @brief Slots: the places a service's tasks fill, and the few questions every part of
 *        the orchestrator asks about the tasks in one slot.
 *
 * A replicated service with `--replicas 3` has slots 1, 2 and 3; a global service has
 * one slot per node (task slot 0, told apart by node id). A slot holds a sequence of
 * tasks over time: the one meant to run now (desired RUNNING), and the ones it replaced
 * (desired SHUTDOWN), which stay as history for `service ps` until the task reaper
 * (task_reaper.hpp) removes them. The restart supervisor counts restarts per slot, the
 * reaper keeps history per slot; both find a task's slot with slot_key().
 *
 * Docs: SwarmKit design/task_model.md ("slots").
 */
#pragma once

#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

/// The tasks of one slot of one service, in no particular order.
using SlotTasks = std::vector<const Task*>;

/// The slot a task fills within its service: "3" for slot 3, "node:<id>" for a global
/// task (slot 0). Tasks of different services may share a key; group by service first.
std::string slot_key(const Task& task);

/// "web.3" or "web on node <id>", as messages name a slot.
std::string describe_slot(const Task& task);

/// Whether `a` was created after `b` (ties broken by id, so the answer is stable).
bool created_after(const Task& a, const Task& b);

/// The task of `tasks` created last; nullptr when `tasks` is empty.
const Task* newest_task(const SlotTasks& tasks);

/// A task that no node has taken yet (NEW or PENDING): stopping it needs no agent,
/// so the orchestrator deletes it instead of asking for a shutdown nobody would carry
/// out.
bool never_assigned(const Task& task);

/// A task the orchestrator still wants running (desired RUNNING or lower).
bool is_runnable(const Task& task);

/// "5s", "1m30s", "250ms": a duration as messages show it.
std::string format_duration_ms(int64_t ms);

}  // namespace miniswarm::orchestrator
