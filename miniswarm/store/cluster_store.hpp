/**
 * @file cluster_store.hpp
 * @brief The manager's durable state: one SQLite file holding the cluster, its nodes,
 *        services and tasks, and a log of every change to them.
 *
 * The swarm manager is a handful of loops that never call each other: the API writes
 * services, the orchestrator turns services into tasks, the scheduler gives tasks a
 * node, the dispatcher hands them to agents and records their status. Each loop reads
 * the store, decides, writes the store, and sleeps until the store changes
 * (wait_for_change, changes_since). The store is therefore the only place where the
 * loops meet, and it offers them three things:
 *
 *  1. **Consistent reads.** snapshot() copies everything at one instant (one SQLite
 *     read transaction), which is what the pure orchestrator and scheduler take as input.
 *  2. **Atomic, checked writes.** update(fn) runs fn inside one SQLite transaction
 *     (BEGIN IMMEDIATE: the write lock is taken at the start, so two writers queue
 *     instead of failing halfway). If fn fails, or any write in it fails, nothing of it
 *     stays, not even its change-log rows. Writes obey store_tx.hpp's rules, the main
 *     one being the version check that turns lost updates into a retry.
 *  3. **Change events.** Every committed write is a numbered Change; wait_for_change
 *     wakes sleeping loops in this process the moment a commit lands (a condition
 *     variable, no polling).
 *
 * Durability: WAL journal with synchronous=NORMAL (cluster_store_schema.cpp): a manager
 * killed with SIGKILL loses no committed transaction and leaves no half-written one; a
 * power cut may lose the last commits. SwarmKit replicates its store through Raft
 * across managers; the kit has one manager, so its file is the whole truth.
 *
 * Threads: one ClusterStore is shared by all the manager's threads. One mutex guards
 * the connection, so reads wait while a transaction runs (a transaction of 10,000 task
 * updates holds it for about a quarter of a second of CPU, most of it JSON). fn must not call update() again;
 * reads inside fn should go through the StoreTx (reads through the ClusterStore also
 * work there and see the same uncommitted writes, as they share the connection).
 *
 * Errors name the file and SQLite's words: "open cluster store `/var/lib/miniswarm/
 * state.db`: unable to open database file". is_version_conflict() and is_not_found()
 * (store_tx.hpp) and is_changes_trimmed() recognise the conditions a caller handles.
 *
 * Docs: docs/design/swarm.md ("the store"); SwarmKit manager/state/store (memdb).
 */
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"
#include "miniswarm/store/store_change.hpp"
#include "miniswarm/store/store_tx.hpp"

namespace miniswarm {

/// A consistent copy of everything: what the orchestrator and scheduler read.
struct Snapshot {
  Cluster cluster;  ///< a default Cluster (empty id) until one was put
  std::vector<Node> nodes;
  std::vector<Service> services;
  std::vector<Task> tasks;
  uint64_t seq = 0;  ///< the last change included; changes_since(seq) gives what follows
};

/// Settings of a ClusterStore; the defaults suit a manager.
struct ClusterStoreOptions {
  /// The time stamped on writes (ms since the epoch); tests pass a fixed clock.
  std::function<int64_t()> clock;
  /// How many change rows to keep (at least 1). A watcher further behind than this
  /// gets is_changes_trimmed() and reads a snapshot again.
  uint64_t kept_changes = 10000;
  /// How long to wait for another connection's write lock before failing.
  std::chrono::milliseconds busy_timeout{5000};
};

/// True for the error of changes_since() when the changes asked for were trimmed.
bool is_changes_trimmed(const Error& error);

class ClusterStore {
 public:
  /// Opens the store at `path`, creating the file and its tables if needed. The
  /// directory must exist.
  static Result<std::unique_ptr<ClusterStore>> open(const std::string& path,
                                                    ClusterStoreOptions options = {});

  ClusterStore(const ClusterStore&) = delete;
  ClusterStore& operator=(const ClusterStore&) = delete;
  ~ClusterStore();

  const std::string& path() const { return path_; }

  // Reads, each one statement (snapshot(): one read transaction).
  Result<Snapshot> snapshot();
  Result<std::optional<Cluster>> cluster();
  Result<std::vector<Node>> nodes();
  Result<std::optional<Node>> node(std::string_view id);
  Result<std::vector<Service>> services();
  Result<std::optional<Service>> service(std::string_view id);
  Result<std::optional<Service>> service_by_name(std::string_view name);
  Result<std::vector<Task>> tasks();
  Result<std::vector<Task>> tasks_of_service(std::string_view service_id);
  Result<std::vector<Task>> tasks_of_node(std::string_view node_id);
  Result<std::optional<Task>> task(std::string_view id);

  /// Runs fn in one write transaction and commits if fn and all its writes succeed;
  /// otherwise rolls back and returns the first error. An exception from fn rolls back
  /// and propagates.
  Result<void> update(const std::function<Result<void>(StoreTx&)>& fn);

  /// The seq of the last committed change (0 for a store never written).
  uint64_t last_seq() const { return last_seq_.load(); }
  /// Up to `limit` changes with seq > `seq`, oldest first. An error for which
  /// is_changes_trimmed() holds when some of them were already trimmed.
  Result<std::vector<Change>> changes_since(uint64_t seq, size_t limit = 1000);
  /// Blocks until a change with seq > `seq` is committed by this process, or `timeout`
  /// passes; returns last_seq() (still <= seq on timeout).
  uint64_t wait_for_change(uint64_t seq, std::chrono::milliseconds timeout);

 private:
  ClusterStore(std::string path, std::unique_ptr<sqlite::Database> db,
               ClusterStoreOptions options, uint64_t last_seq);
  /// Runs a read under the connection lock and names the store in its error.
  template <class F>
  auto locked_read(std::string_view what, F&& read) -> decltype(read());
  Result<void> run_transaction(StoreTx& tx, const std::function<Result<void>(StoreTx&)>& fn);
  void publish(uint64_t seq);

  std::string path_;
  std::unique_ptr<sqlite::Database> db_;
  ClusterStoreOptions options_;
  /// Guards db_. Recursive so that a read through the store from inside update()'s fn
  /// (same thread) sees the transaction instead of deadlocking.
  std::recursive_mutex db_mutex_;
  std::atomic<uint64_t> last_seq_;
  std::mutex seq_mutex_;  ///< pairs with seq_changed_; guards nothing else
  std::condition_variable seq_changed_;
};

}  // namespace miniswarm
