/**
 * @file exhaustive_scheduler.cpp
 * @brief Every task, every node, every filter (see exhaustive_scheduler.hpp).
 */
#include "miniswarm/scheduler/exhaustive_scheduler.hpp"

#include "miniswarm/scheduler/node_info.hpp"
#include "miniswarm/scheduler/pipeline.hpp"
#include "miniswarm/scheduler/schedulable.hpp"
#include "miniswarm/scheduler/strategy.hpp"

namespace miniswarm::scheduler {

ScheduleResult ExhaustiveScheduler::schedule(const std::vector<Node>& nodes,
                                             const std::vector<Task>& tasks, int64_t now_ms) {
  ScheduleResult result;
  std::vector<NodeInfo> infos = build_node_infos(nodes, tasks);
  Pipeline pipeline;
  for (const Task& task : tasks) {
    Schedulability kind = classify_task(task, now_ms);
    if (kind == Schedulability::kIgnored) continue;
    if (kind == Schedulability::kDelayed) {
      result.pending.push_back({task.id, restart_delay_reason(task, now_ms)});
      continue;
    }
    pipeline.set_task(task);
    RefusalTally tally;
    std::vector<uint32_t> passing;
    bool pinned_node_known = false;
    for (uint32_t i = 0; i < infos.size(); ++i) {
      if (kind == Schedulability::kPinned) {
        if (infos[i].node->id != task.node_id) continue;
        pinned_node_known = true;
      }
      Verdict verdict = pipeline.check(infos[i]);
      if (verdict.passed()) {
        passing.push_back(i);
      } else {
        tally.add(verdict);
      }
    }
    if (kind == Schedulability::kPinned && !pinned_node_known) {
      result.pending.push_back(
          {task.id, no_suitable_node("node " + task.node_id + " is not in the cluster")});
      continue;
    }
    if (passing.empty()) {
      result.pending.push_back(
          {task.id, tally.explain(pipeline, kind == Schedulability::kPinned ? 1 : infos.size())});
      continue;
    }

    // The strategy, as a scan over the passing nodes (in id order).
    uint32_t chosen = passing.front();
    switch (task.spec.placement.strategy) {
      case PlacementStrategy::kSpread:
        for (uint32_t i : passing) {
          if (spread_key(infos[i], i, task.service_id) <
              spread_key(infos[chosen], chosen, task.service_id)) {
            chosen = i;
          }
        }
        break;
      case PlacementStrategy::kBinpack:
        for (uint32_t i : passing) {
          if (binpack_key(infos[i], i) < binpack_key(infos[chosen], chosen)) chosen = i;
        }
        break;
      case PlacementStrategy::kRoundRobin: {
        // The first passing node after the cursor, else the first one (wrap around).
        std::string& cursor = round_robin_cursors_[task.service_id];
        for (uint32_t i : passing) {
          if (infos[i].node->id > cursor) {
            chosen = i;
            break;
          }
        }
        cursor = infos[chosen].node->id;
        break;
      }
      case PlacementStrategy::kRandom: {
        std::uniform_int_distribution<size_t> pick(0, passing.size() - 1);
        chosen = passing[pick(random_)];
        break;
      }
    }
    infos[chosen].add_task(task);
    result.assigned.push_back({task.id, infos[chosen].node->id});
  }
  return result;
}

}  // namespace miniswarm::scheduler
