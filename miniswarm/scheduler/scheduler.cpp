/**
 * @file scheduler.cpp
 * @brief Grouping tasks, then placing each group with a strategy (see scheduler.hpp).
 */
#include "miniswarm/scheduler/scheduler.hpp"

#include <algorithm>
#include <string_view>

#include "miniswarm/scheduler/node_info.hpp"
#include "miniswarm/scheduler/pipeline.hpp"
#include "miniswarm/scheduler/schedulable.hpp"
#include "miniswarm/scheduler/strategy.hpp"

namespace miniswarm::scheduler {
namespace {

// Tasks that the filters and the strategy cannot tell apart: same service, same
// placement, same reservations. (Two versions of a service during a rolling update are
// two groups when the update changed any of these.)
struct Group {
  std::vector<const Task*> tasks;
};

bool same_placement(const Task& a, const Task& b) {
  return a.spec.placement == b.spec.placement && a.spec.reservations == b.spec.reservations;
}

NodeInfo* find_node_info(std::vector<NodeInfo>& infos, std::string_view id) {
  auto it = std::lower_bound(infos.begin(), infos.end(), id,
                             [](const NodeInfo& info, std::string_view key) {
                               return info.node->id < key;
                             });
  return it != infos.end() && it->node->id == id ? &*it : nullptr;
}

// A global task: its node is chosen already, only the filters are asked.
void place_pinned(const Task& task, std::vector<NodeInfo>& infos, Pipeline& pipeline,
                  ScheduleResult& result) {
  NodeInfo* info = find_node_info(infos, task.node_id);
  if (info == nullptr) {
    result.pending.push_back(
        {task.id, no_suitable_node("node " + task.node_id + " is not in the cluster")});
    return;
  }
  pipeline.set_task(task);
  Verdict verdict = pipeline.check(*info);
  if (verdict.passed()) {
    info->add_task(task);
    result.assigned.push_back({task.id, task.node_id});
    return;
  }
  RefusalTally tally;
  tally.add(verdict);
  result.pending.push_back({task.id, tally.explain(pipeline, 1)});
}

}  // namespace

ScheduleResult Scheduler::schedule(const std::vector<Node>& nodes, const std::vector<Task>& tasks,
                                   int64_t now_ms) {
  ScheduleResult result;
  std::vector<NodeInfo> infos = build_node_infos(nodes, tasks);
  Pipeline pipeline;

  // Sort the tasks: delayed ones answered at once, pinned ones first (their node is
  // decided already, and they must count before other tasks fill it), the rest grouped.
  std::vector<Group> groups;
  std::unordered_map<std::string_view, std::vector<size_t>> groups_of_service;
  std::vector<const Task*> pinned;
  for (const Task& task : tasks) {
    switch (classify_task(task, now_ms)) {
      case Schedulability::kIgnored: continue;
      case Schedulability::kDelayed:
        result.pending.push_back({task.id, restart_delay_reason(task, now_ms)});
        continue;
      case Schedulability::kPinned: pinned.push_back(&task); continue;
      case Schedulability::kUnassigned: break;
    }
    std::vector<size_t>& candidates = groups_of_service[task.service_id];
    auto same = std::find_if(candidates.begin(), candidates.end(), [&](size_t g) {
      return same_placement(*groups[g].tasks.front(), task);
    });
    if (same != candidates.end()) {
      groups[*same].tasks.push_back(&task);
    } else {
      candidates.push_back(groups.size());
      groups.push_back(Group{{&task}});
    }
  }

  size_t schedulable = pinned.size();
  for (const Group& group : groups) schedulable += group.tasks.size();
  result.assigned.reserve(schedulable);
  for (const Task* task : pinned) place_pinned(*task, infos, pipeline, result);

  for (const Group& group : groups) {
    const Task& model = *group.tasks.front();
    pipeline.set_task(model);
    RefusalTally tally;
    std::vector<uint32_t> candidates;
    for (uint32_t i = 0; i < infos.size(); ++i) {
      Verdict verdict = pipeline.check_static(infos[i]);
      if (verdict.passed()) {
        candidates.push_back(i);
      } else {
        tally.add(verdict);
      }
    }
    auto chooser = make_chooser(
        model.spec.placement.strategy,
        ChooserInput{infos, std::move(candidates), model.service_id,
                     round_robin_cursors_[model.service_id], random_});

    std::string explanation;  // written once, when the candidates run out
    for (const Task* task : group.tasks) {
      std::optional<uint32_t> chosen;
      while ((chosen = chooser->best())) {
        Verdict verdict = pipeline.check_load(infos[*chosen]);
        if (verdict.passed()) break;
        // Counted now, for good: a dropped node gets no more tasks in this group, so
        // its load, and the verdict, stay as they are.
        tally.add(verdict);
        chooser->drop_best();
      }
      if (chosen) {
        infos[*chosen].add_task(*task);
        chooser->placed_on_best();
        result.assigned.push_back({task->id, infos[*chosen].node->id});
        continue;
      }
      if (explanation.empty()) explanation = tally.explain(pipeline, infos.size());
      result.pending.push_back({task->id, explanation});
    }
  }
  return result;
}

std::optional<std::string> why_not_node(const Node& node, const std::vector<Task>& tasks,
                                        const Task& task) {
  std::vector<Node> one{node};
  std::vector<NodeInfo> infos = build_node_infos(one, tasks);
  Pipeline pipeline;
  pipeline.set_task(task);
  Verdict verdict = pipeline.check(infos.front());
  if (verdict.passed()) return std::nullopt;
  return pipeline.filter(verdict.filter).explain(verdict.refusal, 1);
}

}  // namespace miniswarm::scheduler
