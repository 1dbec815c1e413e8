/**
 * @file filter_max_per_node.cpp
 * @brief At most N tasks of a service on one node (`--replicas-max-per-node N`).
 *
 * Spreading is a preference, this is a rule: with `--replicas-max-per-node 1` two
 * replicas never share a node, so losing one node never takes two of them. When a
 * service asks for more replicas than nodes times N, the rest stay pending and say so
 * ("max replicas per node (1) reached on 3 nodes"), as in Swarm. Tasks of every version
 * of the service count, since they all hold a slot on the node; 0 means no limit.
 */
#include "miniswarm/scheduler/filter.hpp"

namespace miniswarm::scheduler {
namespace {

constexpr Refusal kLimitReached = 1;

class MaxPerNodeFilter final : public Filter {
 public:
  std::string_view name() const override { return "max-replicas-per-node"; }
  bool depends_on_load() const override { return true; }

  bool set_task(const Task& task) override {
    service_id_ = &task.service_id;
    limit_ = task.spec.placement.max_replicas_per_node;
    return limit_ > 0;
  }

  Refusal check(const NodeInfo& info) const override {
    return info.service_task_count(*service_id_) >= limit_ ? kLimitReached : kNodePasses;
  }

  std::string explain(Refusal, size_t nodes) const override {
    return "max replicas per node (" + std::to_string(limit_) + ") reached on " +
           count_nodes(nodes);
  }

 private:
  const std::string* service_id_ = nullptr;
  uint64_t limit_ = 0;
};

}  // namespace

std::unique_ptr<Filter> make_max_per_node_filter() {
  return std::make_unique<MaxPerNodeFilter>();
}

}  // namespace miniswarm::scheduler
