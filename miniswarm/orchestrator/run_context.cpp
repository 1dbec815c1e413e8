/**
 * @file run_context.cpp
 * @brief Creating, stopping and replacing tasks; node health as the orchestrator sees it
 *        (see run_context.hpp).
 */
#include "miniswarm/orchestrator/run_context.hpp"

#include <utility>

#include "miniswarm/orchestrator/slot.hpp"

namespace miniswarm::orchestrator {

RunContext::RunContext(const std::vector<Node>& nodes, int64_t now_ms,
                       std::function<std::string()> new_id, OrchestratorActions& out)
    : nodes_(&nodes), now_ms_(now_ms), new_id_(std::move(new_id)), out_(&out) {
  for (const Node& n : nodes) node_by_id_[n.id] = &n;
  if (!new_id_) new_id_ = new_object_id;
}

const Node* RunContext::node(const std::string& id) const {
  auto it = node_by_id_.find(id);
  return it == node_by_id_.end() ? nullptr : it->second;
}

std::string RunContext::node_name(const std::string& id) const {
  const Node* n = node(id);
  return n != nullptr && !n->hostname.empty() ? n->hostname : id;
}

std::optional<std::string> RunContext::node_problem(const Task& task) const {
  if (task.node_id.empty()) return std::nullopt;
  const Node* n = node(task.node_id);
  // A node removed from the store (`node rm`) will never report again: as good as down.
  if (n == nullptr) return "node " + task.node_id + " was removed";
  if (n->status == NodeStatus::kDown) {
    std::string why = "node " + node_name(n->id) + " is down";
    if (!n->status_message.empty()) why += ": " + n->status_message;
    return why;
  }
  if (n->availability == NodeAvailability::kDrain) return "node " + node_name(n->id) + " is drained";
  return std::nullopt;
}

Task RunContext::new_task(const Service& service, uint64_t slot, const std::string& node_id,
                          const std::string& message) const {
  Task t;
  t.id = new_id_();
  t.service_id = service.id;
  t.service_name = service.spec.name;
  t.slot = slot;
  t.node_id = node_id;
  t.spec = service.spec;
  t.spec_version = service.spec_version;
  t.desired_state = TaskState::kRunning;
  t.status = TaskStatus{TaskState::kNew, now_ms_, "created", "", 0};
  advance_task(t, TaskState::kPending, now_ms_, message);
  t.created_ms = now_ms_;
  t.updated_ms = now_ms_;
  return t;
}

void RunContext::create(Task task) {
  out_->reasons[task.id] = task.status.message;
  out_->create.push_back(std::move(task));
}

void RunContext::stop(const Task& task, const std::string& reason) {
  if (never_assigned(task)) {
    out_->remove.push_back(task.id);
    out_->reasons[task.id] = reason + "; deleted, as no node had taken it yet";
    return;
  }
  Task copy = task;
  copy.desired_state = TaskState::kShutdown;
  copy.updated_ms = now_ms_;
  out_->reasons[task.id] = reason + "; desired state shutdown";
  out_->update.push_back(std::move(copy));
}

void RunContext::remove(const Task& task, const std::string& reason) {
  out_->remove.push_back(task.id);
  out_->reasons[task.id] = reason + "; deleted";
}

void RunContext::replace(const Task& old, Task successor, const std::string& reason) {
  stop(old, reason + "; replaced by task " + successor.id);
  create(std::move(successor));
}

void RunContext::restart(const Task& ended, const Service& service, const RestartDecision& decision) {
  // A global task is tied to its node (slot 0); a replicated one only to its slot.
  const std::string& node_id = ended.slot == 0 ? ended.node_id : std::string();
  Task successor = new_task(service, ended.slot, node_id,
                            "replaces task " + ended.id + " (" + describe_end(ended) + "), " + decision.why);
  successor.restart_attempt = decision.attempt;
  successor.not_before_ms = decision.delay_ms > 0 ? now_ms_ + decision.delay_ms : 0;
  replace(ended, std::move(successor), describe_end(ended));
}

void RunContext::hold(const Task& task, const std::string& why) {
  out_->not_restarted[task.id] = "not restarted: " + why;
}

void RunContext::warn(std::string warning) { out_->warnings.push_back(std::move(warning)); }

}  // namespace miniswarm::orchestrator
