/**
 * @file store_tx.hpp
 * @brief One write transaction on the cluster store: the rules every write obeys.
 *
 * A StoreTx exists only inside ClusterStore::update(), which opens an SQLite
 * transaction, hands the StoreTx to the caller's function, and commits when the
 * function returns success (or rolls everything back when it, or any write, fails).
 * The rules a write follows, whoever makes it:
 *
 *  - **Versions (optimistic concurrency).** Every object carries the `version` of the
 *    row it was read from. update() succeeds only if the stored row still has that
 *    version, and then stores version + 1. So when the scheduler and an HTTP handler
 *    both read task 7 at version 3 and both write, the second write is refused with
 *    "task `7` changed since it was read (version 3, now 4): read it again", instead
 *    of silently undoing the first. Nothing is locked while a component thinks; the
 *    loser re-reads and decides again (is_version_conflict()). This is SwarmKit's
 *    `Meta.Version` check, and HTTP's If-Match.
 *  - **Bookkeeping.** create() sets version 1 and, when they are zero, created_ms and
 *    updated_ms (and a new id when the id is empty); update() sets updated_ms. The
 *    time is one reading of the store's clock per transaction, so every object
 *    written together carries the same time. The caller's object is updated in place
 *    to what was stored; a refused write leaves it as it was.
 *  - **Names.** Two services cannot share a name (`docker service create` refuses).
 *  - **The change log.** Every write appends a Change in the same transaction
 *    (store_change.hpp).
 *  - **One failure spoils the transaction.** After any write fails, the transaction is
 *    rolled back even if the caller's function goes on and returns success: a batch
 *    is all or nothing.
 *
 * Reads through a StoreTx see the transaction's own writes (it is the same SQLite
 * connection, inside the same transaction).
 *
 * Not here: removing a service does not remove its tasks (that is the orchestrator's
 * decision, visible in the change log), and nothing checks that a task's service or
 * node exists: the store keeps what it is given, the components keep the meaning.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"
#include "miniswarm/store/store_change.hpp"

namespace miniswarm {

namespace sqlite {
class Database;
}

using minirun::sys::Error;
using minirun::sys::Result;

/// True for the error of an update() whose object changed since it was read (the
/// caller should read the object again and retry its decision).
bool is_version_conflict(const Error& error);
/// True for the error of an update() or remove of an object that does not exist.
bool is_not_found(const Error& error);

/// The reads and writes of one transaction; see the file comment for the rules.
class StoreTx {
 public:
  StoreTx(const StoreTx&) = delete;
  StoreTx& operator=(const StoreTx&) = delete;

  // Reads: they see this transaction's writes.
  Result<std::optional<Cluster>> cluster();
  Result<std::optional<Node>> node(std::string_view id);
  Result<std::vector<Node>> nodes();
  Result<std::optional<Service>> service(std::string_view id);
  Result<std::optional<Service>> service_by_name(std::string_view name);
  Result<std::vector<Service>> services();
  Result<std::optional<Task>> task(std::string_view id);
  Result<std::vector<Task>> tasks();
  Result<std::vector<Task>> tasks_of_service(std::string_view service_id);
  Result<std::vector<Task>> tasks_of_node(std::string_view node_id);

  // Writes. Each updates its argument to what was stored (version, times, id).
  /// Creates the single cluster row, or updates it (version rule as for update()).
  Result<void> put(Cluster& cluster);
  Result<void> create(Node& node);
  Result<void> update(Node& node);
  Result<void> remove_node(std::string_view id);
  Result<void> create(Service& service);
  Result<void> update(Service& service);
  Result<void> remove_service(std::string_view id);
  Result<void> create(Task& task);
  Result<void> update(Task& task);
  Result<void> remove_task(std::string_view id);

  /// The time this transaction stamps on what it writes (ms since the epoch).
  int64_t now_ms() const { return now_ms_; }
  /// Changes appended so far (0: the transaction wrote nothing).
  uint64_t change_count() const { return change_count_; }
  /// The seq of the last change appended so far (0 when none).
  uint64_t last_seq() const { return last_seq_; }

 private:
  friend class ClusterStore;
  StoreTx(sqlite::Database& db, int64_t now_ms, std::string label)
      : db_(db), now_ms_(now_ms), label_(std::move(label)) {}

  template <class T>
  Result<void> create_object(T& object);
  template <class T>
  Result<void> update_object(T& object);
  template <class T>
  Result<void> remove_object(std::string_view id);
  Result<void> check_name_free(const Service& service);
  Result<void> append(ObjectKind kind, ChangeAction action, std::string_view id);
  /// Remembers the first failed write, which dooms the transaction.
  Result<void> remember(Result<void> result);
  /// Names the store and the operation in an error that came from SQLite.
  Error sqlite_error(Error error, std::string_view what) const;
  template <class R>
  R named(R result, std::string_view what) const {
    if (!result) return sqlite_error(std::move(result).error(), what);
    return result;
  }

  sqlite::Database& db_;
  int64_t now_ms_;
  std::string label_;  ///< "cluster store `/path`", for SQLite's errors
  uint64_t change_count_ = 0;
  uint64_t last_seq_ = 0;
  std::optional<Error> failure_;
};

}  // namespace miniswarm
