/**
 * @file agent_fakes.hpp
 * @brief A manager and a container engine in memory, for the agent's unit tests.
 *
 * FakeLink plays the manager: it records every heartbeat, answers with the period and
 * refusals the test sets, can be made to fail (the manager is down), and serves the
 * assignment list the test gives it. FakeBackend plays the engine: containers are rows
 * in a map whose state the test changes ("the process exited with 1", "the OOM killer
 * struck"), and every call is counted, so a test can say "no second container was
 * started". Both are thread-safe for the tests that run the agent's threads.
 */
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "miniswarm/agent/container_backend.hpp"
#include "miniswarm/agent/manager_link.hpp"

namespace miniswarm::agent::testing {

class FakeLink : public ManagerLink {
 public:
  Result<HeartbeatResponse> heartbeat(const HeartbeatRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    heartbeats.push_back(request);
    changed_.notify_all();
    if (down) return Error("connect to 127.0.0.1:4242: Connection refused");
    return response;
  }

  Result<AssignmentsResponse> assignments(const AssignmentsRequest& request) override {
    std::unique_lock<std::mutex> lock(mu_);
    requests.push_back(request);
    if (down || cancelled) return Error("connect to 127.0.0.1:4242: Connection refused");
    if (request.since_seq != 0) {
      // A long poll, as the dispatcher holds it: until the list changes, cancel(), or wait_ms.
      changed_.wait_for(lock, std::chrono::milliseconds(request.wait_ms),
                        [&] { return cancelled || list.seq != request.since_seq; });
      if (cancelled) return Error("assignments: cancelled");
    }
    return list;
  }

  void cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled = true;
    changed_.notify_all();
  }

  /// Replaces the node's task list (a new seq), as the dispatcher would after a change.
  void assign(std::vector<Task> tasks) {
    std::lock_guard<std::mutex> lock(mu_);
    list.tasks = std::move(tasks);
    ++list.seq;
    changed_.notify_all();
  }

  /// Every report sent so far, in order, across heartbeats.
  std::vector<TaskReport> all_reports() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<TaskReport> out;
    for (const auto& beat : heartbeats) out.insert(out.end(), beat.reports.begin(), beat.reports.end());
    return out;
  }

  /// Waits until some heartbeat carried a report of `state` for `task_id`.
  bool wait_for_report(const std::string& task_id, TaskState state, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const auto& beat : heartbeats)
        for (const auto& r : beat.reports)
          if (r.task_id == task_id && r.state == state) return true;
      return false;
    });
  }

  std::mutex mu_;
  std::condition_variable changed_;
  bool down = false;
  bool cancelled = false;
  HeartbeatResponse response;
  AssignmentsResponse list;
  std::vector<HeartbeatRequest> heartbeats;
  std::vector<AssignmentsRequest> requests;
};

class FakeBackend : public ContainerBackend {
 public:
  Result<void> check(const Task& task) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (images.count(task.spec.container.image) == 0)
      return Error("image `" + task.spec.container.image + "` not found in the node's image store");
    return minirun::sys::ok();
  }

  Result<std::string> start(const Task& task) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++starts;
    if (!start_error.empty()) return Error(start_error);
    ObservedContainer c;
    c.container_id = "c" + std::to_string(next_id++) + "0123456789abcdef";
    c.task_id = task.id;
    c.state = ContainerRunState::kRunning;
    containers[c.container_id] = c;
    return c.container_id;
  }

  Result<void> request_stop(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++stop_requests;
    auto& c = containers.at(id);
    c.stop_requested = true;
    if (!ignores_stop_signal && c.state == ContainerRunState::kRunning) exit_locked(c, 143);
    return minirun::sys::ok();
  }

  Result<void> kill(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++kills;
    auto& c = containers.at(id);
    c.stop_requested = true;
    if (c.state == ContainerRunState::kRunning) exit_locked(c, 137);
    return minirun::sys::ok();
  }

  Result<void> remove(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++removes;
    removed.insert(id);
    containers.erase(id);
    return minirun::sys::ok();
  }

  Result<std::vector<ObservedContainer>> list() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!list_error.empty()) return Error(list_error);
    std::vector<ObservedContainer> out;
    for (const auto& [id, c] : containers) out.push_back(c);
    return out;
  }

  Result<ObservedContainer> observe(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers.find(id);
    if (it == containers.end()) {
      ObservedContainer missing;
      missing.container_id = id;
      missing.state = ContainerRunState::kMissing;
      return missing;
    }
    return it->second;
  }

  /// The container's process ends on its own with `code` (and maybe the OOM killer).
  void exit_container(const std::string& id, int code, bool oom = false) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& c = containers.at(id);
    exit_locked(c, code);
    c.oom_killed = oom;
  }

  /// A container left by an earlier run of the agent.
  void add(const std::string& id, const std::string& task_id, ContainerRunState state, int exit_code = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    ObservedContainer c;
    c.container_id = id;
    c.task_id = task_id;
    c.state = state;
    c.exit_code = exit_code;
    containers[id] = c;
  }

  /// The one container of a task ("" if none).
  std::string container_of(const std::string& task_id) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, c] : containers)
      if (c.task_id == task_id) return id;
    return "";
  }

  ContainerRunState state_of(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers.find(id);
    return it == containers.end() ? ContainerRunState::kMissing : it->second.state;
  }

  std::mutex mu_;
  std::set<std::string> images{"busybox"};
  std::map<std::string, ObservedContainer> containers;
  std::set<std::string> removed;
  std::string start_error;
  std::string list_error;
  bool ignores_stop_signal = false;  ///< like `sleep` as PID 1: SIGTERM has no handler
  int starts = 0, stop_requests = 0, kills = 0, removes = 0;
  int next_id = 1;

 private:
  static void exit_locked(ObservedContainer& c, int code) {
    c.state = ContainerRunState::kExited;
    c.exit_code = code;
  }
};

/// A task assigned to node n1, desired RUNNING, as the dispatcher sends it.
inline Task assigned_task(const std::string& id, const std::string& image = "busybox", uint64_t slot = 1) {
  Task t;
  t.id = id;
  t.service_id = "svc1";
  t.service_name = "web";
  t.slot = slot;
  t.node_id = "n1";
  t.spec.name = "web";
  t.spec.container.image = image;
  t.spec.container.args = {"sleep", "30"};
  t.status.state = TaskState::kAssigned;
  return t;
}

}  // namespace miniswarm::agent::testing
