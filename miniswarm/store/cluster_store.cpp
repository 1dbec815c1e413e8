/**
 * @file cluster_store.cpp
 * @brief Opening the store, its locked reads, the write transaction and the change
 *        notifications (see cluster_store.hpp).
 */
#include "miniswarm/store/cluster_store.hpp"

#include <utility>

#include "miniswarm/store/cluster_store_schema.hpp"
#include "miniswarm/store/sqlite_db.hpp"
#include "miniswarm/store/store_rows.hpp"

namespace miniswarm {

namespace {

constexpr std::string_view kTrimmedWords = " were trimmed from the change log";

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string store_label(const std::string& path) { return "cluster store `" + path + "`"; }

}  // namespace

bool is_changes_trimmed(const Error& error) {
  return error.message().find(kTrimmedWords) != std::string::npos;
}

Result<std::unique_ptr<ClusterStore>> ClusterStore::open(const std::string& path,
                                                         ClusterStoreOptions options) {
  std::string what = "open " + store_label(path);
  auto db = sqlite::Database::open(path);
  if (!db) {
    Error error = std::move(db).error();
    if (error.message() == "unable to open database file") {
      return Error(what + ": " + error.message() +
                   " (does the directory exist, and may this user write to it?)");
    }
    return std::move(error).context(what);
  }
  int busy_ms = static_cast<int>(options.busy_timeout.count());
  MINIRUN_TRY(prepare_cluster_store(**db, busy_ms), what);
  auto range = rows::change_seq_range(**db);
  if (!range) return std::move(range).error().context(what + ": read the change log");
  if (!options.clock) options.clock = system_now_ms;
  if (options.kept_changes == 0) options.kept_changes = 1;
  return std::unique_ptr<ClusterStore>(
      new ClusterStore(path, std::move(*db), std::move(options), range->second));
}

ClusterStore::ClusterStore(std::string path, std::unique_ptr<sqlite::Database> db,
                           ClusterStoreOptions options, uint64_t last_seq)
    : path_(std::move(path)),
      db_(std::move(db)),
      options_(std::move(options)),
      last_seq_(last_seq) {}

ClusterStore::~ClusterStore() = default;

template <class F>
auto ClusterStore::locked_read(std::string_view what, F&& read) -> decltype(read()) {
  std::lock_guard lock(db_mutex_);
  auto result = read();
  if (!result) {
    return std::move(result).error().context(store_label(path_) + ": " + std::string(what));
  }
  return result;
}

Result<Snapshot> ClusterStore::snapshot() {
  return locked_read("read a snapshot", [&]() -> Result<Snapshot> {
    // One read transaction makes the four tables and the seq one instant, even if
    // another connection (another process on the same file) writes meanwhile. Inside
    // update()'s fn the write transaction already gives that.
    bool own_transaction = !db_->in_transaction();
    if (own_transaction) MINIRUN_TRY(db_->exec("BEGIN"), "begin");
    auto read_all = [&]() -> Result<Snapshot> {
      Snapshot snap;
      auto clusters = rows::read_all<Cluster>(*db_);
      if (!clusters) return std::move(clusters).error();
      if (!clusters->empty()) snap.cluster = std::move(clusters->front());
      auto nodes = rows::read_all<Node>(*db_);
      if (!nodes) return std::move(nodes).error();
      snap.nodes = std::move(*nodes);
      auto services = rows::read_all<Service>(*db_);
      if (!services) return std::move(services).error();
      snap.services = std::move(*services);
      auto tasks = rows::read_all<Task>(*db_);
      if (!tasks) return std::move(tasks).error();
      snap.tasks = std::move(*tasks);
      auto range = rows::change_seq_range(*db_);
      if (!range) return std::move(range).error();
      snap.seq = range->second;
      return snap;
    };
    auto snap = read_all();
    if (own_transaction) (void)db_->exec(snap ? "COMMIT" : "ROLLBACK");
    return snap;
  });
}

Result<std::optional<Cluster>> ClusterStore::cluster() {
  return locked_read("read the cluster", [&]() -> Result<std::optional<Cluster>> {
    auto all = rows::read_all<Cluster>(*db_);
    if (!all) return std::move(all).error();
    if (all->empty()) return std::optional<Cluster>();
    return std::optional<Cluster>(std::move(all->front()));
  });
}

Result<std::vector<Node>> ClusterStore::nodes() {
  return locked_read("read nodes", [&] { return rows::read_all<Node>(*db_); });
}

Result<std::optional<Node>> ClusterStore::node(std::string_view id) {
  return locked_read("read a node", [&] { return rows::read_one<Node>(*db_, id); });
}

Result<std::vector<Service>> ClusterStore::services() {
  return locked_read("read services", [&] { return rows::read_all<Service>(*db_); });
}

Result<std::optional<Service>> ClusterStore::service(std::string_view id) {
  return locked_read("read a service", [&] { return rows::read_one<Service>(*db_, id); });
}

Result<std::optional<Service>> ClusterStore::service_by_name(std::string_view name) {
  return locked_read("read a service by name",
                     [&] { return rows::read_service_by_name(*db_, name); });
}

Result<std::vector<Task>> ClusterStore::tasks() {
  return locked_read("read tasks", [&] { return rows::read_all<Task>(*db_); });
}

Result<std::vector<Task>> ClusterStore::tasks_of_service(std::string_view service_id) {
  return locked_read("read the tasks of a service",
                     [&] { return rows::read_tasks_of_service(*db_, service_id); });
}

Result<std::vector<Task>> ClusterStore::tasks_of_node(std::string_view node_id) {
  return locked_read("read the tasks of a node",
                     [&] { return rows::read_tasks_of_node(*db_, node_id); });
}

Result<std::optional<Task>> ClusterStore::task(std::string_view id) {
  return locked_read("read a task", [&] { return rows::read_one<Task>(*db_, id); });
}

Result<void> ClusterStore::update(const std::function<Result<void>(StoreTx&)>& fn) {
  std::lock_guard lock(db_mutex_);
  if (db_->in_transaction()) {
    return Error(store_label(path_) +
                 ": update() was called inside another update(): use the StoreTx it gave you");
  }
  // IMMEDIATE takes the write lock now. A plain BEGIN would take it at the first write,
  // and could then fail with SQLITE_BUSY halfway through fn if another connection had
  // written in between, which busy_timeout cannot fix (the snapshot is already stale).
  MINIRUN_TRY(db_->exec("BEGIN IMMEDIATE"), store_label(path_) + ": begin a write transaction");
  StoreTx tx(*db_, options_.clock(), store_label(path_));
  Result<void> result;
  try {
    result = run_transaction(tx, fn);
  } catch (...) {
    (void)db_->exec("ROLLBACK");
    throw;
  }
  if (!result) {
    (void)db_->exec("ROLLBACK");
    return result;
  }
  if (tx.change_count() > 0) publish(tx.last_seq());
  return result;
}

Result<void> ClusterStore::run_transaction(StoreTx& tx,
                                           const std::function<Result<void>(StoreTx&)>& fn) {
  auto result = fn(tx);
  if (!result) return result;
  // fn may have carried on after a failed write; the batch is still all or nothing.
  if (tx.failure_) return *tx.failure_;
  if (tx.change_count() > 0 && tx.last_seq() > options_.kept_changes) {
    // Trimming in the writing transaction keeps the log's size bounded without a
    // separate cleaner; deleting a range of the primary key is cheap.
    MINIRUN_TRY(rows::trim_changes(*db_, tx.last_seq() - options_.kept_changes),
                store_label(path_));
  }
  MINIRUN_TRY(db_->exec("COMMIT"), store_label(path_) + ": commit");
  return minirun::sys::ok();
}

void ClusterStore::publish(uint64_t seq) {
  {
    // Stored under the waiters' mutex, so a waiter between checking last_seq_ and
    // sleeping cannot miss the notification.
    std::lock_guard lock(seq_mutex_);
    last_seq_.store(seq);
  }
  seq_changed_.notify_all();
}

Result<std::vector<Change>> ClusterStore::changes_since(uint64_t seq, size_t limit) {
  return locked_read("read the change log", [&]() -> Result<std::vector<Change>> {
    auto range = rows::change_seq_range(*db_);
    if (!range) return std::move(range).error();
    auto [oldest, newest] = *range;
    bool trimmed = oldest == 0 ? newest > seq : oldest > seq + 1;
    if (trimmed) {
      return Error("changes " + std::to_string(seq + 1) + " to " +
                   std::to_string(oldest == 0 ? newest : oldest - 1) + std::string(kTrimmedWords) +
                   " (it keeps the last " + std::to_string(options_.kept_changes) +
                   "): read a snapshot and continue from its seq");
    }
    return rows::read_changes(*db_, seq, limit);
  });
}

uint64_t ClusterStore::wait_for_change(uint64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock lock(seq_mutex_);
  seq_changed_.wait_for(lock, timeout, [&] { return last_seq_.load() > seq; });
  return last_seq_.load();
}

}  // namespace miniswarm
