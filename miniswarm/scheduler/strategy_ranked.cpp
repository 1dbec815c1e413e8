/**
 * @file strategy_ranked.cpp
 * @brief Spread and binpack: the candidates in a heap, ordered by the strategy's key.
 *
 * Both strategies rank nodes by a key (strategy.hpp) and take the smallest. A binary
 * min-heap gives the smallest in O(1); placing a task changes the key of that node
 * only (its counts, its free resources), so the node is popped and pushed back with its
 * new key in O(log n), and no other entry goes stale. For 5,000 nodes that is about a
 * dozen comparisons a placement instead of 5,000, the whole point of this file.
 */
#include <algorithm>
#include <functional>

#include "miniswarm/scheduler/strategy.hpp"

namespace miniswarm::scheduler {
namespace {

// KeyOf: (const NodeInfo&, uint32_t index) -> Key.
template <class Key, class KeyOf>
class HeapChooser final : public NodeChooser {
 public:
  HeapChooser(const std::vector<NodeInfo>& nodes, const std::vector<uint32_t>& candidates,
              KeyOf key_of)
      : nodes_(nodes), key_of_(std::move(key_of)) {
    heap_.reserve(candidates.size());
    for (uint32_t index : candidates) heap_.push_back(key_of_(nodes_[index], index));
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  }

  std::optional<uint32_t> best() override {
    if (heap_.empty()) return std::nullopt;
    return heap_.front().index;
  }

  void drop_best() override {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
  }

  void placed_on_best() override {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    uint32_t index = heap_.back().index;
    heap_.back() = key_of_(nodes_[index], index);
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  }

 private:
  const std::vector<NodeInfo>& nodes_;
  KeyOf key_of_;
  std::vector<Key> heap_;
};

template <class Key, class KeyOf>
std::unique_ptr<NodeChooser> make_heap_chooser(const ChooserInput& input, KeyOf key_of) {
  return std::make_unique<HeapChooser<Key, KeyOf>>(input.nodes, input.candidates,
                                                   std::move(key_of));
}

}  // namespace

std::unique_ptr<NodeChooser> make_spread_chooser(ChooserInput input) {
  const std::string* service = &input.service_id;
  return make_heap_chooser<SpreadKey>(input, [service](const NodeInfo& node, uint32_t index) {
    return spread_key(node, index, *service);
  });
}

std::unique_ptr<NodeChooser> make_binpack_chooser(ChooserInput input) {
  return make_heap_chooser<BinpackKey>(input, [](const NodeInfo& node, uint32_t index) {
    return binpack_key(node, index);
  });
}

}  // namespace miniswarm::scheduler
