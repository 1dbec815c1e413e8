/**
 * @file engine_task_logs.cpp
 * @brief Task logs read with the engine's json-file reader (engine_task_logs.hpp).
 */
#include "miniswarm/agent/engine_task_logs.hpp"

#include "miniswarm/agent/task_container.hpp"

namespace miniswarm::agent {

namespace {

using minirun::engine::ContainerStatus;

bool still_writing(ContainerStatus status) {
  return status == ContainerStatus::running || status == ContainerStatus::paused ||
         status == ContainerStatus::restarting || status == ContainerStatus::created;
}

}  // namespace

Result<std::string> EngineTaskLogs::container_of(const std::string& task_id) const {
  minirun::engine::Engine engine(engine_);
  for (const auto& view : engine.list(true)) {
    const auto& labels = view.config.labels;
    auto task = labels.find(kTaskIdLabel);
    if (task == labels.end() || task->second != task_id) continue;
    if (!node_id_.empty()) {
      auto node = labels.find(kNodeIdLabel);
      if (node == labels.end() || node->second != node_id_) continue;
    }
    return view.config.id;
  }
  return Error("no container on this node (removed, and its log with it)");
}

Result<std::vector<minirun::engine::LogEntry>> EngineTaskLogs::read(const std::string& task_id,
                                                                    const minirun::engine::LogQuery& query) {
  auto id = container_of(task_id);
  if (!id) return std::move(id.error());
  minirun::engine::Engine engine(engine_);
  return minirun::engine::read_log(engine.store().log_path(*id), query);
}

Result<void> EngineTaskLogs::follow(const std::string& task_id, const minirun::engine::LogQuery& query,
                                    const std::function<bool(const minirun::engine::LogEntry&)>& on_entry,
                                    const std::function<bool()>& keep_going) {
  auto id = container_of(task_id);
  if (!id) return std::move(id.error());
  minirun::engine::Engine engine(engine_);
  const std::string container = *id;
  return minirun::engine::follow_log(engine.store().log_path(container), query, on_entry, [&] {
    if (!keep_going()) return false;
    auto view = engine.inspect(container);
    return view.ok() && still_writing(view->state.status);
  });
}

}  // namespace miniswarm::agent
