/**
 * @file cluster_store_schema.hpp
 * @brief The cluster store's tables, and the settings that make one SQLite file a
 *        durable, shareable manager state (see cluster_store_schema.cpp for the SQL).
 *
 * Internal to the store: ClusterStore::open calls prepare_cluster_store() once, right
 * after opening the connection.
 */
#pragma once

#include "minirun/sys/error.hpp"
#include "miniswarm/store/sqlite_db.hpp"

namespace miniswarm {

/// The schema this code writes and reads, kept in `PRAGMA user_version`. A store with
/// a newer version was written by a newer miniswarm and is refused, not guessed at.
inline constexpr int kClusterStoreSchemaVersion = 1;

/// Sets the connection's journal mode, durability and lock wait, then creates the
/// tables in a new file, or checks that an existing file is a cluster store of a known
/// schema version. Errors are SQLite's words, or say what the file is instead.
minirun::sys::Result<void> prepare_cluster_store(sqlite::Database& db, int busy_timeout_ms);

}  // namespace miniswarm
