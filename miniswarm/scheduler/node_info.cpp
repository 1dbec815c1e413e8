/**
 * @file node_info.cpp
 * @brief Adding up the load on each node (see node_info.hpp).
 */
#include "miniswarm/scheduler/node_info.hpp"

#include <algorithm>
#include <string_view>

namespace miniswarm::scheduler {

bool counts_as_load(const Task& task) {
  return !task.node_id.empty() && task.desired_state == TaskState::kRunning &&
         task.status.state >= TaskState::kAssigned && !is_terminal(task.status.state);
}

Resources NodeInfo::available() const {
  return Resources{node->total.nano_cpus - reserved.nano_cpus,
                   node->total.memory_bytes - reserved.memory_bytes};
}

uint32_t NodeInfo::service_task_count(const std::string& service_id) const {
  auto it = tasks_by_service.find(service_id);
  return it == tasks_by_service.end() ? 0 : it->second;
}

void NodeInfo::add_task(const Task& task) {
  reserved.nano_cpus += task.spec.reservations.nano_cpus;
  reserved.memory_bytes += task.spec.reservations.memory_bytes;
  ++task_count;
  ++tasks_by_service[task.service_id];
}

std::vector<NodeInfo> build_node_infos(const std::vector<Node>& nodes,
                                       const std::vector<Task>& tasks) {
  std::vector<NodeInfo> infos;
  infos.reserve(nodes.size());
  for (const Node& node : nodes) infos.push_back(NodeInfo{&node, {}, 0, {}});
  std::sort(infos.begin(), infos.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.node->id < b.node->id; });

  // Sorted by id, a task's node is found by binary search: no map of 5,000 strings
  // to build on every call.
  auto find = [&infos](std::string_view id) -> NodeInfo* {
    auto it = std::lower_bound(infos.begin(), infos.end(), id,
                               [](const NodeInfo& info, std::string_view key) {
                                 return info.node->id < key;
                               });
    return it != infos.end() && it->node->id == id ? &*it : nullptr;
  };
  for (const Task& task : tasks) {
    if (!counts_as_load(task)) continue;
    if (NodeInfo* info = find(task.node_id)) info->add_task(task);
  }
  return infos;
}

}  // namespace miniswarm::scheduler
