/**
 * @file filter_ready.cpp
 * @brief Only a node whose agent is heard from takes tasks.
 *
 * The dispatcher sets Node::status from heartbeats: READY while they arrive, DOWN after
 * missed periods, DISCONNECTED when the agent said it leaves, UNKNOWN before the first
 * one. A task sent anywhere but READY would sit unseen until the orchestrator gives up on
 * it, so the scheduler skips such nodes; the three refusals are counted apart because
 * "2 nodes down" and "1 node not ready" send the reader to different places.
 */
#include "miniswarm/scheduler/filter.hpp"

namespace miniswarm::scheduler {
namespace {

enum : Refusal { kNotReady = 1, kDown, kDisconnected };

class ReadyFilter final : public Filter {
 public:
  std::string_view name() const override { return "ready"; }
  bool depends_on_load() const override { return false; }
  bool set_task(const Task&) override { return true; }

  Refusal check(const NodeInfo& info) const override {
    switch (info.node->status) {
      case NodeStatus::kReady: return kNodePasses;
      case NodeStatus::kDown: return kDown;
      case NodeStatus::kDisconnected: return kDisconnected;
      case NodeStatus::kUnknown: break;
    }
    return kNotReady;
  }

  std::string explain(Refusal refusal, size_t nodes) const override {
    switch (refusal) {
      case kDown: return count_nodes(nodes) + " down";
      case kDisconnected: return count_nodes(nodes) + " disconnected";
      default: return count_nodes(nodes) + " not ready";
    }
  }
};

}  // namespace

std::unique_ptr<Filter> make_ready_filter() { return std::make_unique<ReadyFilter>(); }

}  // namespace miniswarm::scheduler
