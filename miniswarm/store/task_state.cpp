/**
 * @file task_state.cpp
 * @brief Names and the forward-only rule of the task states (see task_state.hpp).
 */
#include "miniswarm/store/task_state.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace miniswarm {

namespace {

constexpr std::array<std::pair<TaskState, std::string_view>, 12> kNames{{
    {TaskState::kNew, "new"},
    {TaskState::kPending, "pending"},
    {TaskState::kAssigned, "assigned"},
    {TaskState::kAccepted, "accepted"},
    {TaskState::kPreparing, "preparing"},
    {TaskState::kStarting, "starting"},
    {TaskState::kRunning, "running"},
    {TaskState::kComplete, "complete"},
    {TaskState::kShutdown, "shutdown"},
    {TaskState::kFailed, "failed"},
    {TaskState::kRejected, "rejected"},
    {TaskState::kOrphaned, "orphaned"},
}};

}  // namespace

std::string_view to_string(TaskState state) {
  for (const auto& [value, name] : kNames) {
    if (value == state) return name;
  }
  return "unknown";
}

std::optional<TaskState> parse_task_state(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(name[i])) == known[i];
    }
    if (same) return value;
  }
  return std::nullopt;
}

bool is_terminal(TaskState state) { return state > TaskState::kRunning; }

bool can_transition(TaskState from, TaskState to) {
  // Terminal states are final even though a later one exists in the order: a task that
  // COMPLETEd must not turn into FAILED because a late report arrived.
  return !is_terminal(from) && to > from;
}

}  // namespace miniswarm
