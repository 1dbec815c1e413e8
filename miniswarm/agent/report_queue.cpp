/**
 * @file report_queue.cpp
 * @brief Reports kept until a heartbeat delivered them (report_queue.hpp).
 */
#include "miniswarm/agent/report_queue.hpp"

namespace miniswarm::agent {

void ReportQueue::push(TaskReport report) { queue_.push_back({next_seq_++, std::move(report)}); }

ReportQueue::Batch ReportQueue::pending() const {
  Batch batch;
  batch.reports.reserve(queue_.size());
  for (const auto& entry : queue_) {
    batch.reports.push_back(entry.report);
    batch.last_seq = entry.seq;
  }
  return batch;
}

void ReportQueue::acknowledge(uint64_t last_seq) {
  while (!queue_.empty() && queue_.front().seq <= last_seq) queue_.pop_front();
}

}  // namespace miniswarm::agent
