/**
 * @file engine_task_logs.hpp
 * @brief A task's log on this node: its container's json-file log, through the minirun
 *        engine (the TaskLogSource of log_publisher.hpp).
 *
 * A task's container is an ordinary minirun container (engine_backend.hpp), so its
 * output is already where `minirun logs` reads it: `<data-root>/containers/<id>/
 * <id>-json.log` and its rotated files. This finds the container by its task label
 * (and this node's label), and reads with the engine's own reader (json_log.hpp:
 * read_log, follow_log), so tail, since and rotation behave exactly as in
 * `minirun logs`. A follow ends once the container is no longer running, after its
 * last lines were delivered.
 *
 * A task whose container is gone (removed with its log) is an error that names it;
 * the publisher passes it on as a warning for the client.
 *
 * Docs: minirun/engine/json_log.hpp; `docker service logs`.
 */
#pragma once

#include <string>

#include "minirun/engine/engine.hpp"
#include "miniswarm/agent/log_publisher.hpp"

namespace miniswarm::agent {

class EngineTaskLogs : public TaskLogSource {
 public:
  /// The engine the node's tasks run in; `node_id` as in EngineBackendOptions ("" = any).
  EngineTaskLogs(minirun::engine::EngineOptions engine, std::string node_id)
      : engine_(std::move(engine)), node_id_(std::move(node_id)) {}

  Result<std::vector<minirun::engine::LogEntry>> read(const std::string& task_id,
                                                      const minirun::engine::LogQuery& query) override;
  Result<void> follow(const std::string& task_id, const minirun::engine::LogQuery& query,
                      const std::function<bool(const minirun::engine::LogEntry&)>& on_entry,
                      const std::function<bool()>& keep_going) override;

 private:
  /// The id of the task's container on this node.
  Result<std::string> container_of(const std::string& task_id) const;

  minirun::engine::EngineOptions engine_;
  std::string node_id_;
};

}  // namespace miniswarm::agent
