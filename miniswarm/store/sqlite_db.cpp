/**
 * @file sqlite_db.cpp
 * @brief The SQLite connection, its statement cache, and one-use statements
 *        (see sqlite_db.hpp).
 */
#include "miniswarm/store/sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace miniswarm::sqlite {

StatementUse::StatementUse(Database& db, sqlite3_stmt* stmt, bool* in_use)
    : db_(&db), stmt_(stmt), in_use_(in_use) {
  if (in_use_ != nullptr) *in_use_ = true;
}

StatementUse::StatementUse(StatementUse&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      bind_error_(other.bind_error_) {}

StatementUse::~StatementUse() {
  if (stmt_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  // Reset ends the statement's implicit read transaction (a statement left mid-rows
  // would pin the WAL and block checkpoints); clearing the bindings drops our copies
  // of the bound text.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *in_use_ = false;
}

StatementUse& StatementUse::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so the caller's string may go away
  // before the step (a temporary JSON dump, for instance).
  int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

StatementUse& StatementUse::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> StatementUse::step() {
  if (bind_error_ != 0) {
    return Error(std::string("bind a parameter: ") + sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->last_error();
}

Result<void> StatementUse::run() {
  while (true) {
    auto row = step();
    if (!row) return std::move(row).error();
    if (!*row) return minirun::sys::ok();
  }
}

std::string_view StatementUse::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

int64_t StatementUse::column_int64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

bool StatementUse::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: the store serialises all use of the connection with its own mutex, so
  // SQLite's per-call locking would be paid for nothing.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    // Even a failed open may allocate a handle, which carries the message.
    Error error(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return error;
  }
  // Extended result codes make sqlite3_errmsg() no less readable and let a reader of
  // a log tell SQLITE_IOERR_FSYNC from SQLITE_IOERR_WRITE.
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  // close_v2 does not fail on statements still alive somewhere; it closes when they go.
  sqlite3_close_v2(db_);
}

Result<void> Database::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return minirun::sys::ok();
  Error error(message != nullptr ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  return error;
}

Result<StatementUse> Database::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    return StatementUse(*this, it->second.stmt, &it->second.in_use);
  }
  // PERSISTENT tells SQLite the statement will live long, so it allocates it outside
  // its short-lived lookaside memory.
  bool cache_it = it == cache_.end();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache_it ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return last_error();
  if (!cache_it) return StatementUse(*this, stmt, nullptr);  // nested use: a private one
  auto [inserted, _] = cache_.emplace(std::string(sql), CachedStatement{stmt, false});
  return StatementUse(*this, stmt, &inserted->second.in_use);
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Error Database::last_error() const { return Error(sqlite3_errmsg(db_)); }

}  // namespace miniswarm::sqlite
