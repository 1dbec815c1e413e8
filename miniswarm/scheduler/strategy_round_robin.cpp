/**
 * @file strategy_round_robin.cpp
 * @brief Round-robin: each task of a service goes to the next node by id, wrapping.
 *
 * The candidates form a ring in id order, as a singly linked list over an array
 * (next_[i] is the position after i), so that a node found full can be unlinked in O(1)
 * while walking, and the walk never meets it again. The service's cursor (the id of
 * the node its last task went to, kept by the Scheduler between calls) says where the
 * walk starts: at the first candidate whose id is greater, or at the first one after a
 * wrap. A node that joined or left since the last call needs no special case: the
 * cursor is an id, not a position.
 */
#include <algorithm>

#include "miniswarm/scheduler/strategy.hpp"

namespace miniswarm::scheduler {
namespace {

class RoundRobinChooser final : public NodeChooser {
 public:
  explicit RoundRobinChooser(ChooserInput input)
      : nodes_(input.nodes),
        ring_(std::move(input.candidates)),
        cursor_(input.round_robin_cursor),
        left_(ring_.size()) {
    if (ring_.empty()) return;
    next_.resize(ring_.size());
    for (size_t i = 0; i < ring_.size(); ++i) next_[i] = (i + 1) % ring_.size();
    // The candidates are in id order (ascending indexes of an id-sorted list).
    auto after = std::upper_bound(ring_.begin(), ring_.end(), cursor_,
                                  [this](const std::string& cursor, uint32_t index) {
                                    return cursor < nodes_[index].node->id;
                                  });
    current_ = after == ring_.end() ? 0 : static_cast<size_t>(after - ring_.begin());
    previous_ = (current_ + ring_.size() - 1) % ring_.size();
  }

  std::optional<uint32_t> best() override {
    if (left_ == 0) return std::nullopt;
    return ring_[current_];
  }

  void drop_best() override {
    --left_;
    next_[previous_] = next_[current_];
    current_ = next_[current_];
  }

  void placed_on_best() override {
    cursor_ = nodes_[ring_[current_]].node->id;
    previous_ = current_;
    current_ = next_[current_];
  }

 private:
  const std::vector<NodeInfo>& nodes_;
  std::vector<uint32_t> ring_;
  std::vector<size_t> next_;
  std::string& cursor_;
  size_t left_ = 0;
  size_t current_ = 0;
  size_t previous_ = 0;
};

}  // namespace

std::unique_ptr<NodeChooser> make_round_robin_chooser(ChooserInput input) {
  return std::make_unique<RoundRobinChooser>(std::move(input));
}

}  // namespace miniswarm::scheduler
