/**
 * @file task_reaper.hpp
 * @brief The task reaper: how much history each slot keeps.
 *
 * Every restart leaves the stopped task in the store, desired SHUTDOWN, so that
 * `miniswarm service ps` can show what happened (the `\_` rows). Without a limit a
 * crash-looping service would fill the store; the reaper deletes the oldest history.
 * Its rules, for the tasks of services that exist (removed_service.hpp handles the rest):
 *
 * - **history limit** (SwarmKit's TaskHistoryRetentionLimit, Docker's
 *   `--task-history-limit`, default 5): per slot (per node for a global service), the
 *   newest `limit` tasks that are terminal and desired SHUTDOWN stay, older ones go.
 *   Newest means latest stopped (status timestamp), as in SwarmKit. A negative limit
 *   keeps all history; 0 keeps none. SwarmKit counts the task meant to run among the
 *   five; here the five are all history, so a slot shows its current task and five past
 *   ones;
 * - **the restart window** outranks the limit: a task a `--restart-window` may still
 *   count is kept (restart_supervisor.hpp explains why);
 * - **gone slots**: history of slots above `--replicas` after a scale down, and of nodes
 *   removed from the cluster, is deleted as soon as those tasks have stopped: the slot
 *   will not come back with that history (a later scale-up starts afresh);
 * - **never ran**: a task desired SHUTDOWN that no node ever took is deleted (the
 *   orchestrator already deletes those it stops itself; this catches older ones).
 *
 * The reaper runs last in an orchestrator run, over the task list as the run's other
 * actions leave it, so a task stopped in this run already counts as history and the
 * next run finds nothing more to reap (orchestrator.hpp).
 *
 * Docs: SwarmKit manager/orchestrator/taskreaper; `docker swarm update --task-history-limit`.
 */
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator {

/// Docker's default `--task-history-limit`.
inline constexpr int64_t kDefaultTaskHistoryLimit = 5;

/// The tasks to delete (id -> reason) among `tasks`, given the services and nodes that
/// exist. Tasks of services not in `services` are left to removed_service.hpp.
std::map<std::string, std::string> find_tasks_to_reap(const std::vector<const Task*>& tasks,
                                                      const std::vector<Service>& services,
                                                      const std::vector<Node>& nodes,
                                                      int64_t now_ms, int64_t history_limit);

/// The same, for a plain task list.
std::map<std::string, std::string> find_tasks_to_reap(const std::vector<Task>& tasks,
                                                      const std::vector<Service>& services,
                                                      const std::vector<Node>& nodes,
                                                      int64_t now_ms, int64_t history_limit);

}  // namespace miniswarm::orchestrator
