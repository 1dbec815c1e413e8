/**
 * @file cluster_store_schema.cpp
 * @brief The cluster store's tables and connection settings, with the reason for each.
 *
 * One table per kind of object, each row the object's JSON (objects_json.cpp) plus the
 * few columns a query or a rule needs as real columns:
 *
 *  | table    | columns besides id, version, body | why                              |
 *  |----------|-----------------------------------|----------------------------------|
 *  | cluster  | none                              | one row                          |
 *  | nodes    | none                              | read whole                       |
 *  | services | name UNIQUE                       | `service inspect web`; one name  |
 *  | tasks    | service_id, node_id (indexed)     | `service ps`, a node's tasks     |
 *  | changes  | seq, kind, action, object_id      | the change log (store_change.hpp)|
 *
 * Keeping the body as JSON rather than one column per field means a new field in
 * objects.hpp needs no migration (from_json keeps the default for old rows), and a
 * learner can read a row with `sqlite3 state.db "select body from tasks"` or
 * `json_extract(body, '$.status.state')`.
 *
 * Connection settings:
 *  - `journal_mode=WAL`: writers append to `state.db-wal` instead of rewriting pages
 *    in place; readers in other connections (the `sqlite3` shell in a lab) are never
 *    blocked by the manager's writes, and a commit is one sequential append.
 *  - `synchronous=NORMAL`: in WAL mode a commit is not fsync'ed, only written. A
 *    killed manager (kill -9, a crash) loses nothing that was committed, because the
 *    data is in the kernel's page cache; only a power cut or a kernel crash may lose
 *    the last commits (never corrupt the file). This is the usual trade for WAL, and
 *    what lets the scheduler commit thousands of assignments a second. SwarmKit gets
 *    its durability from Raft's log instead; the kit has one manager.
 *  - `cache_size`: see prepare_cluster_store().
 *  - `busy_timeout`: another connection holding the write lock (a second manager on
 *    the same file by mistake, the `sqlite3` shell inside a transaction) makes us wait
 *    up to this long before "database is locked".
 *
 * Docs: https://sqlite.org/wal.html, https://sqlite.org/pragma.html#pragma_synchronous,
 * https://sqlite.org/pragma.html#pragma_user_version, https://sqlite.org/autoinc.html.
 */
#include "miniswarm/store/cluster_store_schema.hpp"

#include <string>

namespace miniswarm {

namespace {

using minirun::sys::Error;
using minirun::sys::Result;

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE cluster (
  id      TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  body    TEXT NOT NULL
);
CREATE TABLE nodes (
  id      TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  body    TEXT NOT NULL
);
CREATE TABLE services (
  id      TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  name    TEXT NOT NULL UNIQUE,
  body    TEXT NOT NULL
);
CREATE TABLE tasks (
  id         TEXT PRIMARY KEY,
  version    INTEGER NOT NULL,
  service_id TEXT NOT NULL,
  node_id    TEXT NOT NULL,
  body       TEXT NOT NULL
);
CREATE INDEX tasks_by_service ON tasks (service_id);
CREATE INDEX tasks_by_node ON tasks (node_id);
CREATE TABLE changes (
  seq       INTEGER PRIMARY KEY AUTOINCREMENT,
  kind      TEXT NOT NULL,
  action    TEXT NOT NULL,
  object_id TEXT NOT NULL
);
PRAGMA user_version = 1;
)sql";

Result<int64_t> query_int(sqlite::Database& db, const std::string& sql) {
  auto statement = db.prepare(sql);
  if (!statement) return std::move(statement).error();
  auto row = statement->step();
  if (!row) return std::move(row).error();
  if (!*row) return int64_t{0};
  return statement->column_int64(0);
}

/// Creates the tables in an empty file, or checks the version of an existing store.
/// Runs inside BEGIN IMMEDIATE so two managers opening a new file at once cannot both
/// create the tables.
Result<void> create_or_check_tables(sqlite::Database& db) {
  auto version = query_int(db, "PRAGMA user_version");
  if (!version) return std::move(version).error();
  if (*version > kClusterStoreSchemaVersion) {
    return Error("the store has schema version " + std::to_string(*version) +
                 ", this miniswarm knows versions up to " +
                 std::to_string(kClusterStoreSchemaVersion) + ": use a newer miniswarm");
  }
  if (*version == kClusterStoreSchemaVersion) return minirun::sys::ok();
  auto tables = query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
  if (!tables) return std::move(tables).error();
  if (*tables != 0) {
    return Error("the file is an SQLite database with other tables, not a cluster store: "
                 "choose another path");
  }
  return db.exec(kSchemaV1);
}

}  // namespace

Result<void> prepare_cluster_store(sqlite::Database& db, int busy_timeout_ms) {
  // busy_timeout first: the statements below may meet another connection's lock.
  MINIRUN_TRY(db.exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms)),
              "set busy_timeout");
  // The first real read of the file: a file that is not a database fails here with
  // "file is not a database". The statement is reset (scope end) before the next one.
  {
    auto mode = db.prepare("PRAGMA journal_mode = WAL");
    if (!mode) return std::move(mode).error().context("set journal_mode=WAL");
    auto row = mode->step();
    if (!row) return std::move(row).error().context("set journal_mode=WAL");
    std::string kept = *row ? std::string(mode->column_text(0)) : std::string();
    if (kept != "wal") {
      return Error("set journal_mode=WAL: SQLite kept journal mode `" + kept +
                   "` (is the file read-only, or on a filesystem without shared memory?)");
    }
  }
  MINIRUN_TRY(db.exec("PRAGMA synchronous = NORMAL"), "set synchronous=NORMAL");
  // 32 MiB of page cache (SQLite's default is 2 MiB): a scheduler batch of 10,000 task
  // assignments rewrites ~12 MiB of rows, and a cache smaller than the transaction
  // spills pages to the WAL before the commit, then reads them back.
  MINIRUN_TRY(db.exec("PRAGMA cache_size = -32768"), "set cache_size");

  MINIRUN_TRY(db.exec("BEGIN IMMEDIATE"), "lock the store to check its schema");
  auto checked = create_or_check_tables(db);
  if (!checked) {
    (void)db.exec("ROLLBACK");
    return checked;
  }
  MINIRUN_TRY(db.exec("COMMIT"), "commit the schema");
  return minirun::sys::ok();
}

}  // namespace miniswarm
