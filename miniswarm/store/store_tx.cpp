/**
 * @file store_tx.cpp
 * @brief The write rules of the cluster store: versions, names, the change log
 *        (see store_tx.hpp).
 */
#include "miniswarm/store/store_tx.hpp"

#include <utility>

#include "miniswarm/store/sqlite_db.hpp"
#include "miniswarm/store/store_rows.hpp"

namespace miniswarm {

namespace {

// The words that make a condition recognisable after any amount of context() in front.
constexpr std::string_view kConflictWords = " changed since it was read ";
constexpr std::string_view kNotFoundWords = " does not exist";

std::string quoted(std::string_view noun, std::string_view id) {
  return std::string(noun) + " `" + std::string(id) + "`";
}

}  // namespace

bool is_version_conflict(const Error& error) {
  return error.message().find(kConflictWords) != std::string::npos;
}

bool is_not_found(const Error& error) {
  return error.message().find(kNotFoundWords) != std::string::npos;
}

Error StoreTx::sqlite_error(Error error, std::string_view what) const {
  return std::move(error).context(label_ + ": " + std::string(what));
}

Result<std::optional<Cluster>> StoreTx::cluster() {
  auto all = rows::read_all<Cluster>(db_);
  if (!all) return sqlite_error(std::move(all).error(), "read the cluster");
  if (all->empty()) return std::optional<Cluster>();
  return std::optional<Cluster>(std::move(all->front()));
}

Result<std::optional<Node>> StoreTx::node(std::string_view id) {
  return named(rows::read_one<Node>(db_, id), "read a node");
}
Result<std::vector<Node>> StoreTx::nodes() {
  return named(rows::read_all<Node>(db_), "read nodes");
}
Result<std::optional<Service>> StoreTx::service(std::string_view id) {
  return named(rows::read_one<Service>(db_, id), "read a service");
}
Result<std::optional<Service>> StoreTx::service_by_name(std::string_view name) {
  return named(rows::read_service_by_name(db_, name), "read a service by name");
}
Result<std::vector<Service>> StoreTx::services() {
  return named(rows::read_all<Service>(db_), "read services");
}
Result<std::optional<Task>> StoreTx::task(std::string_view id) {
  return named(rows::read_one<Task>(db_, id), "read a task");
}
Result<std::vector<Task>> StoreTx::tasks() {
  return named(rows::read_all<Task>(db_), "read tasks");
}
Result<std::vector<Task>> StoreTx::tasks_of_service(std::string_view service_id) {
  return named(rows::read_tasks_of_service(db_, service_id), "read the tasks of a service");
}
Result<std::vector<Task>> StoreTx::tasks_of_node(std::string_view node_id) {
  return named(rows::read_tasks_of_node(db_, node_id), "read the tasks of a node");
}

Result<void> StoreTx::remember(Result<void> result) {
  if (!result && !failure_) failure_ = result.error();
  return result;
}

Result<void> StoreTx::append(ObjectKind kind, ChangeAction action, std::string_view id) {
  auto seq = rows::append_change(db_, kind, action, id);
  if (!seq) return std::move(seq).error();
  last_seq_ = *seq;
  ++change_count_;
  return minirun::sys::ok();
}

// Errors below come in two kinds. A refused write ("task `x` changed since it was
// read ...") is a fact about the objects and names them only. A failed SQLite call
// ("disk I/O error") is a fact about the file, and names the store and the operation.

/// The bookkeeping fields a write fills in, saved so that a refused write can put the
/// caller's object back as it was (cheaper than writing from a copy of a whole task).
template <class T>
struct Bookkeeping {
  explicit Bookkeeping(const T& o) : id(o.id), version(o.version), created_ms(o.created_ms) {
    if constexpr (requires { o.updated_ms; }) updated_ms = o.updated_ms;
  }
  void restore(T& o) {
    o.id = id;
    o.version = version;
    o.created_ms = created_ms;
    if constexpr (requires { o.updated_ms; }) o.updated_ms = updated_ms;
  }
  std::string id;
  uint64_t version;
  int64_t created_ms;
  int64_t updated_ms = 0;
};

template <class T>
Result<void> StoreTx::create_object(T& object) {
  Bookkeeping<T> before(object);
  if (object.id.empty()) object.id = new_object_id();
  object.version = 1;
  if (object.created_ms == 0) object.created_ms = now_ms_;
  if constexpr (requires { object.updated_ms; }) {
    if (object.updated_ms == 0) object.updated_ms = now_ms_;
  }
  auto result = [&]() -> Result<void> {
    std::string what = "create " + quoted(rows::noun_of<T>(), object.id);
    auto inserted = rows::insert_row(db_, object);
    if (!inserted) return sqlite_error(std::move(inserted).error(), what);
    if (!*inserted) {
      return Error(quoted(rows::noun_of<T>(), object.id) +
                   " already exists: update it, or create with an empty id to get a new one");
    }
    auto appended = append(rows::kind_of<T>(), ChangeAction::kCreate, object.id);
    if (!appended) return sqlite_error(std::move(appended).error(), what);
    return minirun::sys::ok();
  }();
  if (!result) before.restore(object);
  return result;
}

template <class T>
Result<void> StoreTx::update_object(T& object) {
  Bookkeeping<T> before(object);
  uint64_t read_version = object.version;
  object.version = read_version + 1;
  if constexpr (requires { object.updated_ms; }) object.updated_ms = now_ms_;
  auto result = [&]() -> Result<void> {
    std::string what = "update " + quoted(rows::noun_of<T>(), object.id);
    auto updated = rows::update_row(db_, object, read_version);
    if (!updated) return sqlite_error(std::move(updated).error(), what);
    if (!*updated) {
      // No row had this id *and* this version: tell which of the two was wrong.
      auto now = rows::read_version<T>(db_, object.id);
      if (!now) return sqlite_error(std::move(now).error(), what);
      if (!*now) {
        return Error(quoted(rows::noun_of<T>(), object.id) +
                     " does not exist (removed, or never created): nothing to update");
      }
      return Error(quoted(rows::noun_of<T>(), object.id) + std::string(kConflictWords) +
                   "(version " + std::to_string(read_version) + ", now " +
                   std::to_string(**now) + "): read it again");
    }
    auto appended = append(rows::kind_of<T>(), ChangeAction::kUpdate, object.id);
    if (!appended) return sqlite_error(std::move(appended).error(), what);
    return minirun::sys::ok();
  }();
  if (!result) before.restore(object);
  return result;
}

template <class T>
Result<void> StoreTx::remove_object(std::string_view id) {
  std::string what = "remove " + quoted(rows::noun_of<T>(), id);
  auto deleted = rows::delete_row<T>(db_, id);
  if (!deleted) return sqlite_error(std::move(deleted).error(), what);
  if (!*deleted) {
    return Error(quoted(rows::noun_of<T>(), id) + std::string(kNotFoundWords) +
                 ": nothing to remove");
  }
  auto appended = append(rows::kind_of<T>(), ChangeAction::kDelete, id);
  if (!appended) return sqlite_error(std::move(appended).error(), what);
  return minirun::sys::ok();
}

Result<void> StoreTx::check_name_free(const Service& service) {
  // Checked here rather than left to the UNIQUE index so that the error names the
  // service that holds the name; the index stays as the guarantee.
  auto holder = rows::read_service_by_name(db_, service.spec.name);
  if (!holder) return sqlite_error(std::move(holder).error(), "read a service by name");
  if (*holder && (*holder)->id != service.id) {
    return Error("service name `" + service.spec.name + "` is already used by service `" +
                 (*holder)->id + "`: choose another name, or update that service");
  }
  return minirun::sys::ok();
}

Result<void> StoreTx::put(Cluster& cluster) {
  auto existing = this->cluster();
  if (!existing) return remember(std::move(existing).error());
  if (!*existing) return remember(create_object(cluster));
  if ((*existing)->id != cluster.id) {
    return remember(Error("put cluster `" + cluster.id + "`: the store already holds cluster `" +
                          (*existing)->id + "`: read it and update that one"));
  }
  return remember(update_object(cluster));
}

Result<void> StoreTx::create(Node& node) { return remember(create_object(node)); }
Result<void> StoreTx::update(Node& node) { return remember(update_object(node)); }
Result<void> StoreTx::remove_node(std::string_view id) {
  return remember(remove_object<Node>(id));
}

Result<void> StoreTx::create(Service& service) {
  if (service.spec.name.empty()) {
    return remember(Error("create service: the name is empty: give the service a name"));
  }
  auto free = check_name_free(service);
  if (!free) return remember(std::move(free));
  return remember(create_object(service));
}

Result<void> StoreTx::update(Service& service) {
  if (service.spec.name.empty()) {
    return remember(Error("update " + quoted("service", service.id) +
                          ": the name is empty: keep the old name or give a new one"));
  }
  auto free = check_name_free(service);
  if (!free) return remember(std::move(free));
  return remember(update_object(service));
}

Result<void> StoreTx::remove_service(std::string_view id) {
  return remember(remove_object<Service>(id));
}

Result<void> StoreTx::create(Task& task) { return remember(create_object(task)); }
Result<void> StoreTx::update(Task& task) { return remember(update_object(task)); }
Result<void> StoreTx::remove_task(std::string_view id) {
  return remember(remove_object<Task>(id));
}

}  // namespace miniswarm
