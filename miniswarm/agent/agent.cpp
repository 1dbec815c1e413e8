/**
 * @file agent.cpp
 * @brief The agent's three loops and their single steps (agent.hpp).
 */
#include "miniswarm/agent/agent.hpp"

#include <chrono>

#include "miniswarm/agent/node_description.hpp"

namespace miniswarm::agent {

namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Agent::Agent(ManagerLink& link, ContainerBackend& backend, AgentOptions options)
    : link_(link),
      backend_(backend),
      options_(std::move(options)),
      description_(describe_node(options_.addr)),
      period_ms_(options_.heartbeat_period_ms),
      heartbeat_contact_("heartbeat", options_.first_retry_ms),
      assignments_contact_("assignments", options_.first_retry_ms),
      reconciler_(backend_, ReconcilerOptions{
                                .stop_grace_ms = options_.stop_grace_ms,
                                .clock = options_.clock ? options_.clock : system_now_ms,
                                .log = [this](std::string line) { log(std::move(line)); },
                                .report =
                                    [this](TaskReport report) {
                                      {
                                        std::lock_guard<std::mutex> lock(mu_);
                                        reports_.push(std::move(report));
                                      }
                                      cv_.notify_all();  // the heartbeat loop sends it at once
                                    },
                                .parallel_starts = options_.parallel_starts,
                            }) {}

Agent::~Agent() { stop(); }

void Agent::log(std::string line) {
  if (!options_.log || line.empty()) return;
  std::lock_guard<std::mutex> lock(log_mu_);
  options_.log(std::move(line));
}

Result<void> Agent::start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_) return Error("agent: already started");
  }
  {
    std::lock_guard<std::mutex> lock(reconcile_mu_);
    auto found = reconciler_.survey();
    if (!found) return std::move(found.error()).context("agent start");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
    running_ = true;
  }
  threads_.emplace_back([this] { assignments_loop(); });
  threads_.emplace_back([this] { reconcile_loop(); });
  threads_.emplace_back([this] { heartbeat_loop(); });
  if (options_.log_link && options_.task_logs) {
    LogPublisherOptions logs;
    logs.log = [this](std::string line) { log(std::move(line)); };
    log_publisher_ = std::make_unique<LogPublisher>(*options_.log_link, *options_.task_logs, logs);
    log_publisher_->start();
  }
  log("agent started on " + description_.hostname + " (" + std::to_string(description_.total.nano_cpus / 1'000'000'000) +
      " CPUs, " + std::to_string(description_.total.memory_bytes >> 20) +
      " MiB); the manager sets the heartbeat period");
  return minirun::sys::ok();
}

void Agent::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  link_.cancel();  // a long poll in progress returns now, not after assignments_wait_ms
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  if (log_publisher_) log_publisher_->stop();  // its followers end within 200 ms
  log_publisher_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
  }
  log("agent stopped; the node's containers keep running");
}

bool Agent::sleep_unless_stopping(std::unique_lock<std::mutex>& lock, int64_t ms) {
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
  return !stopping_;
}

// ---- assignments --------------------------------------------------------------------

Result<void> Agent::poll_assignments_once() {
  AssignmentsRequest request;
  {
    std::lock_guard<std::mutex> lock(mu_);
    request.since_seq = since_seq_;
  }
  // The first call (since 0) is answered at once; later ones wait for a change.
  request.wait_ms = request.since_seq == 0 ? 0 : options_.assignments_wait_ms;
  auto answer = link_.assignments(request);
  std::string line;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!answer) {
      line = assignments_contact_.failed(answer.error());
      if (stopping_) line.clear();  // cancel() made it fail: not news
    } else {
      line = assignments_contact_.succeeded();
      assignments_ = std::make_shared<const std::vector<Task>>(std::move(answer->tasks));
      since_seq_ = answer->seq;
      assignments_changed_ = true;
    }
  }
  log(std::move(line));
  if (!answer) return std::move(answer.error()).context("assignments");
  cv_.notify_all();  // the reconcile loop acts on the new list now
  return minirun::sys::ok();
}

void Agent::assignments_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const uint64_t before = since_seq_;
    const bool had_list = assignments_ != nullptr;
    lock.unlock();
    auto polled = poll_assignments_once();
    lock.lock();
    if (!polled) {
      if (!sleep_unless_stopping(lock, assignments_contact_.retry_delay_ms(period_ms_))) break;
    } else if (had_list && since_seq_ == before) {
      // Nothing new: a manager that answers at once instead of holding the poll (or one
      // whose seq is still 0, which means "at once") must not make this a busy loop.
      if (!sleep_unless_stopping(lock, options_.poll_interval_ms)) break;
    }
  }
}

// ---- reconcile ----------------------------------------------------------------------

void Agent::reconcile_once() {
  std::shared_ptr<const std::vector<Task>> list;
  {
    std::lock_guard<std::mutex> lock(mu_);
    list = assignments_;
  }
  // Before the first list the agent knows nothing, and an empty list would mean "remove
  // every container": containers of an earlier run wait for the manager's word.
  if (!list) return;
  std::lock_guard<std::mutex> lock(reconcile_mu_);
  reconciler_.reconcile(*list);
}

void Agent::reconcile_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    assignments_changed_ = false;
    lock.unlock();
    reconcile_once();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                 [this] { return stopping_ || assignments_changed_; });
  }
}

// ---- heartbeat ----------------------------------------------------------------------

Result<void> Agent::heartbeat_once() {
  HeartbeatRequest request = description_;
  uint64_t last_seq = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto batch = reports_.pending();
    request.reports = std::move(batch.reports);
    last_seq = batch.last_seq;
  }
  auto answer = link_.heartbeat(request);
  std::string line, period_line;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!answer) {
      line = heartbeat_contact_.failed(answer.error());  // the reports stay queued
      if (stopping_) line.clear();
    } else {
      line = heartbeat_contact_.succeeded();
      reports_.acknowledge(last_seq);
      if (answer->period_ms > 0 && (answer->period_ms != period_ms_ || !period_known_)) {
        period_known_ = true;
        period_ms_ = answer->period_ms;
        period_line = "heartbeat every " + std::to_string(period_ms_) + " ms (the manager's period)";
      }
    }
  }
  log(std::move(line));
  log(std::move(period_line));
  if (!answer) return std::move(answer.error()).context("heartbeat");
  // Refused reports could never succeed (unknown task, another node's): said once, dropped.
  for (const auto& why : answer->rejected) log("the manager refused a task report: " + why);
  return minirun::sys::ok();
}

void Agent::heartbeat_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto sent = heartbeat_once();
    lock.lock();
    if (!sent) {
      // New reports do not cut a back-off short: they go with the next attempt.
      if (!sleep_unless_stopping(lock, heartbeat_contact_.retry_delay_ms(period_ms_))) break;
      continue;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(period_ms_), [this] { return stopping_ || !reports_.empty(); });
  }
}

// ---- views --------------------------------------------------------------------------

int64_t Agent::heartbeat_period_ms() const {
  std::lock_guard<std::mutex> lock(mu_);
  return period_ms_;
}

size_t Agent::queued_reports() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reports_.size();
}

std::optional<TaskEntry> Agent::task_entry(const std::string& task_id) const {
  std::lock_guard<std::mutex> lock(reconcile_mu_);
  const TaskEntry* entry = reconciler_.entry(task_id);
  if (entry == nullptr) return std::nullopt;
  return *entry;
}

}  // namespace miniswarm::agent
