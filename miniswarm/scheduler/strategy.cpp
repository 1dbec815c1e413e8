/**
 * @file strategy.cpp
 * @brief The two orders (spread, binpack) and the choice of a chooser (see strategy.hpp).
 */
#include "miniswarm/scheduler/strategy.hpp"

#include <utility>

namespace miniswarm::scheduler {

SpreadKey spread_key(const NodeInfo& node, uint32_t index, const std::string& service_id) {
  return SpreadKey{node.service_task_count(service_id), node.task_count, index};
}

BinpackKey binpack_key(const NodeInfo& node, uint32_t index) {
  Resources left = node.available();
  return BinpackKey{left.memory_bytes, left.nano_cpus, -static_cast<int64_t>(node.task_count),
                    index};
}

std::unique_ptr<NodeChooser> make_chooser(PlacementStrategy strategy, ChooserInput input) {
  switch (strategy) {
    case PlacementStrategy::kBinpack: return make_binpack_chooser(std::move(input));
    case PlacementStrategy::kRoundRobin: return make_round_robin_chooser(std::move(input));
    case PlacementStrategy::kRandom: return make_random_chooser(std::move(input));
    case PlacementStrategy::kSpread: break;
  }
  return make_spread_chooser(std::move(input));
}

}  // namespace miniswarm::scheduler
