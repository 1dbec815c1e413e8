/**
 * @file strategy.hpp
 * @brief Choosing one node among those that pass: spread, binpack, round-robin, random.
 *
 * The filters say which nodes *may* take a task; the strategy (`--placement-strategy`,
 * Placement::strategy) says which one *should*:
 *
 *  - **spread** (Swarm's only strategy): the node with the fewest tasks of this service,
 *    then the fewest tasks at all, then the lowest node id. Replicas land on different
 *    nodes first, so one node lost costs the fewest replicas; note that a node busy
 *    with other services still wins if it has fewer of *this* one.
 *  - **binpack**: the node with the least free memory, then least free CPU, that still
 *    fits; ties go to the node with more tasks, then the lower id. It fills nodes one by
 *    one and keeps whole nodes free for a big task (or for switching off).
 *  - **round-robin**: the next node by id after the one this service used last, across
 *    schedule() calls, wrapping around. Easy to predict in a lab, blind to load.
 *  - **random**: uniformly among the nodes that pass, from the Scheduler's seeded
 *    generator (reproducible in a test). The baseline the others are compared with.
 *
 * The orders are written once, as SpreadKey and BinpackKey below; both the fast
 * scheduler and the exhaustive reference (exhaustive_scheduler.hpp) use them.
 *
 * A NodeChooser keeps one group's candidate nodes in the structure its strategy needs,
 * so that each placement costs O(log nodes) instead of a scan: a heap ordered by the key
 * (spread, binpack), a ring in id order (round-robin), an array to draw from (random).
 * The scheduler asks best(), checks the load filters on that node, and then tells the
 * chooser placed_on_best() (the node's load changed: its key moves) or drop_best() (the
 * node is full for this group: as loads only grow during a call, it stays full).
 *
 * Docs: docs/design/swarm.md ("Scheduling"); SwarmKit manager/scheduler/nodeheap.go.
 */
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "miniswarm/scheduler/node_info.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::scheduler {

/// Spread's preference, smallest first. `index` is the position in the NodeInfo list,
/// which build_node_infos() sorts by node id.
struct SpreadKey {
  uint32_t service_tasks = 0;
  uint32_t tasks = 0;
  uint32_t index = 0;
  auto operator<=>(const SpreadKey&) const = default;
};
SpreadKey spread_key(const NodeInfo& node, uint32_t index, const std::string& service_id);

/// Binpack's preference, smallest first: least free memory and CPU, then most tasks.
struct BinpackKey {
  int64_t free_memory = 0;
  int64_t free_cpus = 0;
  int64_t fewer_tasks = 0;  ///< minus the task count: more tasks sort first
  uint32_t index = 0;
  auto operator<=>(const BinpackKey&) const = default;
};
BinpackKey binpack_key(const NodeInfo& node, uint32_t index);

/// One group's candidates, kept in the order of one strategy (see the file comment).
class NodeChooser {
 public:
  virtual ~NodeChooser() = default;
  /// The index of the preferred node, or nullopt when no candidate is left. Asking again
  /// without placing or dropping gives the same node.
  virtual std::optional<uint32_t> best() = 0;
  /// The best node failed a load filter: never offer it again.
  virtual void drop_best() = 0;
  /// A task was placed on the best node, whose NodeInfo already counts it.
  virtual void placed_on_best() = 0;
};

/// What a chooser is built from. `candidates` are the indexes of the nodes that passed
/// the load-independent filters, ascending. The cursor is the id of the node the
/// service's last task went to by round-robin ("" at first); the chooser moves it.
struct ChooserInput {
  const std::vector<NodeInfo>& nodes;
  std::vector<uint32_t> candidates;
  const std::string& service_id;
  std::string& round_robin_cursor;
  std::mt19937_64& random;
};

std::unique_ptr<NodeChooser> make_chooser(PlacementStrategy strategy, ChooserInput input);

// One file each (strategy_ranked.cpp holds the two heaps).
std::unique_ptr<NodeChooser> make_spread_chooser(ChooserInput input);
std::unique_ptr<NodeChooser> make_binpack_chooser(ChooserInput input);
std::unique_ptr<NodeChooser> make_round_robin_chooser(ChooserInput input);
std::unique_ptr<NodeChooser> make_random_chooser(ChooserInput input);

}  // namespace miniswarm::scheduler
