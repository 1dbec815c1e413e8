// A stand-in for the manager's local socket: a real httplib server on
// <temp dir>/manager.sock that answers with canned replies and records every request,
// so the cli/ commands run end to end (client, socket, JSON) without a swarm or root.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "miniswarm/store/objects.hpp"

namespace miniswarm::testing_support {

/// One request as the fake manager saw it.
struct SeenRequest {
  std::string method;
  std::string path;   ///< without the query
  std::string query;  ///< "service=web" (params joined with &; empty when none)
  nlohmann::json body;
};

class FakeManager {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  FakeManager() {
    std::string pattern = ::testing::TempDir() + "cli-fake-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) dir_ = pattern;
    server_.set_address_family(AF_UNIX);
  }
  ~FakeManager() {
    stop();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  FakeManager(const FakeManager&) = delete;
  FakeManager& operator=(const FakeManager&) = delete;

  /// The state dir a ManagerClient should be given.
  const std::string& state_dir() const { return dir_; }

  /// Routes (before start()): `pattern` is an httplib regex.
  void get(const std::string& pattern, Handler h) { server_.Get(pattern, wrap(std::move(h))); }
  void post(const std::string& pattern, Handler h) { server_.Post(pattern, wrap(std::move(h))); }
  void del(const std::string& pattern, Handler h) { server_.Delete(pattern, wrap(std::move(h))); }

  /// A route that always answers `reply` with `status`.
  static Handler reply(nlohmann::json body, int status = 200) {
    return [body = std::move(body), status](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_content(body.dump(), "application/json");
    };
  }

  /// Starts serving; false if the socket could not be bound.
  bool start() {
    if (dir_.empty()) return false;
    if (!server_.bind_to_port(dir_ + "/manager.sock", 80)) return false;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the listen loop runs, so wait for it (httplib 0.11 has no
    // wait_until_ready()); the bound socket already queues connections meanwhile.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return true;
  }

  void stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  std::vector<SeenRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  /// The requests whose method is `method`.
  std::vector<SeenRequest> requests(const std::string& method) const {
    std::vector<SeenRequest> out;
    for (auto& r : requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }

 private:
  httplib::Server::Handler wrap(Handler h) {
    return [this, h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
      SeenRequest seen{req.method, req.path, "", nullptr};
      for (const auto& [key, value] : req.params) {
        seen.query += (seen.query.empty() ? "" : "&") + key + "=" + value;
      }
      if (!req.body.empty()) seen.body = nlohmann::json::parse(req.body, nullptr, false);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(seen);
      }
      h(req, res);
    };
  }

  std::string dir_;
  httplib::Server server_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<SeenRequest> requests_;
};

/// A node with the fields the tables show.
inline Node make_node(std::string id, std::string hostname, NodeRole role = NodeRole::kWorker,
                      NodeStatus status = NodeStatus::kReady,
                      NodeAvailability availability = NodeAvailability::kActive,
                      std::string addr = "") {
  Node n;
  n.id = std::move(id);
  n.hostname = std::move(hostname);
  n.role = role;
  n.status = status;
  n.availability = availability;
  n.addr = std::move(addr);
  return n;
}

/// A replicated service `name` running `image`.
inline Service make_service(std::string id, std::string name, std::string image = "busybox",
                            uint64_t replicas = 1) {
  Service s;
  s.id = std::move(id);
  s.spec.name = std::move(name);
  s.spec.container.image = std::move(image);
  s.spec.replicas = replicas;
  return s;
}

/// A task of `service` in `slot`, observed in `state` at `timestamp_ms`.
inline Task make_task(std::string id, const Service& service, uint64_t slot, TaskState state,
                      int64_t timestamp_ms, std::string node_id = "",
                      TaskState desired = TaskState::kRunning) {
  Task t;
  t.id = std::move(id);
  t.service_id = service.id;
  t.service_name = service.spec.name;
  t.slot = slot;
  t.node_id = std::move(node_id);
  t.spec = service.spec;
  t.desired_state = desired;
  t.status.state = state;
  t.status.timestamp_ms = timestamp_ms;
  t.created_ms = timestamp_ms;
  return t;
}

}  // namespace miniswarm::testing_support
