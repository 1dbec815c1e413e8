/**
 * @file task_table.cpp
 * @brief Grouping tasks by slot and printing them Docker's way (task_table.hpp).
 */
#include "miniswarm/cli/task_table.hpp"

#include <algorithm>
#include <tuple>

#include "miniswarm/cli/human_duration.hpp"
#include "miniswarm/cli/table.hpp"

namespace miniswarm::cli {

namespace {

// docker/cli task formatter: maxErrLength.
constexpr size_t kMaxErrorChars = 30;

/// Tasks of one group sort together, groups in the order the header file describes.
bool group_less(const Task& a, const Task& b) {
  if (a.service_name != b.service_name) return natural_less(a.service_name, b.service_name);
  if (a.service_id != b.service_id) return a.service_id < b.service_id;
  if (a.slot != b.slot) return a.slot < b.slot;
  if (a.slot == 0 && a.node_id != b.node_id) return a.node_id < b.node_id;
  return false;
}

bool same_group(const Task& a, const Task& b) {
  return !group_less(a, b) && !group_less(b, a);
}

/// Inside a group: the task meant to run first, then newest first.
bool current_first(const Task& a, const Task& b) {
  bool a_wanted = a.desired_state == TaskState::kRunning;
  bool b_wanted = b.desired_state == TaskState::kRunning;
  if (a_wanted != b_wanted) return a_wanted;
  return std::tie(a.created_ms, a.id) > std::tie(b.created_ms, b.id);
}

}  // namespace

std::vector<TaskRow> order_tasks(const std::vector<Task>& tasks) {
  std::vector<const Task*> sorted;
  for (const auto& t : tasks) sorted.push_back(&t);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Task* a, const Task* b) {
    if (group_less(*a, *b)) return true;
    if (group_less(*b, *a)) return false;
    return current_first(*a, *b);
  });
  std::vector<TaskRow> rows;
  for (size_t i = 0; i < sorted.size(); ++i) {
    bool history = i > 0 && same_group(*sorted[i - 1], *sorted[i]);
    rows.push_back({sorted[i], history});
  }
  return rows;
}

std::string task_display_name(const Task& task) {
  return task.service_name + "." + (task.slot != 0 ? std::to_string(task.slot) : task.node_id);
}

std::string task_error_cell(const Task& task, bool no_trunc) {
  std::string text = task.status.err;
  if (text.empty() && task.status.state == TaskState::kPending) text = task.pending_reason;
  if (text.empty()) return "";
  if (!no_trunc) text = ellipsis(text, kMaxErrorChars);
  return "\"" + text + "\"";
}

std::string render_task_table(const std::vector<Task>& tasks,
                              const std::map<std::string, std::string>& hostnames, int64_t now_ms,
                              bool no_trunc) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR"}};
  for (const auto& [task, history] : order_tasks(tasks)) {
    std::string node;
    if (!task->node_id.empty()) {
      auto it = hostnames.find(task->node_id);
      node = it != hostnames.end() && !it->second.empty() ? it->second : task->node_id;
    }
    TaskStatus status = task->status;
    if (status.timestamp_ms == 0) status.timestamp_ms = task->created_ms;
    std::string name = task_display_name(*task);
    rows.push_back({no_trunc ? task->id : truncate_id(task->id), history ? " \\_ " + name : name,
                    task->spec.container.image, node, capitalize(to_string(task->desired_state)),
                    task_state_age(status, now_ms), task_error_cell(*task, no_trunc)});
  }
  return render_table(rows);
}

std::string render_task_ids(const std::vector<Task>& tasks, bool no_trunc) {
  std::string out;
  for (const auto& row : order_tasks(tasks)) {
    out += (no_trunc ? row.task->id : truncate_id(row.task->id)) + "\n";
  }
  return out;
}

}  // namespace miniswarm::cli
