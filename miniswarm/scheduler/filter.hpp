/**
 * @file filter.hpp
 * @brief The Filter interface: one reason a node may not take a task, able to say so.
 *
 * Deciding where a task may run is split into small questions, each a Filter: is the
 * node up (filter_ready.cpp)? does it take work (filter_availability.cpp)? do the
 * task's constraints hold there (filter_constraints.cpp)? is there room for its
 * reservations (filter_resources.cpp)? has the service reached its replicas-per-node
 * limit there (filter_max_per_node.cpp)? A Pipeline (pipeline.hpp) asks them in that
 * order; the first "no" decides. This is SwarmKit's design (manager/scheduler/filter.go)
 * and its best feature for a learner: because every filter can put its "no" into words,
 * a pending task says *why* it is pending ("insufficient memory on 2 nodes").
 *
 * A filter is used in two steps, like SwarmKit's SetTask/Check: set_task() once for a
 * task (the constraints filter parses the expressions there, not once per node), then
 * check() for each node. A check answers with a Refusal: 0 for "the node passes", or a
 * small number naming which of the filter's refusals it was (the ready filter tells
 * "down" from "not ready"), so the pipeline can count them apart and explain() can turn
 * each count into a phrase.
 *
 * depends_on_load() sorts filters in two kinds. The answer of ready, availability and
 * constraints depends on the node and the task's spec only, so the scheduler asks them
 * once per group of identical tasks; resources and max-per-node change as tasks are
 * placed, so they are asked again before each placement.
 *
 * Docs: docs/design/swarm.md ("Scheduling").
 */
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "miniswarm/scheduler/node_info.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::scheduler {

/// 0 when the node passes, else which refusal of the filter (1, 2, ...).
using Refusal = int;
inline constexpr Refusal kNodePasses = 0;

/// "1 node" / "3 nodes": the counting phrase every explanation uses.
std::string count_nodes(size_t nodes);

class Filter {
 public:
  virtual ~Filter() = default;

  /// Short name ("ready", "resources", ...), for logs and tests.
  virtual std::string_view name() const = 0;
  /// Whether check() may change as tasks are placed (see the file comment).
  virtual bool depends_on_load() const = 0;
  /// Prepares for `task`; false when the filter has nothing to check for it (a task that
  /// reserves nothing skips the resources filter), and then check() is not called.
  /// The task must outlive the checks that follow.
  virtual bool set_task(const Task& task) = 0;
  /// kNodePasses, or the refusal, for the task given to set_task().
  virtual Refusal check(const NodeInfo& node) const = 0;
  /// The refusal as a phrase with its count: "insufficient memory on 2 nodes".
  virtual std::string explain(Refusal refusal, size_t nodes) const = 0;
};

// The kit's filters, one file each, in the order the pipeline asks them.
std::unique_ptr<Filter> make_ready_filter();
std::unique_ptr<Filter> make_availability_filter();
std::unique_ptr<Filter> make_constraints_filter();
std::unique_ptr<Filter> make_resources_filter();
std::unique_ptr<Filter> make_max_per_node_filter();

}  // namespace miniswarm::scheduler
