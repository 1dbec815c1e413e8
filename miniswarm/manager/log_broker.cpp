/**
 * @file log_broker.cpp
 * @brief Subscriptions, fan-in, done tracking and bounds (log_broker.hpp).
 *
 * One mutex guards everything and one condition variable wakes both kinds of waiters
 * (agents in subscriptions_for(), clients in take()); each re-checks its own condition.
 * A lab cluster has a handful of subscriptions at a time, so a finer scheme would only
 * be harder to read.
 */
#include "miniswarm/manager/log_broker.hpp"

#include <algorithm>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::manager {

namespace {

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string seconds_text(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

}  // namespace

LogBroker::LogBroker(LogBrokerLimits limits) : limits_(std::move(limits)) {
  if (!limits_.clock) limits_.clock = steady_now_ms;
}

void LogBroker::changed() {
  ++version_;
  cv_.notify_all();
}

std::string LogBroker::subscribe(const std::vector<LogTarget>& targets,
                                 const std::map<std::string, LogNode>& nodes, LogStreamOptions options) {
  std::lock_guard lock(mu_);
  Subscription s;
  s.id = new_object_id();
  s.options = options;
  s.created_ms = limits_.clock();
  for (const auto& target : targets) {
    auto& progress = s.nodes[target.node_id];
    progress.task_ids.push_back(target.task_id);
  }
  for (auto& [node_id, progress] : s.nodes) {
    auto known = nodes.find(node_id);
    progress.hostname = known != nodes.end() && !known->second.hostname.empty() ? known->second.hostname : node_id;
    if (known != nodes.end() && known->second.down) {
      // Nothing will come from a DOWN node: say so now rather than after a deadline.
      progress.given_up = true;
      s.warnings.push_back(progress.hostname + " did not send its logs (node is down)");
    }
  }
  if (!closing_.empty()) s.error = closing_;
  std::string id = s.id;
  subscriptions_.emplace(id, std::move(s));
  changed();
  return id;
}

LogSubscriptionsResponse LogBroker::subscriptions_for(const std::string& node_id, uint64_t since,
                                                      std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return version_ > since || !closing_.empty(); });
  LogSubscriptionsResponse out;
  out.version = version_;
  for (const auto& [id, s] : subscriptions_) {
    if (!s.error.empty()) continue;
    auto node = s.nodes.find(node_id);
    if (node == s.nodes.end() || node->second.done || node->second.given_up) continue;
    out.subscriptions.push_back(LogSubscription{id, node->second.task_ids, s.options});
  }
  return out;
}

PublishOutcome LogBroker::publish(const std::string& subscription_id, const std::string& node_id,
                                  LogBatch batch) {
  using Status = PublishOutcome::Status;
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(subscription_id);
  if (it == subscriptions_.end() || !it->second.error.empty()) {
    return {Status::kGone, {}, "log subscription `" + subscription_id + "` is closed (its client went away)"};
  }
  Subscription& s = it->second;
  auto node = s.nodes.find(node_id);
  if (node == s.nodes.end()) {
    return {Status::kGone, {}, "log subscription `" + subscription_id + "` has no task on node " + node_id};
  }
  NodeProgress& progress = node->second;
  if (progress.given_up || progress.done) {
    return {Status::kGone, {}, "log subscription `" + subscription_id + "` no longer waits for " +
                                   progress.hostname + (progress.done ? " (it said done)" : " (it was too late)")};
  }
  size_t bytes = 0;
  for (auto& m : batch.messages) {
    if (std::find(progress.task_ids.begin(), progress.task_ids.end(), m.task_id) == progress.task_ids.end()) {
      return {Status::kRefused, {}, "task `" + m.task_id + "` is not one of " + progress.hostname +
                                        "'s tasks in log subscription `" + subscription_id + "`"};
    }
    m.node_id = node_id;  // from the certificate, never from the body
    bytes += m.line.size();
  }
  if (s.buffer.size() + batch.messages.size() > limits_.max_messages || s.bytes + bytes > limits_.max_bytes) {
    s.error = "the client reads too slowly: more than " + std::to_string(limits_.max_messages) + " lines or " +
              std::to_string(limits_.max_bytes >> 20) + " MiB waiting for it; log subscription dropped";
    changed();
    return {Status::kDropped, {}, s.error};
  }
  for (auto& m : batch.messages) s.buffer.push_back(std::move(m));
  s.bytes += bytes;
  for (auto& w : batch.warnings) s.warnings.push_back(progress.hostname + ": " + w);
  progress.heard = true;
  progress.last_heard_ms = limits_.clock();
  if (batch.done) {
    progress.done = true;
    changed();  // it leaves this node's list
  } else {
    cv_.notify_all();
  }
  return {Status::kAccepted, {s.buffer.size(), limits_.max_messages}, {}};
}

void LogBroker::apply_deadlines(Subscription& s, int64_t now_ms) {
  for (auto& [node_id, progress] : s.nodes) {
    if (progress.done || progress.given_up) continue;
    // A first contact is due from everyone; later silence matters only without follow.
    bool silent = !progress.heard ? now_ms - s.created_ms >= limits_.node_deadline_ms
                                  : !s.options.follow && now_ms - progress.last_heard_ms >= limits_.node_deadline_ms;
    if (!silent) continue;
    progress.given_up = true;
    s.warnings.push_back(progress.hostname + " did not send its logs (no answer in " +
                         seconds_text(limits_.node_deadline_ms) + ")");
    changed();
  }
}

LogDrain LogBroker::take(const std::string& subscription_id, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  auto has_news = [&] {
    auto it = subscriptions_.find(subscription_id);
    if (it == subscriptions_.end()) return true;
    const Subscription& s = it->second;
    if (!s.buffer.empty() || !s.warnings.empty() || !s.error.empty()) return true;
    if (s.options.follow) return false;
    return std::all_of(s.nodes.begin(), s.nodes.end(), [](const auto& n) { return n.second.done || n.second.given_up; });
  };
  cv_.wait_for(lock, wait, has_news);
  LogDrain out;
  auto it = subscriptions_.find(subscription_id);
  if (it == subscriptions_.end()) {
    out.error = "log subscription `" + subscription_id + "` is closed";
    return out;
  }
  Subscription& s = it->second;
  apply_deadlines(s, limits_.clock());
  out.messages.assign(std::make_move_iterator(s.buffer.begin()), std::make_move_iterator(s.buffer.end()));
  s.buffer.clear();
  s.bytes = 0;
  out.warnings = std::move(s.warnings);
  s.warnings.clear();
  out.error = s.error;
  out.finished = !s.options.follow && std::all_of(s.nodes.begin(), s.nodes.end(), [](const auto& n) {
    return n.second.done || n.second.given_up;
  });
  return out;
}

void LogBroker::close(const std::string& subscription_id) {
  std::lock_guard lock(mu_);
  if (subscriptions_.erase(subscription_id) > 0) changed();
}

void LogBroker::close_all(const std::string& why) {
  std::lock_guard lock(mu_);
  closing_ = why;
  for (auto& [id, s] : subscriptions_) {
    if (s.error.empty()) s.error = why;
  }
  changed();
}

std::vector<LogSubscriptionSummary> LogBroker::summaries() const {
  std::lock_guard lock(mu_);
  std::vector<LogSubscriptionSummary> out;
  for (const auto& [id, s] : subscriptions_) {
    LogSubscriptionSummary summary{id, s.options.follow, 0, {}, s.buffer.size()};
    for (const auto& [node_id, progress] : s.nodes) {
      summary.tasks += progress.task_ids.size();
      if (!progress.done && !progress.given_up) summary.waiting_for.push_back(progress.hostname);
    }
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace miniswarm::manager
