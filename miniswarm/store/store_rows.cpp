/**
 * @file store_rows.cpp
 * @brief The SQL statements of the cluster store and the JSON bodies of its rows
 *        (see store_rows.hpp).
 */
#include "miniswarm/store/store_rows.hpp"

#include <nlohmann/json.hpp>

#include <utility>

namespace miniswarm::rows {

using minirun::sys::Error;

namespace {

/// The statements of one table. Built once per table (the statement cache is keyed
/// by their text, so the same string object is handed to it every time).
struct TableSql {
  std::string select_one, select_all, select_version, insert, update, remove;
};

TableSql make_sql(std::string_view table, std::string_view extra_columns,
                  std::string_view extra_params, std::string_view extra_set) {
  std::string t(table);
  TableSql sql;
  sql.select_one = "SELECT version, body FROM " + t + " WHERE id = ?1";
  sql.select_all = "SELECT version, body FROM " + t + " ORDER BY rowid";
  sql.select_version = "SELECT version FROM " + t + " WHERE id = ?1";
  // ON CONFLICT (id) DO NOTHING turns "id taken" into zero changed rows, a condition
  // the caller reports in words; any other constraint (a service name) still fails.
  sql.insert = "INSERT INTO " + t + " (id, version, body" + std::string(extra_columns) +
               ") VALUES (?1, ?2, ?3" + std::string(extra_params) + ") ON CONFLICT (id) DO NOTHING";
  // The version test in the WHERE clause is the optimistic concurrency check, done by
  // SQLite in the same step as the write: no window between reading and writing.
  sql.update = "UPDATE " + t + " SET version = ?2, body = ?3" + std::string(extra_set) +
               " WHERE id = ?1 AND version = ?4";
  sql.remove = "DELETE FROM " + t + " WHERE id = ?1";
  return sql;
}

template <class T>
struct Table;
template <>
struct Table<Cluster> {
  static constexpr ObjectKind kKind = ObjectKind::kCluster;
  static constexpr std::string_view kNoun = "cluster";
  static const TableSql& sql() {
    static const TableSql s = make_sql("cluster", "", "", "");
    return s;
  }
  static void bind_columns(sqlite::StatementUse&, const Cluster&) {}
};
template <>
struct Table<Node> {
  static constexpr ObjectKind kKind = ObjectKind::kNode;
  static constexpr std::string_view kNoun = "node";
  static const TableSql& sql() {
    static const TableSql s = make_sql("nodes", "", "", "");
    return s;
  }
  static void bind_columns(sqlite::StatementUse&, const Node&) {}
};
template <>
struct Table<Service> {
  static constexpr ObjectKind kKind = ObjectKind::kService;
  static constexpr std::string_view kNoun = "service";
  static const TableSql& sql() {
    static const TableSql s = make_sql("services", ", name", ", ?5", ", name = ?5");
    return s;
  }
  static void bind_columns(sqlite::StatementUse& st, const Service& s) {
    st.bind(5, s.spec.name);
  }
};
template <>
struct Table<Task> {
  static constexpr ObjectKind kKind = ObjectKind::kTask;
  static constexpr std::string_view kNoun = "task";
  static const TableSql& sql() {
    static const TableSql s = make_sql("tasks", ", service_id, node_id", ", ?5, ?6",
                                       ", service_id = ?5, node_id = ?6");
    return s;
  }
  static void bind_columns(sqlite::StatementUse& st, const Task& t) {
    st.bind(5, t.service_id).bind(6, t.node_id);
  }
};

/// The row's body. `replace` turns invalid UTF-8 (a container's output copied into a
/// status message, say) into U+FFFD instead of throwing from dump().
template <class T>
std::string encode(const T& object) {
  return nlohmann::json(object).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Reads the current row (version, body) of a SELECT into an object.
template <class T>
Result<T> decode(const sqlite::StatementUse& row) {
  std::string_view body = row.column_text(1);
  T object;
  try {
    nlohmann::json::parse(body).get_to(object);
  } catch (const nlohmann::json::exception& e) {
    std::string id = "?";
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("id") && j["id"].is_string()) id = j["id"];
    return Error("read " + std::string(Table<T>::kNoun) + " `" + id +
                 "`: the stored JSON is not valid (" + e.what() +
                 "): fix or delete the row with the sqlite3 shell");
  }
  object.version = static_cast<uint64_t>(row.column_int64(0));
  return object;
}

template <class T>
Result<std::vector<T>> collect(sqlite::StatementUse& statement) {
  std::vector<T> out;
  while (true) {
    auto row = statement.step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    auto object = decode<T>(statement);
    if (!object) return std::move(object).error();
    out.push_back(std::move(*object));
  }
}

template <class T>
Result<std::optional<T>> collect_one(sqlite::StatementUse& statement) {
  auto row = statement.step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<T>();
  auto object = decode<T>(statement);
  if (!object) return std::move(object).error();
  return std::optional<T>(std::move(*object));
}

Result<std::vector<Task>> read_tasks_where(sqlite::Database& db, const std::string& sql,
                                           std::string_view id) {
  auto statement = db.prepare(sql);
  if (!statement) return std::move(statement).error();
  statement->bind(1, id);
  return collect<Task>(*statement);
}

}  // namespace

template <class T>
ObjectKind kind_of() {
  return Table<T>::kKind;
}

template <class T>
std::string_view noun_of() {
  return Table<T>::kNoun;
}

template <class T>
Result<std::optional<T>> read_one(sqlite::Database& db, std::string_view id) {
  auto statement = db.prepare(Table<T>::sql().select_one);
  if (!statement) return std::move(statement).error();
  statement->bind(1, id);
  return collect_one<T>(*statement);
}

template <class T>
Result<std::vector<T>> read_all(sqlite::Database& db) {
  auto statement = db.prepare(Table<T>::sql().select_all);
  if (!statement) return std::move(statement).error();
  return collect<T>(*statement);
}

template <class T>
Result<std::optional<uint64_t>> read_version(sqlite::Database& db, std::string_view id) {
  auto statement = db.prepare(Table<T>::sql().select_version);
  if (!statement) return std::move(statement).error();
  statement->bind(1, id);
  auto row = statement->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(statement->column_int64(0)));
}

template <class T>
Result<bool> insert_row(sqlite::Database& db, const T& object) {
  auto statement = db.prepare(Table<T>::sql().insert);
  if (!statement) return std::move(statement).error();
  statement->bind(1, object.id)
      .bind(2, static_cast<int64_t>(object.version))
      .bind(3, encode(object));
  Table<T>::bind_columns(*statement, object);
  MINIRUN_TRY(statement->run(), "insert");
  return db.changes() == 1;
}

template <class T>
Result<bool> update_row(sqlite::Database& db, const T& object, uint64_t expected_version) {
  auto statement = db.prepare(Table<T>::sql().update);
  if (!statement) return std::move(statement).error();
  statement->bind(1, object.id)
      .bind(2, static_cast<int64_t>(object.version))
      .bind(3, encode(object))
      .bind(4, static_cast<int64_t>(expected_version));
  Table<T>::bind_columns(*statement, object);
  MINIRUN_TRY(statement->run(), "update");
  return db.changes() == 1;
}

template <class T>
Result<bool> delete_row(sqlite::Database& db, std::string_view id) {
  auto statement = db.prepare(Table<T>::sql().remove);
  if (!statement) return std::move(statement).error();
  statement->bind(1, id);
  MINIRUN_TRY(statement->run(), "delete");
  return db.changes() == 1;
}

// The four kinds of row, instantiated here so that the header holds declarations only.
template ObjectKind kind_of<Cluster>();
template std::string_view noun_of<Cluster>();
template Result<std::optional<Cluster>> read_one<Cluster>(sqlite::Database&, std::string_view);
template Result<std::vector<Cluster>> read_all<Cluster>(sqlite::Database&);
template Result<std::optional<uint64_t>> read_version<Cluster>(sqlite::Database&, std::string_view);
template Result<bool> insert_row<Cluster>(sqlite::Database&, const Cluster&);
template Result<bool> update_row<Cluster>(sqlite::Database&, const Cluster&, uint64_t);
template Result<bool> delete_row<Cluster>(sqlite::Database&, std::string_view);
template ObjectKind kind_of<Node>();
template std::string_view noun_of<Node>();
template Result<std::optional<Node>> read_one<Node>(sqlite::Database&, std::string_view);
template Result<std::vector<Node>> read_all<Node>(sqlite::Database&);
template Result<std::optional<uint64_t>> read_version<Node>(sqlite::Database&, std::string_view);
template Result<bool> insert_row<Node>(sqlite::Database&, const Node&);
template Result<bool> update_row<Node>(sqlite::Database&, const Node&, uint64_t);
template Result<bool> delete_row<Node>(sqlite::Database&, std::string_view);
template ObjectKind kind_of<Service>();
template std::string_view noun_of<Service>();
template Result<std::optional<Service>> read_one<Service>(sqlite::Database&, std::string_view);
template Result<std::vector<Service>> read_all<Service>(sqlite::Database&);
template Result<std::optional<uint64_t>> read_version<Service>(sqlite::Database&, std::string_view);
template Result<bool> insert_row<Service>(sqlite::Database&, const Service&);
template Result<bool> update_row<Service>(sqlite::Database&, const Service&, uint64_t);
template Result<bool> delete_row<Service>(sqlite::Database&, std::string_view);
template ObjectKind kind_of<Task>();
template std::string_view noun_of<Task>();
template Result<std::optional<Task>> read_one<Task>(sqlite::Database&, std::string_view);
template Result<std::vector<Task>> read_all<Task>(sqlite::Database&);
template Result<std::optional<uint64_t>> read_version<Task>(sqlite::Database&, std::string_view);
template Result<bool> insert_row<Task>(sqlite::Database&, const Task&);
template Result<bool> update_row<Task>(sqlite::Database&, const Task&, uint64_t);
template Result<bool> delete_row<Task>(sqlite::Database&, std::string_view);

Result<std::optional<Service>> read_service_by_name(sqlite::Database& db, std::string_view name) {
  auto statement = db.prepare("SELECT version, body FROM services WHERE name = ?1");
  if (!statement) return std::move(statement).error();
  statement->bind(1, name);
  return collect_one<Service>(*statement);
}

Result<std::vector<Task>> read_tasks_of_service(sqlite::Database& db, std::string_view id) {
  static const std::string sql =
      "SELECT version, body FROM tasks WHERE service_id = ?1 ORDER BY rowid";
  return read_tasks_where(db, sql, id);
}

Result<std::vector<Task>> read_tasks_of_node(sqlite::Database& db, std::string_view id) {
  static const std::string sql =
      "SELECT version, body FROM tasks WHERE node_id = ?1 ORDER BY rowid";
  return read_tasks_where(db, sql, id);
}

Result<uint64_t> append_change(sqlite::Database& db, ObjectKind kind, ChangeAction action,
                               std::string_view id) {
  auto statement =
      db.prepare("INSERT INTO changes (kind, action, object_id) VALUES (?1, ?2, ?3)");
  if (!statement) return std::move(statement).error();
  statement->bind(1, to_string(kind)).bind(2, to_string(action)).bind(3, id);
  MINIRUN_TRY(statement->run(), "append to the change log");
  return static_cast<uint64_t>(db.last_insert_rowid());
}

Result<std::vector<Change>> read_changes(sqlite::Database& db, uint64_t after, size_t limit) {
  auto statement = db.prepare(
      "SELECT seq, kind, action, object_id FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  if (!statement) return std::move(statement).error();
  statement->bind(1, static_cast<int64_t>(after)).bind(2, static_cast<int64_t>(limit));
  std::vector<Change> out;
  while (true) {
    auto row = statement->step();
    if (!row) return std::move(row).error();
    if (!*row) return out;
    Change change;
    change.seq = static_cast<uint64_t>(statement->column_int64(0));
    if (!parse(statement->column_text(1), change.kind) ||
        !parse(statement->column_text(2), change.action)) {
      return Error("change " + std::to_string(change.seq) + " has an unknown kind `" +
                   std::string(statement->column_text(1)) + "` or action `" +
                   std::string(statement->column_text(2)) + "`");
    }
    change.id = std::string(statement->column_text(3));
    out.push_back(std::move(change));
  }
}

Result<std::pair<uint64_t, uint64_t>> change_seq_range(sqlite::Database& db) {
  // The newest seq comes from AUTOINCREMENT's own counter (sqlite_sequence), which
  // survives even a log trimmed to nothing; the oldest is whatever is left.
  auto statement = db.prepare(
      "SELECT (SELECT min(seq) FROM changes), "
      "(SELECT seq FROM sqlite_sequence WHERE name = 'changes')");
  if (!statement) return std::move(statement).error();
  auto row = statement->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::pair<uint64_t, uint64_t>{0, 0};
  return std::pair<uint64_t, uint64_t>{static_cast<uint64_t>(statement->column_int64(0)),
                                       static_cast<uint64_t>(statement->column_int64(1))};
}

Result<void> trim_changes(sqlite::Database& db, uint64_t up_to) {
  auto statement = db.prepare("DELETE FROM changes WHERE seq <= ?1");
  if (!statement) return std::move(statement).error();
  statement->bind(1, static_cast<int64_t>(up_to));
  MINIRUN_TRY(statement->run(), "trim the change log");
  return minirun::sys::ok();
}

}  // namespace miniswarm::rows
