/**
 * @file actions.cpp
 * @brief Applying an orchestrator run's actions to a task list (see actions.hpp).
 */
#include "miniswarm/orchestrator/actions.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace miniswarm::orchestrator {

std::vector<Task> apply_actions(std::vector<Task> tasks, const OrchestratorActions& actions) {
  std::map<std::string, const Task*> updates;
  for (const Task& t : actions.update) updates[t.id] = &t;
  std::set<std::string> removed(actions.remove.begin(), actions.remove.end());

  std::erase_if(tasks, [&](const Task& t) { return removed.count(t.id) != 0; });
  for (Task& t : tasks) {
    auto it = updates.find(t.id);
    if (it != updates.end()) t = *it->second;
  }
  tasks.insert(tasks.end(), actions.create.begin(), actions.create.end());
  return tasks;
}

}  // namespace miniswarm::orchestrator
