/**
 * @file pipeline.cpp
 * @brief Asking the filters in order, and counting their refusals (see pipeline.hpp).
 */
#include "miniswarm/scheduler/pipeline.hpp"

namespace miniswarm::scheduler {

std::string count_nodes(size_t nodes) {
  return std::to_string(nodes) + (nodes == 1 ? " node" : " nodes");
}

Pipeline::Pipeline() {
  // Load-independent filters first: check_static() then check_load() must give the
  // verdict check() gives, and the scheduler relies on it.
  filters_.push_back(make_ready_filter());
  filters_.push_back(make_availability_filter());
  filters_.push_back(make_constraints_filter());
  filters_.push_back(make_resources_filter());
  filters_.push_back(make_max_per_node_filter());
}

void Pipeline::set_task(const Task& task) {
  static_active_.clear();
  load_active_.clear();
  all_active_.clear();
  for (size_t i = 0; i < filters_.size(); ++i) {
    if (!filters_[i]->set_task(task)) continue;
    int index = static_cast<int>(i);
    (filters_[i]->depends_on_load() ? load_active_ : static_active_).push_back(index);
    all_active_.push_back(index);
  }
}

Verdict Pipeline::run(const std::vector<int>& which, const NodeInfo& node) const {
  for (int index : which) {
    Refusal refusal = filters_[static_cast<size_t>(index)]->check(node);
    if (refusal != kNodePasses) return Verdict{index, refusal};
  }
  return Verdict{};
}

Verdict Pipeline::check(const NodeInfo& node) const { return run(all_active_, node); }
Verdict Pipeline::check_static(const NodeInfo& node) const { return run(static_active_, node); }
Verdict Pipeline::check_load(const NodeInfo& node) const { return run(load_active_, node); }

void RefusalTally::add(const Verdict& verdict, size_t nodes) {
  if (verdict.passed()) return;
  counts_[{verdict.filter, verdict.refusal}] += nodes;
}

std::string RefusalTally::explain(const Pipeline& pipeline, size_t node_count) const {
  if (node_count == 0) return no_suitable_node("no nodes in the cluster");
  std::string details;
  for (const auto& [key, nodes] : counts_) {
    if (!details.empty()) details += "; ";
    details += pipeline.filter(key.first).explain(key.second, nodes);
  }
  return no_suitable_node(details);
}

std::string no_suitable_node(const std::string& details) {
  return "no suitable node (" + details + ")";
}

}  // namespace miniswarm::scheduler
