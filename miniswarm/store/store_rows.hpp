/**
 * @file store_rows.hpp
 * @brief How an object becomes a row and back: the SQL of the cluster store, in one place.
 *
 * Internal to the store. Each function here is one SQL statement (or one loop over its
 * rows) on an already locked connection; none decides anything. The rules (versions,
 * unique names, the change log) are StoreTx's (store_tx.hpp); the locking and the
 * transactions are ClusterStore's (cluster_store.hpp).
 *
 * A row is `id, version, body` plus the columns a query needs (services.name,
 * tasks.service_id, tasks.node_id): see cluster_store_schema.cpp. The `version` column
 * is the truth: it is what an update compares against, and it overwrites the copy in
 * the body on every read, so editing a body by hand cannot fool the concurrency check.
 *
 * The templates are instantiated for Cluster, Node, Service and Task in store_rows.cpp.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"
#include "miniswarm/store/sqlite_db.hpp"
#include "miniswarm/store/store_change.hpp"

namespace miniswarm::rows {

using minirun::sys::Result;

/// The kind and the words for objects of type T: kind_of<Task>() is kTask, noun "task".
template <class T>
ObjectKind kind_of();
template <class T>
std::string_view noun_of();

/// The row with this id, or nullopt.
template <class T>
Result<std::optional<T>> read_one(sqlite::Database& db, std::string_view id);
/// Every row of the table, in the order they were created.
template <class T>
Result<std::vector<T>> read_all(sqlite::Database& db);
/// The stored version of the row with this id, or nullopt when there is none.
template <class T>
Result<std::optional<uint64_t>> read_version(sqlite::Database& db, std::string_view id);

/// Inserts `object` as it is (version included). False when its id is already taken.
template <class T>
Result<bool> insert_row(sqlite::Database& db, const T& object);
/// Replaces the row of object.id if its stored version is `expected_version`.
/// False when no row matched (gone, or changed since).
template <class T>
Result<bool> update_row(sqlite::Database& db, const T& object, uint64_t expected_version);
/// Deletes the row with this id; false when there was none.
template <class T>
Result<bool> delete_row(sqlite::Database& db, std::string_view id);

/// The service with this name, or nullopt (services.name is unique).
Result<std::optional<Service>> read_service_by_name(sqlite::Database& db, std::string_view name);
/// The tasks whose service_id (or node_id) is `id`, oldest first; by index.
Result<std::vector<Task>> read_tasks_of_service(sqlite::Database& db, std::string_view id);
Result<std::vector<Task>> read_tasks_of_node(sqlite::Database& db, std::string_view id);

/// Appends a change row; returns its seq.
Result<uint64_t> append_change(sqlite::Database& db, ObjectKind kind, ChangeAction action,
                               std::string_view id);
/// Up to `limit` changes with seq > `after`, in seq order.
Result<std::vector<Change>> read_changes(sqlite::Database& db, uint64_t after, size_t limit);
/// The smallest and largest seq still in the log (0, 0 when it is empty).
Result<std::pair<uint64_t, uint64_t>> change_seq_range(sqlite::Database& db);
/// Deletes change rows with seq <= `up_to`.
Result<void> trim_changes(sqlite::Database& db, uint64_t up_to);

}  // namespace miniswarm::rows
