/**
 * @file filter_availability.cpp
 * @brief Only an ACTIVE node takes new tasks (`docker node update --availability`).
 *
 * PAUSE keeps a node's running tasks and gives it no new ones (for a look at a node
 * without moving work off it); DRAIN gives it no new ones either, and the orchestrator
 * also moves its tasks away (maintenance). For the scheduler the two are the same "no",
 * but the explanation names which, because the fix differs: `--availability active`
 * undoes both, yet a drained node was emptied on purpose.
 */
#include "miniswarm/scheduler/filter.hpp"

namespace miniswarm::scheduler {
namespace {

enum : Refusal { kPaused = 1, kDrained };

class AvailabilityFilter final : public Filter {
 public:
  std::string_view name() const override { return "availability"; }
  bool depends_on_load() const override { return false; }
  bool set_task(const Task&) override { return true; }

  Refusal check(const NodeInfo& info) const override {
    switch (info.node->availability) {
      case NodeAvailability::kActive: return kNodePasses;
      case NodeAvailability::kPause: return kPaused;
      case NodeAvailability::kDrain: return kDrained;
    }
    return kDrained;
  }

  std::string explain(Refusal refusal, size_t nodes) const override {
    return count_nodes(nodes) + (refusal == kPaused ? " paused" : " drained");
  }
};

}  // namespace

std::unique_ptr<Filter> make_availability_filter() {
  return std::make_unique<AvailabilityFilter>();
}

}  // namespace miniswarm::scheduler
