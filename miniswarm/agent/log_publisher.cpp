/**
 * @file log_publisher.cpp
 * @brief The log subscription loop and its workers (log_publisher.hpp).
 */
#include "miniswarm/agent/log_publisher.hpp"

#include <chrono>

namespace miniswarm::agent {

namespace {

using minirun::engine::LogEntry;
using minirun::engine::LogQuery;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The lines of one subscription on their way out: collected, then posted in batches.
/// With follow, several tasks' threads add to it at once, hence the mutex; a post is
/// made under it, so batches leave one at a time and in order.
class BatchSender {
 public:
  BatchSender(LogLink& link, const std::string& subscription_id, const LogPublisherOptions& options,
              const std::atomic<bool>& stop)
      : link_(link), id_(subscription_id), options_(options), stop_(stop), last_flush_ms_(steady_ms()) {}

  /// Queues a line; sends when the batch is full. False once sending failed.
  bool add(const std::string& task_id, const LogEntry& entry) {
    std::lock_guard lock(mu_);
    if (failed_) return false;
    std::string line = entry.log;
    if (!line.empty() && line.back() == '\n') line.pop_back();
    pending_.messages.push_back(LogMessage{task_id, "", entry.stream, entry.time_ns, std::move(line)});
    if (pending_.messages.size() >= options_.batch_lines) return send_locked(false);
    return true;
  }

  void warn(std::string text) {
    std::lock_guard lock(mu_);
    pending_.warnings.push_back(std::move(text));
  }

  /// Sends what is queued, or an empty batch when `always`. False once sending failed.
  bool flush(bool always) {
    std::lock_guard lock(mu_);
    if (failed_) return false;
    if (!always && pending_.messages.empty() && pending_.warnings.empty()) return true;
    return send_locked(false);
  }

  /// flush() if the oldest queued line has waited `flush_ms`.
  bool flush_if_due() {
    {
      std::lock_guard lock(mu_);
      if (steady_ms() - last_flush_ms_ < options_.flush_ms) return !failed_;
    }
    return flush(false);
  }

  /// The last batch, with `done`.
  bool finish() {
    std::lock_guard lock(mu_);
    if (failed_) return false;
    return send_locked(true);
  }

  bool failed() const {
    std::lock_guard lock(mu_);
    return failed_;
  }
  const std::string& error() const { return error_; }

 private:
  bool send_locked(bool done) {
    pending_.done = done;
    last_flush_ms_ = steady_ms();
    for (int attempt = 1; attempt <= options_.send_attempts; ++attempt) {
      auto answer = link_.publish_logs(id_, pending_);
      if (answer) {
        pending_ = LogBatch{};
        // Past half the manager's buffer the client is not keeping up: slow down
        // before the manager has to drop the subscription.
        if (answer->max_buffered > 0 && answer->buffered * 2 > answer->max_buffered) {
          std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_ms));
        }
        return true;
      }
      error_ = answer.error().what();
      if (stop_) break;
      if (attempt < options_.send_attempts) std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_ms));
    }
    failed_ = true;
    return false;
  }

  LogLink& link_;
  const std::string id_;
  const LogPublisherOptions& options_;
  const std::atomic<bool>& stop_;
  mutable std::mutex mu_;
  LogBatch pending_;
  bool failed_ = false;
  std::string error_;
  int64_t last_flush_ms_;
};

LogQuery query_for(const LogStreamOptions& options) {
  LogQuery query;
  if (options.tail >= 0) query.tail = options.tail;
  if (options.since_ns > 0) query.since_ns = options.since_ns;
  return query;
}

std::string short_id(const std::string& id) { return id.substr(0, 12); }

}  // namespace

LogPublisher::LogPublisher(LogLink& link, TaskLogSource& source, LogPublisherOptions options)
    : link_(link), source_(source), options_(std::move(options)) {}

LogPublisher::~LogPublisher() { stop(); }

void LogPublisher::start() {
  std::lock_guard lock(mu_);
  if (poll_thread_.joinable()) return;
  stopping_ = false;
  poll_thread_ = std::thread([this] { poll_loop(); });
}

void LogPublisher::stop() {
  std::map<std::string, std::unique_ptr<Worker>> workers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [id, worker] : workers_) worker->stop = true;
    workers.swap(workers_);
  }
  cv_.notify_all();
  // The long poll in progress ends within poll_wait_ms; followers within 200 ms.
  if (poll_thread_.joinable()) poll_thread_.join();
  for (auto& [id, worker] : workers) worker->thread.join();
}

void LogPublisher::poll_loop() {
  std::unique_lock lock(mu_);
  int64_t delay_ms = options_.retry_ms;
  while (!stopping_) {
    lock.unlock();
    auto polled = poll_once();
    lock.lock();
    if (polled) {
      delay_ms = options_.retry_ms;
      continue;
    }
    if (stopping_) break;
    if (delay_ms == options_.retry_ms && options_.log) {
      lock.unlock();  // the sink may be slow; the workers must not wait for it
      options_.log("logs: cannot reach the manager for log subscriptions: " + polled.error().what());
      lock.lock();
    }
    cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [this] { return stopping_; });
    delay_ms = std::min<int64_t>(delay_ms * 2, 5000);
  }
}

Result<void> LogPublisher::poll_once() {
  uint64_t since = 0;
  {
    std::lock_guard lock(mu_);
    since = since_;
  }
  auto answer = link_.log_subscriptions(since, since == 0 ? 0 : options_.poll_wait_ms);
  if (!answer) return std::move(answer.error()).context("log subscriptions");
  std::lock_guard lock(mu_);
  if (stopping_) return minirun::sys::ok();
  since_ = answer->version;
  reap_finished();
  std::set<std::string> listed;
  for (auto& subscription : answer->subscriptions) {
    listed.insert(subscription.id);
    if (workers_.count(subscription.id) != 0 || completed_.count(subscription.id) != 0) continue;
    auto worker = std::make_unique<Worker>();
    worker->subscription = std::move(subscription);
    Worker* w = worker.get();
    workers_[w->subscription.id] = std::move(worker);
    w->thread = std::thread([this, w] { serve(*w); });
  }
  for (auto& [id, worker] : workers_) {
    if (listed.count(id) == 0) worker->stop = true;  // the client went away
  }
  std::erase_if(completed_, [&](const std::string& id) { return listed.count(id) == 0; });
  return minirun::sys::ok();
}

void LogPublisher::reap_finished() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!it->second->finished) {
      ++it;
      continue;
    }
    it->second->thread.join();
    completed_.insert(it->first);
    it = workers_.erase(it);
  }
}

void LogPublisher::serve(Worker& worker) {
  const LogSubscription& sub = worker.subscription;
  BatchSender sender(link_, sub.id, options_, worker.stop);
  const LogQuery query = query_for(sub.options);
  if (!sub.options.follow) {
    for (const auto& task_id : sub.task_ids) {
      if (worker.stop || sender.failed()) break;
      auto entries = source_.read(task_id, query);
      if (!entries) {
        sender.warn("task " + short_id(task_id) + ": " + entries.error().what());
        continue;
      }
      for (const auto& entry : *entries) {
        if (!sender.add(task_id, entry)) break;
      }
    }
  } else if (sender.flush(/*always=*/true)) {  // hello: the manager knows this node answers
    std::vector<std::thread> followers;
    for (const auto& task_id : sub.task_ids) {
      followers.emplace_back([this, &worker, &sender, &query, task_id] {
        auto followed = source_.follow(
            task_id, query, [&](const LogEntry& entry) { return sender.add(task_id, entry); },
            [&] { return sender.flush_if_due() && !worker.stop; });
        if (!followed) sender.warn("task " + short_id(task_id) + ": " + followed.error().what());
      });
    }
    for (auto& t : followers) t.join();
  }
  // Stopped: the subscription is gone, a `done` would only be refused.
  bool sent = worker.stop ? true : sender.finish();
  if (!sent && !worker.stop && options_.log) {
    options_.log("logs: gave up sending logs for subscription " + sub.id + ": " + sender.error());
  }
  {
    std::lock_guard lock(mu_);  // wait_for_workers() must not miss it
    worker.finished = true;
  }
  cv_.notify_all();
}

bool LogPublisher::wait_for_workers(int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  bool all = cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] {
    for (const auto& [id, worker] : workers_) {
      if (!worker->finished) return false;
    }
    return true;
  });
  reap_finished();
  return all;
}

size_t LogPublisher::active_workers() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, worker] : workers_) n += worker->finished ? 0 : 1;
  return n;
}

}  // namespace miniswarm::agent
