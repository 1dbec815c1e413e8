/**
 * @file filter_resources.cpp
 * @brief The task's reservations must fit into what the node has left.
 *
 * `--reserve-memory 512M --reserve-cpu 0.5` promises the task that much of a node: the
 * scheduler places it only where the node's total, minus the reservations of the tasks
 * already counted there (NodeInfo::available), still holds it. Reservations are a
 * booking, not a measurement: a node full of idle tasks is full, and a task reserving
 * nothing fits anywhere (its limits, enforced by cgroups on the node, are another
 * matter). A node that reports 0 CPUs or 0 bytes offers none, so a task reserving some
 * never lands on a node whose agent could not say what it has.
 *
 * Memory is checked before CPU and a node is counted once, under the first shortage, as
 * SwarmKit's ResourceFilter does.
 */
#include "miniswarm/scheduler/filter.hpp"

namespace miniswarm::scheduler {
namespace {

enum : Refusal { kNoMemory = 1, kNoCpu };

class ResourcesFilter final : public Filter {
 public:
  std::string_view name() const override { return "resources"; }
  bool depends_on_load() const override { return true; }

  bool set_task(const Task& task) override {
    wanted_ = task.spec.reservations;
    return wanted_.memory_bytes > 0 || wanted_.nano_cpus > 0;
  }

  Refusal check(const NodeInfo& info) const override {
    Resources left = info.available();
    if (wanted_.memory_bytes > left.memory_bytes) return kNoMemory;
    if (wanted_.nano_cpus > left.nano_cpus) return kNoCpu;
    return kNodePasses;
  }

  std::string explain(Refusal refusal, size_t nodes) const override {
    return std::string(refusal == kNoMemory ? "insufficient memory" : "insufficient cpu") +
           " on " + count_nodes(nodes);
  }

 private:
  Resources wanted_;
};

}  // namespace

std::unique_ptr<Filter> make_resources_filter() { return std::make_unique<ResourcesFilter>(); }

}  // namespace miniswarm::scheduler
