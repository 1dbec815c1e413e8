// Small builders the scheduler tests share: a ready, active node and a pending task,
// changed field by field in each test so that the test shows what matters to it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "miniswarm/scheduler/scheduler.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::scheduler::testing {

inline constexpr int64_t kGiB = 1024LL * 1024 * 1024;
inline constexpr int64_t kCpu = 1'000'000'000;

/// A READY, ACTIVE Linux worker with 4 CPUs and 8 GiB, its hostname equal to its id.
inline Node make_node(const std::string& id) {
  Node node;
  node.id = id;
  node.hostname = id;
  node.status = NodeStatus::kReady;
  node.availability = NodeAvailability::kActive;
  node.role = NodeRole::kWorker;
  node.arch = "x86_64";
  node.total = Resources{4 * kCpu, 8 * kGiB};
  return node;
}

/// A PENDING task of `service`, desired RUNNING, with no node.
inline Task make_task(const std::string& id, const std::string& service = "web") {
  Task task;
  task.id = id;
  task.service_id = service;
  task.service_name = service;
  task.spec.name = service;
  task.status.state = TaskState::kPending;
  task.desired_state = TaskState::kRunning;
  return task;
}

/// `count` pending tasks "<service>-1" ... of one service.
inline std::vector<Task> make_tasks(const std::string& service, int count) {
  std::vector<Task> tasks;
  for (int i = 1; i <= count; ++i) tasks.push_back(make_task(service + "-" + std::to_string(i), service));
  return tasks;
}

/// A task of `service` already RUNNING on `node`.
inline Task running_on(const std::string& id, const std::string& node,
                       const std::string& service = "other") {
  Task task = make_task(id, service);
  task.node_id = node;
  task.status.state = TaskState::kRunning;
  return task;
}

/// How many tasks the result assigned to each node id.
inline std::map<std::string, int> count_by_node(const ScheduleResult& result) {
  std::map<std::string, int> counts;
  for (const Assignment& a : result.assigned) ++counts[a.node_id];
  return counts;
}

}  // namespace miniswarm::scheduler::testing
