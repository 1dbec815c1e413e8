/**
 * @file scheduler_bench.cpp
 * @brief How fast does the scheduler place tasks? 5,000 nodes, 100,000 pending tasks.
 *
 * The target for the scheduler alone: "on 5,000 simulated nodes and 100,000
 * tasks, at least 50,000 placements a second, with manager memory under 500 MiB".
 * This program builds such a snapshot in memory (nodes with zone/disk labels, mixed
 * sizes, a few down, drained or managers; 50 services of 2,000 tasks each, with a mix
 * of constraints, reservations, replica limits and all four strategies), times
 * Scheduler::schedule() over it (median of 5 runs, each with a fresh Scheduler), and
 * prints placements a second against the target and the process's peak RSS
 * (getrusage ru_maxrss: the snapshot plus the scheduler's working memory) against 500 MiB.
 *
 * The peer is the plain loop, ExhaustiveScheduler (every filter, every node, every task).
 * At full size it would take minutes, so it runs on a tenth of each dimension (500
 * nodes, 10,000 tasks, same mix), and its time is scaled by 100 (its cost is
 * tasks x nodes) to the full size; the fast scheduler runs on the same small case too,
 * so both a measured and an extrapolated speed-up are printed.
 *
 * Each time is printed twice: wall clock (what the manager would see) and the CPU time
 * of the thread (CLOCK_THREAD_CPUTIME_ID), which stays close to the quiet-machine figure
 * when other jobs share the two cores; the rates use the wall clock.
 *
 * A benchmark, not a test: it prints figures and asserts nothing.
 * Usage: scheduler_bench [runs, default 5]
 */
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "miniswarm/scheduler/exhaustive_scheduler.hpp"
#include "miniswarm/scheduler/scheduler.hpp"

namespace {

using miniswarm::Node;
using miniswarm::NodeAvailability;
using miniswarm::NodeRole;
using miniswarm::NodeStatus;
using miniswarm::PlacementStrategy;
using miniswarm::Task;
using miniswarm::TaskState;
using miniswarm::scheduler::ExhaustiveScheduler;
using miniswarm::scheduler::ScheduleResult;
using miniswarm::scheduler::Scheduler;
using Clock = std::chrono::steady_clock;

constexpr int64_t kMiB = 1024LL * 1024;
constexpr int64_t kGiB = 1024 * kMiB;
constexpr int64_t kCpu = 1'000'000'000;
constexpr double kTargetPlacementsPerSecond = 50'000;
constexpr double kTargetRssMiB = 500;

// A 25-character base-36 id like new_object_id(), but from a seeded generator so that
// every run schedules the same cluster.
std::string fake_id(std::mt19937_64& random) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id(25, '0');
  for (char& c : id) c = kDigits[random() % 36];
  return id;
}

struct Cluster {
  std::vector<Node> nodes;
  std::vector<Task> tasks;
};

Cluster make_cluster(int node_count, int tasks_per_service, int services) {
  std::mt19937_64 random(2024);
  Cluster c;
  c.nodes.reserve(static_cast<size_t>(node_count));
  static constexpr int64_t kMemoryGiB[] = {4, 8, 16, 32, 64};
  static constexpr int64_t kCpus[] = {2, 4, 8, 16};
  for (int i = 0; i < node_count; ++i) {
    Node n;
    n.id = fake_id(random);
    n.hostname = "node-" + std::to_string(i);
    n.role = i < 5 ? NodeRole::kManager : NodeRole::kWorker;
    n.status = random() % 50 == 0 ? NodeStatus::kDown : NodeStatus::kReady;
    n.availability = random() % 100 == 0 ? NodeAvailability::kDrain : NodeAvailability::kActive;
    n.arch = "x86_64";
    n.addr = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    n.labels["zone"] = std::string(1, static_cast<char>('a' + random() % 4));
    n.labels["disk"] = random() % 3 == 0 ? "ssd" : "hdd";
    n.total = {kCpus[random() % 4] * kCpu, kMemoryGiB[random() % 5] * kGiB};
    c.nodes.push_back(std::move(n));
  }
  c.tasks.reserve(static_cast<size_t>(services * tasks_per_service));
  for (int s = 0; s < services; ++s) {
    Task model;
    model.service_id = fake_id(random);
    model.service_name = "svc" + std::to_string(s);
    model.spec.name = model.service_name;
    model.spec.container.image = "registry.lab/app" + std::to_string(s) + ":1.0";
    model.spec.container.args = {"/app", "--port", "8080"};
    model.spec.container.env = {"MODE=production", "LOG_LEVEL=info"};
    model.spec_version = 1;
    model.status.state = TaskState::kPending;
    model.desired_state = TaskState::kRunning;
    auto& placement = model.spec.placement;
    int kind = s % 10;
    placement.strategy = kind < 6   ? PlacementStrategy::kSpread
                         : kind < 8 ? PlacementStrategy::kBinpack
                         : kind < 9 ? PlacementStrategy::kRoundRobin
                                    : PlacementStrategy::kRandom;
    switch (s % 5) {
      case 1: placement.constraints = {"node.labels.zone==a"}; break;
      case 2: placement.constraints = {"node.labels.disk==ssd"}; break;
      case 3: placement.constraints = {"node.role!=manager", "node.labels.zone!=d"}; break;
      default: break;
    }
    if (s % 7 == 0) placement.max_replicas_per_node = 2;
    switch (s % 3) {
      case 1: model.spec.reservations = {kCpu / 4, 256 * kMiB}; break;
      case 2: model.spec.reservations = {kCpu / 2, kGiB}; break;
      default: break;
    }
    for (int i = 1; i <= tasks_per_service; ++i) {
      Task t = model;
      t.id = fake_id(random);
      t.slot = static_cast<uint64_t>(i);
      c.tasks.push_back(std::move(t));
    }
  }
  return c;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double median_seconds = 0;
  double median_cpu_seconds = 0;
  size_t assigned = 0;
  size_t pending = 0;
  std::string commonest_reason;  ///< the explanation most pending tasks got
};

template <class SchedulerType>
Timing time_schedule(const Cluster& cluster, int runs) {
  std::vector<double> seconds;
  std::vector<double> cpu_seconds;
  Timing timing;
  for (int run = 0; run < runs; ++run) {
    SchedulerType scheduler(1);
    auto start = Clock::now();
    double cpu_start = thread_cpu_seconds();
    ScheduleResult result = scheduler.schedule(cluster.nodes, cluster.tasks, 0);
    cpu_seconds.push_back(thread_cpu_seconds() - cpu_start);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    timing.assigned = result.assigned.size();
    timing.pending = result.pending.size();
    std::map<std::string, size_t> reasons;
    size_t most = 0;
    for (const auto& unplaced : result.pending) {
      size_t n = ++reasons[unplaced.reason];
      if (n > most) {
        most = n;
        timing.commonest_reason = unplaced.reason;
      }
    }
  }
  std::sort(seconds.begin(), seconds.end());
  timing.median_seconds = seconds[seconds.size() / 2];
  std::sort(cpu_seconds.begin(), cpu_seconds.end());
  timing.median_cpu_seconds = cpu_seconds[cpu_seconds.size() / 2];
  return timing;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;

  std::printf("scheduler_bench: median of %d runs\n\n", runs);
  Cluster full = make_cluster(5000, 2000, 50);
  double snapshot_rss = peak_rss_mib();
  Timing fast = time_schedule<Scheduler>(full, runs);
  double peak_rss = peak_rss_mib();
  double fast_rate = static_cast<double>(fast.assigned) / fast.median_seconds;
  std::printf("full size: %zu nodes, %zu pending tasks, 50 services\n", full.nodes.size(),
              full.tasks.size());
  std::printf("  Scheduler            %8.1f ms (cpu %7.1f ms)  %6zu placed  %5zu pending  %9.0f placements/s"
              "  (%.1fx the %.0f/s target)\n",
              fast.median_seconds * 1e3, fast.median_cpu_seconds * 1e3, fast.assigned, fast.pending, fast_rate,
              fast_rate / kTargetPlacementsPerSecond, kTargetPlacementsPerSecond);
  if (fast.pending > 0) std::printf("  commonest reason     %s\n", fast.commonest_reason.c_str());
  std::printf("  peak RSS             %8.1f MiB (snapshot alone %.1f MiB; target < %.0f MiB: %s)\n\n",
              peak_rss, snapshot_rss, kTargetRssMiB, peak_rss < kTargetRssMiB ? "met" : "MISSED");

  // The plain loop on a tenth of each dimension, and the fast path on the same case.
  Cluster small = make_cluster(500, 200, 50);
  int small_runs = std::max(1, std::min(runs, 3));
  Timing naive = time_schedule<ExhaustiveScheduler>(small, small_runs);
  Timing fast_small = time_schedule<Scheduler>(small, runs);
  std::printf("small case: %zu nodes, %zu pending tasks\n", small.nodes.size(), small.tasks.size());
  std::printf("  ExhaustiveScheduler  %8.1f ms (cpu %7.1f ms)  %6zu placed  %5zu pending  %9.0f placements/s\n",
              naive.median_seconds * 1e3, naive.median_cpu_seconds * 1e3, naive.assigned, naive.pending,
              static_cast<double>(naive.assigned) / naive.median_seconds);
  std::printf("  Scheduler            %8.1f ms (cpu %7.1f ms)  %6zu placed  %5zu pending  %9.0f placements/s"
              "  (%.0fx faster)\n",
              fast_small.median_seconds * 1e3, fast_small.median_cpu_seconds * 1e3, fast_small.assigned, fast_small.pending,
              static_cast<double>(fast_small.assigned) / fast_small.median_seconds,
              naive.median_seconds / fast_small.median_seconds);

  // The loop's cost is tasks x nodes: ten times the tasks on ten times the nodes.
  double naive_full_seconds = naive.median_seconds * 100.0;
  std::printf("\nExhaustiveScheduler extrapolated to full size: %.1f s, %.0f placements/s; "
              "Scheduler is %.0fx faster\n",
              naive_full_seconds, static_cast<double>(fast.assigned) / naive_full_seconds,
              naive_full_seconds / fast.median_seconds);
  return 0;
}
