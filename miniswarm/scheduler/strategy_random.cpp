/**
 * @file strategy_random.cpp
 * @brief Random: a node drawn uniformly from the candidates still standing.
 *
 * The draw comes from the Scheduler's std::mt19937_64, seeded at construction, never
 * from a global generator: a test with a seed sees the same placements on every run
 * (with the same standard library; std::uniform_int_distribution is not specified bit
 * for bit). A full node is removed by swapping it with the last candidate, O(1), which
 * reorders the array but leaves every remaining node equally likely.
 */
#include "miniswarm/scheduler/strategy.hpp"

namespace miniswarm::scheduler {
namespace {

class RandomChooser final : public NodeChooser {
 public:
  explicit RandomChooser(ChooserInput input)
      : alive_(std::move(input.candidates)), random_(input.random) {}

  std::optional<uint32_t> best() override {
    if (alive_.empty()) return std::nullopt;
    if (!drawn_) {
      std::uniform_int_distribution<size_t> pick(0, alive_.size() - 1);
      drawn_ = pick(random_);
    }
    return alive_[*drawn_];
  }

  void drop_best() override {
    alive_[*drawn_] = alive_.back();
    alive_.pop_back();
    drawn_.reset();
  }

  void placed_on_best() override { drawn_.reset(); }

 private:
  std::vector<uint32_t> alive_;
  std::mt19937_64& random_;
  std::optional<size_t> drawn_;
};

}  // namespace

std::unique_ptr<NodeChooser> make_random_chooser(ChooserInput input) {
  return std::make_unique<RandomChooser>(std::move(input));
}

}  // namespace miniswarm::scheduler
