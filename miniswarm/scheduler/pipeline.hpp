/**
 * @file pipeline.hpp
 * @brief The filters in order, and the explanation of a task nobody can take.
 *
 * A Pipeline holds the five filters in a fixed order: ready, availability, constraints,
 * resources, max-replicas-per-node. A node passes when every filter that applies to the
 * task passes it; otherwise the first filter that refuses names the reason (a Verdict).
 * The order puts the cheap and load-independent questions first, which also lets the
 * scheduler ask them once per group of tasks (check_static) and only the two load
 * questions per placement (check_load); check() asks everything, in the same order,
 * and gives the same verdict as check_static() followed by check_load().
 *
 * When no node takes a task, a RefusalTally has counted the verdicts, and explain()
 * writes what SwarmKit's pipeline.Explain() writes, one phrase per (filter, refusal)
 * that refused at least one node, in pipeline order:
 *
 *     no suitable node (insufficient memory on 2 nodes; constraint node.labels.zone==a
 *     unmet on 1 node; 1 node not ready)
 *
 * which is what `miniswarm service ps` shows in its ERROR column for a pending task.
 */
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "miniswarm/scheduler/filter.hpp"

namespace miniswarm::scheduler {

/// The answer for one node: which filter refused it, and how; or that it passed.
struct Verdict {
  int filter = -1;                 ///< index of the refusing filter in the pipeline
  Refusal refusal = kNodePasses;   ///< that filter's refusal
  bool passed() const { return refusal == kNodePasses; }
};

class Pipeline {
 public:
  /// The kit's five filters, in the order of the file comment.
  Pipeline();
  Pipeline(Pipeline&&) = default;
  Pipeline& operator=(Pipeline&&) = default;

  /// Prepares every filter for `task` (which must outlive the checks and explain()).
  void set_task(const Task& task);
  /// Every applicable filter, in order.
  Verdict check(const NodeInfo& node) const;
  /// Only the filters whose answer does not change as tasks are placed.
  Verdict check_static(const NodeInfo& node) const;
  /// Only the filters that read the load (resources, replicas per node).
  Verdict check_load(const NodeInfo& node) const;

  const Filter& filter(int index) const { return *filters_[static_cast<size_t>(index)]; }

 private:
  Verdict run(const std::vector<int>& which, const NodeInfo& node) const;

  std::vector<std::unique_ptr<Filter>> filters_;
  std::vector<int> static_active_;  ///< indexes of the applicable load-independent filters
  std::vector<int> load_active_;    ///< indexes of the applicable load filters
  std::vector<int> all_active_;
};

/// Counts refusals per (filter, refusal), and writes the explanation.
class RefusalTally {
 public:
  void add(const Verdict& verdict, size_t nodes = 1);
  void clear() { counts_.clear(); }
  /// "no suitable node (...)" for a task refused by all `node_count` nodes; a cluster
  /// without nodes reads "no suitable node (no nodes in the cluster)".
  std::string explain(const Pipeline& pipeline, size_t node_count) const;

 private:
  std::map<std::pair<int, Refusal>, size_t> counts_;  // ordered: pipeline order
};

/// "no suitable node (DETAILS)", the one wording of every explanation.
std::string no_suitable_node(const std::string& details);

}  // namespace miniswarm::scheduler
