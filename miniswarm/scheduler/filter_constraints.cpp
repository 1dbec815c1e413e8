/**
 * @file filter_constraints.cpp
 * @brief Every placement constraint of the task must hold on the node (store/placement_constraint.hpp).
 *
 * The expressions are parsed once per task in set_task(). A node is refused by the
 * first expression that does not hold there, and the refusal number says which one, so
 * the explanation names it: "constraint node.labels.zone==a unmet on 3 nodes". Swarm
 * itself only says "scheduling constraints not satisfied"; naming the expression is
 * what lets a learner spot the typo in `zone==A1` at once.
 *
 * A task whose expressions do not parse (a store written by hand; the API validates at
 * `service create`) is refused everywhere, with the parse error as the phrase.
 */
#include "miniswarm/store/placement_constraint.hpp"
#include "miniswarm/scheduler/filter.hpp"

namespace miniswarm::scheduler {
namespace {

constexpr Refusal kUnparsable = 1;

class ConstraintsFilter final : public Filter {
 public:
  std::string_view name() const override { return "constraints"; }
  bool depends_on_load() const override { return false; }

  bool set_task(const Task& task) override {
    const auto& expressions = task.spec.placement.constraints;
    constraints_.clear();
    parse_error_.clear();
    if (expressions.empty()) return false;
    auto parsed = parse_constraints(expressions);
    if (parsed) {
      constraints_ = std::move(*parsed);
    } else {
      parse_error_ = parsed.error().message();
    }
    return true;
  }

  // Refusal 1 is the parse error; refusal i + 2 is expression i unmet.
  Refusal check(const NodeInfo& info) const override {
    if (!parse_error_.empty()) return kUnparsable;
    for (size_t i = 0; i < constraints_.size(); ++i) {
      if (!constraint_holds(constraints_[i], *info.node)) return static_cast<Refusal>(i) + 2;
    }
    return kNodePasses;
  }

  std::string explain(Refusal refusal, size_t nodes) const override {
    if (refusal == kUnparsable) return parse_error_ + " (refused by " + count_nodes(nodes) + ")";
    size_t index = static_cast<size_t>(refusal - 2);
    std::string text = index < constraints_.size() ? constraints_[index].text : "?";
    return "constraint " + text + " unmet on " + count_nodes(nodes);
  }

 private:
  std::vector<Constraint> constraints_;
  std::string parse_error_;
};

}  // namespace

std::unique_ptr<Filter> make_constraints_filter() {
  return std::make_unique<ConstraintsFilter>();
}

}  // namespace miniswarm::scheduler
