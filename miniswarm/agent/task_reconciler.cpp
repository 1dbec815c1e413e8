/**
 * @file task_reconciler.cpp
 * @brief One reconcile pass: start, adopt, stop, report and remove (task_reconciler.hpp).
 */
#include "miniswarm/agent/task_reconciler.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace miniswarm::agent {

namespace {

std::string short_id(const std::string& container_id) { return container_id.substr(0, 12); }

/// The detail in a task's log line: "running (container 3f2a...)", "failed (exit code 1)".
std::string log_detail(TaskState state, const TaskReport& r) {
  switch (state) {
    case TaskState::kRunning:
      return "container " + short_id(r.container_id);
    case TaskState::kComplete:
      return "exit code 0";
    case TaskState::kFailed:
    case TaskState::kRejected:
      return r.err;
    case TaskState::kShutdown:
      return r.message;
    default:
      return "";
  }
}

}  // namespace

TaskReconciler::TaskReconciler(ContainerBackend& backend, ReconcilerOptions options)
    : backend_(backend), options_(std::move(options)) {}

void TaskReconciler::log(std::string line) const {
  if (options_.log) options_.log(std::move(line));
}

Result<size_t> TaskReconciler::survey() {
  auto listed = backend_.list();
  if (!listed) {
    return Error("list this node's task containers: " + listed.error().message(), listed.error().code());
  }
  size_t running = 0;
  for (const auto& c : *listed) running += c.state == ContainerRunState::kRunning ? 1 : 0;
  if (!listed->empty()) {
    log("found " + std::to_string(listed->size()) + " task container(s) from an earlier run (" +
        std::to_string(running) + " running): the manager's first list decides which are adopted and which removed");
  }
  return listed->size();
}

const TaskEntry* TaskReconciler::entry(const std::string& task_id) const {
  auto it = table_.find(task_id);
  return it == table_.end() ? nullptr : &it->second;
}

void TaskReconciler::reconcile(const std::vector<Task>& assignments) {
  auto listed = backend_.list();
  if (!listed) {
    // Without knowing what runs, any decision could start a duplicate: skip the pass.
    std::string error = listed.error().what();
    if (error != list_error_) log("cannot list this node's containers: " + error + "; nothing changes until it works");
    list_error_ = error;
    return;
  }
  if (!list_error_.empty()) log("listing this node's containers works again");
  list_error_.clear();

  // One container per task. Should there be two (only a bug or a hand-made container
  // could do it), the running one is the task's and the other is cleaned up.
  std::map<std::string, const ObservedContainer*> by_task;
  for (const auto& c : *listed) {
    auto [it, inserted] = by_task.try_emplace(c.task_id, &c);
    if (!inserted && it->second->state != ContainerRunState::kRunning && c.state == ContainerRunState::kRunning)
      it->second = &c;
  }

  std::set<std::string> assigned;
  deferred_starts_.clear();
  for (const auto& task : assignments) {
    assigned.insert(task.id);
    auto found = by_task.find(task.id);
    reconcile_task(task, found == by_task.end() ? nullptr : found->second);
  }
  run_tasks_together();

  for (const auto& c : *listed) {
    const bool ours = assigned.count(c.task_id) != 0 && by_task[c.task_id] == &c;
    if (ours) continue;
    auto known = table_.find(c.task_id);
    std::string what = "task " + (known != table_.end() ? known->second.name : c.task_id);
    clean_up(c, assigned.count(c.task_id) ? what + " (a second container)" : what + " (no longer assigned)");
  }

  // The manager has forgotten these tasks; their containers went in clean_up().
  std::erase_if(table_, [&](const auto& row) { return assigned.count(row.first) == 0; });
  std::erase_if(stopping_unassigned_, [&](const auto& row) {
    for (const auto& c : *listed)
      if (c.container_id == row.first) return false;
    return true;
  });
}

void TaskReconciler::reconcile_task(const Task& task, const ObservedContainer* container) {
  if (container != nullptr && container->state == ContainerRunState::kMissing) container = nullptr;
  // The manager already has an end for it; the next list leaves it out.
  if (is_terminal(task.status.state)) return;

  auto [it, fresh] = table_.try_emplace(task.id);
  TaskEntry& entry = it->second;
  if (fresh) {
    entry.task_id = task.id;
    entry.name = task.name();
    // Start from what the manager knows, so a pass never repeats a state it has.
    if (task.status.state >= TaskState::kAccepted) entry.reported = task.status.state;
    if (container != nullptr) {
      entry.container_id = container->container_id;
      log("task " + entry.name + ": adopting container " + short_id(container->container_id) +
          " from an earlier run of the agent");
    }
  }
  if (is_terminal(entry.reported)) return;  // we said it ended; the manager will drop it

  if (task.desired_state > TaskState::kRunning) {
    shut_down_task(container, entry);
    return;
  }
  if (container == nullptr) {
    if (entry.reported >= TaskState::kRunning) {
      report(entry, TaskState::kFailed, "container gone",
             "container " + short_id(entry.container_id) +
                 " no longer exists on the node (removed outside the agent, or the node restarted)");
      return;
    }
    if (options_.parallel_starts > 1) {
      deferred_starts_.emplace_back(task, task.id);
    } else {
      run_task(task, entry);
    }
    return;
  }
  switch (container->state) {
    case ContainerRunState::kRunning:
      entry.container_id = container->container_id;
      report(entry, TaskState::kRunning, fresh ? "adopted" : "started");
      return;
    case ContainerRunState::kExited:
      report_exit(entry, *container);
      return;
    case ContainerRunState::kCreated: {
      // An agent killed between create and start left it: make the task afresh.
      auto removed = backend_.remove(container->container_id);
      if (!removed) {
        log("task " + entry.name + ": cannot remove the never-started container " +
            short_id(container->container_id) + ": " + removed.error().what());
        return;
      }
      entry.container_id.clear();
      run_task(task, entry);
      return;
    }
    case ContainerRunState::kMissing:
      return;  // handled above
  }
}

void TaskReconciler::run_task(const Task& task, TaskEntry& entry) {
  report(entry, TaskState::kAccepted, "accepted");
  report(entry, TaskState::kPreparing, "preparing");
  if (auto can = backend_.check(task); !can) {
    report(entry, TaskState::kRejected, "rejected", can.error().what());
    return;
  }
  report(entry, TaskState::kStarting, "starting");
  auto started = backend_.start(task);
  if (!started) {
    report(entry, TaskState::kFailed, "failed to start", started.error().what());
    return;
  }
  entry.container_id = *started;
  report(entry, TaskState::kRunning, "started");
}

void TaskReconciler::run_tasks_together() {
  // Reports and checks stay on this thread, in list order; only backend_.start() runs on
  // the workers, each on its own task (the engine keeps its state in files under locks,
  // as when several `minirun run` start at once).
  std::vector<std::pair<const Task*, TaskEntry*>> go;
  for (const auto& [task, key] : deferred_starts_) {
    TaskEntry& entry = table_.at(key);
    report(entry, TaskState::kAccepted, "accepted");
    report(entry, TaskState::kPreparing, "preparing");
    if (auto can = backend_.check(task); !can) {
      report(entry, TaskState::kRejected, "rejected", can.error().what());
      continue;
    }
    report(entry, TaskState::kStarting, "starting");
    go.emplace_back(&task, &entry);
  }
  if (go.empty()) return;
  std::vector<Result<std::string>> started(go.size(), Result<std::string>(Error("not started")));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < go.size(); i = next++) started[i] = backend_.start(*go[i].first);
  };
  std::vector<std::thread> helpers;
  size_t threads = std::min<size_t>(static_cast<size_t>(options_.parallel_starts), go.size());
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
  for (size_t i = 0; i < go.size(); ++i) {
    TaskEntry& entry = *go[i].second;
    if (!started[i]) {
      report(entry, TaskState::kFailed, "failed to start", started[i].error().what());
      continue;
    }
    entry.container_id = *started[i];
    report(entry, TaskState::kRunning, "started");
  }
  deferred_starts_.clear();
}

void TaskReconciler::shut_down_task(const ObservedContainer* container, TaskEntry& entry) {
  if (container == nullptr || container->state == ContainerRunState::kCreated) {
    report(entry, TaskState::kShutdown, "shut down (it was not running)");
    return;
  }
  if (container->state == ContainerRunState::kExited) {
    // It may have ended on its own before the stop: then its exit is the truth.
    if (entry.stop.requested || container->stop_requested) {
      report(entry, TaskState::kShutdown, "container stopped", {}, container->exit_code);
    } else {
      report_exit(entry, *container);
    }
    return;
  }
  entry.container_id = container->container_id;
  advance_stop(container->container_id, "task " + entry.name, entry.stop);
}

void TaskReconciler::report_exit(TaskEntry& entry, const ObservedContainer& c) {
  entry.container_id = c.container_id;
  const std::string code = "exit code " + std::to_string(c.exit_code);
  if (c.oom_killed) {
    report(entry, TaskState::kFailed, code, "killed by OOM (" + code + ")", c.exit_code);
  } else if (!c.error.empty()) {
    report(entry, TaskState::kFailed, "exit unknown", c.error, c.exit_code);
  } else if (c.exit_code == 0) {
    report(entry, TaskState::kComplete, "finished", {}, 0);
  } else {
    report(entry, TaskState::kFailed, code, code, c.exit_code);
  }
}

void TaskReconciler::clean_up(const ObservedContainer& c, const std::string& what) {
  if (c.state == ContainerRunState::kRunning) {
    // A task the manager no longer knows must not keep running (it would hold a port,
    // a slot's name, resources the scheduler has given to another task).
    advance_stop(c.container_id, what, stopping_unassigned_[c.container_id]);
    return;
  }
  auto removed = backend_.remove(c.container_id);
  if (!removed) {
    if (remove_failed_.insert(c.container_id).second)
      log(what + ": cannot remove container " + short_id(c.container_id) + ": " + removed.error().what() +
          " (retrying each pass)");
    return;
  }
  remove_failed_.erase(c.container_id);
  stopping_unassigned_.erase(c.container_id);
  log(what + ": container " + short_id(c.container_id) + " removed");
}

void TaskReconciler::advance_stop(const std::string& container_id, const std::string& what, StopProgress& stop) {
  const int64_t now = options_.clock();
  if (!stop.requested) {
    stop.requested = true;
    stop.kill_at_ms = now + options_.stop_grace_ms;
    auto sent = backend_.request_stop(container_id);
    log(what + ": stopping container " + short_id(container_id) +
        (sent ? "" : " (stop signal failed: " + sent.error().what() + "; SIGKILL after the grace period)"));
    return;
  }
  if (!stop.killed && now >= stop.kill_at_ms) {
    stop.killed = true;
    auto killed = backend_.kill(container_id);
    log(what + ": container " + short_id(container_id) + " still running " +
        std::to_string(options_.stop_grace_ms) + " ms after the stop signal: " +
        (killed ? std::string("killed (SIGKILL)") : "SIGKILL failed: " + killed.error().what()));
  }
}

void TaskReconciler::report(TaskEntry& entry, TaskState state, std::string message, std::string err,
                            int exit_code) {
  if (state <= entry.reported) return;
  entry.reported = state;
  TaskReport r;
  r.task_id = entry.task_id;
  r.state = state;
  r.message = std::move(message);
  r.err = std::move(err);
  r.exit_code = exit_code;
  r.container_id = entry.container_id;
  r.timestamp_ms = options_.clock();
  std::string detail = log_detail(state, r);
  log("task " + entry.name + ": " + std::string(to_string(state)) + (detail.empty() ? "" : " (" + detail + ")"));
  if (options_.report) options_.report(std::move(r));
}

}  // namespace miniswarm::agent
