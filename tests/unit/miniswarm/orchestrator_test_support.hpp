/**
 * @file orchestrator_test_support.hpp
 * @brief A tiny cluster for the orchestrator's tests: services, nodes, tasks, a clock,
 *        and the two other actors the orchestrator never calls but whose writes it
 *        reads: the scheduler (assigns a node) and the agent (runs and ends a task).
 *
 * ClusterSim::run() calls orchestrate() on the current state and applies the actions,
 * as the manager would, so a test reads as a short story: "create a service, run, fail
 * task 1, run again, expect ...". Ids are predictable ("t1", "t2", ...).
 */
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "miniswarm/orchestrator/orchestrator.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::orchestrator::testing {

inline Service replicated_service(const std::string& id, uint64_t replicas) {
  Service s;
  s.id = id;
  s.spec.name = id;
  s.spec.container.image = "busybox";
  s.spec.mode = ServiceMode::kReplicated;
  s.spec.replicas = replicas;
  s.spec_version = 1;
  return s;
}

inline Service global_service(const std::string& id) {
  Service s = replicated_service(id, 0);
  s.spec.mode = ServiceMode::kGlobal;
  return s;
}

inline Node ready_node(const std::string& id) {
  Node n;
  n.id = id;
  n.hostname = id + "-host";
  n.status = NodeStatus::kReady;
  n.availability = NodeAvailability::kActive;
  n.arch = "x86_64";
  return n;
}

class ClusterSim {
 public:
  std::vector<Service> services;
  std::vector<Node> nodes;
  std::vector<Task> tasks;
  int64_t now = 1'000'000;
  OrchestratorOptions options;

  ClusterSim() {
    // The counter is shared, not captured through `this`, so a copied ClusterSim
    // (returned from a helper) keeps making ids that do not collide.
    options.new_id = [ids = ids_] { return "t" + std::to_string(++*ids); };
  }

  /// One orchestrator run, applied.
  OrchestratorActions run() {
    OrchestratorActions a = orchestrate(services, tasks, nodes, now, options);
    tasks = apply_actions(tasks, a);
    return a;
  }
  /// One orchestrator run, not applied.
  OrchestratorActions peek() const { return orchestrate(services, tasks, nodes, now, options); }

  Task& task(const std::string& id) {
    auto it = std::find_if(tasks.begin(), tasks.end(), [&](const Task& t) { return t.id == id; });
    if (it == tasks.end()) ADD_FAILURE() << "no task " << id;
    return *it;
  }
  bool has_task(const std::string& id) const {
    return std::any_of(tasks.begin(), tasks.end(), [&](const Task& t) { return t.id == id; });
  }
  Node& node(const std::string& id) {
    return *std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.id == id; });
  }
  Service& service(const std::string& id) {
    return *std::find_if(services.begin(), services.end(), [&](const Service& s) { return s.id == id; });
  }

  /// The scheduler and agent: the task is assigned to `node_id` and runs.
  void start(const std::string& task_id, const std::string& node_id) {
    Task& t = task(task_id);
    t.node_id = node_id;
    for (TaskState s : {TaskState::kAssigned, TaskState::kAccepted, TaskState::kPreparing,
                        TaskState::kStarting, TaskState::kRunning}) {
      if (t.status.state < s) advance_task(t, s, now, "");
    }
  }
  /// The agent reports the task ended (started on `node_id` first if it never ran).
  void end(const std::string& task_id, TaskState state, int exit_code = 0,
           const std::string& err = {}, const std::string& node_id = "n1") {
    if (task(task_id).status.state < TaskState::kAssigned) start(task_id, node_id);
    Task& t = task(task_id);
    advance_task(t, state, now, exit_code != 0 ? "exit code " + std::to_string(exit_code) : "", err);
    t.status.exit_code = exit_code;
  }

  /// Tasks of `service_id` meant to run (desired RUNNING), by slot order.
  std::vector<Task> runnable(const std::string& service_id) const {
    std::vector<Task> out;
    for (const Task& t : tasks) {
      if (t.service_id == service_id && t.desired_state == TaskState::kRunning) out.push_back(t);
    }
    std::sort(out.begin(), out.end(), [](const Task& a, const Task& b) {
      return a.slot != b.slot ? a.slot < b.slot : a.node_id < b.node_id;
    });
    return out;
  }
  /// The one task meant to run in `slot` of `service_id` (fails the test if not one).
  Task runnable_in_slot(const std::string& service_id, uint64_t slot) const {
    std::vector<Task> found;
    for (const Task& t : runnable(service_id)) {
      if (t.slot == slot) found.push_back(t);
    }
    EXPECT_EQ(found.size(), 1u) << "tasks meant to run in slot " << slot;
    return found.empty() ? Task{} : found.front();
  }

 private:
  std::shared_ptr<int> ids_ = std::make_shared<int>(0);
};

/// The ids of `tasks`, in order.
inline std::vector<std::string> ids_of(const std::vector<Task>& tasks) {
  std::vector<std::string> out;
  for (const Task& t : tasks) out.push_back(t.id);
  return out;
}

/// The slots of `tasks`, sorted.
inline std::vector<uint64_t> slots_of(const std::vector<Task>& tasks) {
  std::vector<uint64_t> out;
  for (const Task& t : tasks) out.push_back(t.slot);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace miniswarm::orchestrator::testing
