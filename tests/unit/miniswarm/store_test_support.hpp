// Helpers for the cluster store's tests: a temporary directory, a fixed clock, and
// objects with every field filled in.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "miniswarm/store/cluster_store.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::testing_support {

/// mkdtemp under ::testing::TempDir(), removed with its contents at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "miniswarm-store-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A store in its own temp dir, with a clock the test sets.
struct StoreFixture : ::testing::Test {
  static constexpr int64_t kStartMs = 1'700'000'000'000;

  void SetUp() override {
    ASSERT_FALSE(dir.path().empty());
    auto opened = ClusterStore::open(db_path(), options());
    ASSERT_TRUE(opened) << opened.error().what();
    store = std::move(*opened);
  }

  ClusterStoreOptions options() {
    ClusterStoreOptions o;
    o.clock = [this] { return now_ms; };
    return o;
  }
  std::string db_path() const { return dir.file("state.db"); }

  TempDir dir;
  int64_t now_ms = kStartMs;
  std::unique_ptr<ClusterStore> store;
};

/// A node with every field set away from its default.
inline Node full_node(const std::string& id = "node-1") {
  Node n;
  n.id = id;
  n.hostname = "worker-" + id;
  n.role = NodeRole::kManager;
  n.availability = NodeAvailability::kDrain;
  n.status = NodeStatus::kDown;
  n.status_message = "heartbeat missed (3 periods)";
  n.addr = "10.0.0.7:4242";
  n.labels = {{"zone", "a"}, {"disk", "ssd"}};
  n.total = {2'000'000'000, 4LL << 30};
  n.os = "plan9";
  n.arch = "x86_64";
  n.last_heartbeat_ms = 123456;
  n.cert_serial = "0a1b2c";
  n.version = 7;
  n.created_ms = 11;
  n.updated_ms = 12;
  return n;
}

inline ServiceSpec full_spec(const std::string& name = "web") {
  ServiceSpec s;
  s.name = name;
  s.labels = {{"tier", "front"}};
  s.container.image = "busybox:latest";
  s.container.args = {"httpd", "-f", "-p", "8080"};
  s.container.env = {"A=1", "B=two words"};
  s.container.labels = {{"c", "d"}};
  s.reservations = {500'000'000, 64 << 20};
  s.limits = {1'000'000'000, 128 << 20};
  s.restart = {RestartCondition::kOnFailure, 250, 3, 60000, true, 9000};
  s.placement.constraints = {"node.labels.zone==a", "node.role!=manager"};
  s.placement.max_replicas_per_node = 2;
  s.placement.strategy = PlacementStrategy::kBinpack;
  s.mode = ServiceMode::kGlobal;
  s.replicas = 5;
  return s;
}

inline Service full_service(const std::string& id = "svc-1", const std::string& name = "web") {
  Service s;
  s.id = id;
  s.spec = full_spec(name);
  s.spec_version = 4;
  s.version = 9;
  s.created_ms = 21;
  s.updated_ms = 22;
  return s;
}

inline Task full_task(const std::string& id = "task-1", const std::string& service_id = "svc-1",
                      const std::string& node_id = "node-1") {
  Task t;
  t.id = id;
  t.service_id = service_id;
  t.service_name = "web";
  t.slot = 3;
  t.node_id = node_id;
  t.spec = full_spec();
  t.spec_version = 4;
  t.desired_state = TaskState::kShutdown;
  t.status = {TaskState::kFailed, 99, "exit code 1", "boom", 1};
  t.history = {{TaskState::kPending, 10, "waiting", "", 0},
               {TaskState::kRunning, 50, "started", "", 0}};
  t.container_id = "c0ffee";
  t.restart_attempt = 2;
  t.not_before_ms = 777;
  t.pending_reason = "no node has 64 MiB free";
  t.version = 5;
  t.created_ms = 31;
  t.updated_ms = 32;
  return t;
}

inline Cluster full_cluster() {
  Cluster c;
  c.id = "cluster-1";
  c.name = "classroom";
  c.ca_cert_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  c.ca_key_pem = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
  c.worker_token_secret = "w0rker";
  c.manager_token_secret = "m4nager";
  c.heartbeat_period_ms = 1000;
  c.version = 3;
  c.created_ms = 41;
  return c;
}

}  // namespace miniswarm::testing_support
