/**
 * @file store_change.hpp
 * @brief The store's change log: "task `k2j4...` was updated", numbered in commit order.
 *
 * The swarm's components never call each other. The orchestrator does not tell the
 * scheduler "I made a task"; it writes the task, and the scheduler, which was waiting
 * for the store to change, wakes up, reads what changed and does its part. This is
 * SwarmKit's design (its memdb publishes an event per write, and every component runs
 * a loop over a watch of those events), and what makes each component testable alone.
 *
 * Every write in a ClusterStore transaction appends one Change row in the same SQLite
 * transaction, so the log and the objects can never disagree: a rolled-back
 * transaction leaves neither. `seq` numbers the rows in commit order without gaps (an
 * AUTOINCREMENT key, whose counter rolls back with the transaction). A component
 * remembers the last seq it handled and asks for the ones after it
 * (ClusterStore::changes_since); the store keeps only the last few thousand rows, and
 * a component that fell further behind is told to start over from a snapshot, as a
 * SwarmKit watcher is when its queue overflows.
 *
 * A Change says *which* object changed, not how: the reader reads the object itself,
 * which is by then at least as new as the change (and gone, after a delete).
 *
 * Docs: SwarmKit manager/state/store/memory.go (events), manager/state/watch.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace miniswarm {

/// Which table a change touched.
enum class ObjectKind { kCluster, kNode, kService, kTask };
/// What happened to the object.
enum class ChangeAction { kCreate, kUpdate, kDelete };

/// One row of the change log.
struct Change {
  uint64_t seq = 0;  ///< 1, 2, 3, ... in commit order, never reused
  ObjectKind kind = ObjectKind::kTask;
  ChangeAction action = ChangeAction::kUpdate;
  std::string id;    ///< the object's id
  bool operator==(const Change&) const = default;
};

/// "cluster", "node", "service", "task": the names in the changes table.
std::string_view to_string(ObjectKind kind);
/// "create", "update", "delete".
std::string_view to_string(ChangeAction action);
/// The inverse of to_string; false for a name it does not know.
bool parse(std::string_view s, ObjectKind& out);
bool parse(std::string_view s, ChangeAction& out);

}  // namespace miniswarm
