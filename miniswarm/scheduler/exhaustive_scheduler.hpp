/**
 * @file exhaustive_scheduler.hpp
 * @brief The plain loop: every task, every node, every filter. The reference.
 *
 * This is the scheduler as one would first write it, and as it is easiest to believe:
 * for each pending task, ask the whole pipeline about every node, then pick the best
 * passing node by the strategy's key with a linear scan. It costs O(nodes) filter runs
 * per task, so 100,000 tasks on 5,000 nodes are half a billion checks.
 *
 * It is kept for two jobs. The tests run it next to Scheduler on random clusters and
 * expect the same placements for spread, binpack and round-robin: the fast path's heap
 * and groups are an optimisation, not a different policy. And the benchmark
 * (tests/bench/scheduler_bench.cpp) times it as the peer the fast path must beat.
 *
 * Two differences in the order of work, on purpose and documented: this loop takes the
 * tasks in input order, while Scheduler places pinned (global) tasks first and then one
 * group of identical tasks after another. With each service's tasks listed together and
 * no pinned tasks, the two agree. The random strategy draws differently (same
 * distribution, other sequence).
 */
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "miniswarm/scheduler/scheduler.hpp"

namespace miniswarm::scheduler {

class ExhaustiveScheduler {
 public:
  explicit ExhaustiveScheduler(uint64_t seed = 0) : random_(seed) {}

  /// Same contract as Scheduler::schedule().
  ScheduleResult schedule(const std::vector<Node>& nodes, const std::vector<Task>& tasks,
                          int64_t now_ms);

 private:
  std::mt19937_64 random_;
  std::unordered_map<std::string, std::string> round_robin_cursors_;
};

}  // namespace miniswarm::scheduler
