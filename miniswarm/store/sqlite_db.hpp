/**
 * @file sqlite_db.hpp
 * @brief A thin RAII layer over the SQLite C API: one connection, its cached prepared
 *        statements, and errors that carry sqlite3_errmsg().
 *
 * SQLite's C API is small but unforgiving: a statement that is not reset keeps its read
 * transaction open (and a WAL file from ever being checkpointed), a statement that is
 * not finalized keeps the connection from closing, and an error code without
 * sqlite3_errmsg() tells a learner nothing. This file handles those three once:
 *
 *  - Database owns the `sqlite3*` handle and a cache of prepared statements keyed by
 *    their SQL text. Preparing (parsing and planning the SQL) costs more than running a
 *    simple statement, and the store runs the same dozen statements millions of times.
 *  - StatementUse is a statement borrowed from the cache for one use: bind, step, read
 *    columns; its destructor resets the statement and clears its bindings, so a
 *    forgotten reset cannot happen. If the cached statement is already borrowed (a
 *    nested use of the same SQL), the borrower gets a fresh, private statement instead.
 *  - Errors are Error("<sqlite3_errmsg>"), taken at once after the failing call; the
 *    layers above add what they were doing ("update task `x`") and which database.
 *
 * What it leaves out: no threading (the caller holds one mutex around the connection,
 * which is opened with SQLITE_OPEN_NOMUTEX), no blobs or doubles (the store needs text
 * and integers only), no SQL building.
 *
 * Docs: https://sqlite.org/cintro.html ("An Introduction To The SQLite C/C++ Interface"),
 * sqlite3_prepare_v3, sqlite3_step, sqlite3_reset.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace miniswarm::sqlite {

using minirun::sys::Error;
using minirun::sys::Result;

class Database;

/// One use of a prepared statement: bind parameters, step through rows, read columns.
/// Resets the statement when it goes out of scope. Parameters and columns are numbered
/// as SQLite numbers them: parameters from 1 (`?1`), columns from 0.
class StatementUse {
 public:
  StatementUse(StatementUse&& other) noexcept;
  StatementUse& operator=(StatementUse&&) = delete;
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  ~StatementUse();

  StatementUse& bind(int index, std::string_view text);
  StatementUse& bind(int index, int64_t value);

  /// Runs the statement to its next row: true when a row is ready to read, false when
  /// the statement is done. A bind that failed earlier is reported here.
  Result<bool> step();
  /// Steps until done (for statements that return no rows: INSERT, UPDATE, DELETE).
  Result<void> run();

  /// The column of the current row; text is valid until the next step or reset.
  std::string_view column_text(int index) const;
  int64_t column_int64(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  StatementUse(Database& db, sqlite3_stmt* stmt, bool* in_use);

  Database* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;  ///< the cache's flag; nullptr when this use owns a private statement
  int bind_error_ = 0;
};

/// One open SQLite connection and its statement cache.
class Database {
 public:
  /// Opens (creating if needed) the database file at `path`. The error is SQLite's own
  /// words ("unable to open database file"); the caller names the path.
  static Result<std::unique_ptr<Database>> open(const std::string& path);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  /// Runs one or more statements that return nothing useful (DDL, BEGIN, PRAGMA x=y).
  Result<void> exec(const std::string& sql);
  /// The statement for `sql`, from the cache (prepared on first use).
  Result<StatementUse> prepare(std::string_view sql);

  /// Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t changes() const;
  /// The rowid of the last successful INSERT (the change log's seq).
  int64_t last_insert_rowid() const;
  /// Whether a transaction is open (sqlite3_get_autocommit() is 0).
  bool in_transaction() const;
  /// sqlite3_errmsg() of the last failed call, as an Error.
  Error last_error() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}

  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  std::map<std::string, CachedStatement, std::less<>> cache_;
};

}  // namespace miniswarm::sqlite
