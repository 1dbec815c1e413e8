// The manager end to end over loopback, without root and without containers: a node
// joins with a token, heartbeats, receives the task the scheduler gave it, reports it
// running, and goes DOWN when its heartbeats stop (manager.hpp, routes.hpp).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "miniswarm/api/tls_client.hpp"
#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/manager/manager.hpp"

namespace miniswarm::manager {
namespace {

class ManagerProtocol : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/miniswarm-manager-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ManagerOptions options;
    options.state_dir = dir_ + "/state";
    options.listen_host = "127.0.0.1";
    options.listen_port = 0;
    options.advertise_addr = "127.0.0.1";
    options.hostname = "manager-1";
    options.heartbeat_period_ms = 100;
    adjust(options);
    auto created = Manager::init(options);
    ASSERT_TRUE(created.ok()) << created.error().what();
    manager_ = std::move(*created);
    auto served = manager_->serve();
    ASSERT_TRUE(served.ok()) << served.error().what();
  }
  /// A fixture's changes to the manager's options before init.
  virtual void adjust(ManagerOptions&) {}
  void TearDown() override {
    if (manager_) manager_->stop();
    manager_.reset();
    std::filesystem::remove_all(dir_);
  }

  /// The local socket, as the `miniswarm` command uses it.
  httplib::Result local(const std::string& method, const std::string& path, const nlohmann::json& body = {}) {
    httplib::Client client(manager_->socket_path());
    client.set_address_family(AF_UNIX);
    if (method == "GET") return client.Get(path.c_str());
    if (method == "DELETE") return client.Delete(path.c_str());
    return client.Post(path.c_str(), body.dump(), "application/json");
  }

  /// Joins like `miniswarm join`: CA by token digest, CSR, POST /v1/join.
  ca::NodeCredentials join(const std::string& hostname, std::string* node_id) {
    auto token_text = manager_->join_token(NodeRole::kWorker);
    EXPECT_TRUE(token_text.ok());
    auto token = ca::parse_join_token(*token_text);
    EXPECT_TRUE(token.ok());
    auto ca_pem = api::fetch_ca_with_token("127.0.0.1", manager_->port(), *token);
    EXPECT_TRUE(ca_pem.ok()) << ca_pem.error().what();
    auto key = ca::make_key_and_csr();
    auto client = api::TlsClient::create("127.0.0.1", manager_->port(), {*ca_pem, "", ""});
    EXPECT_TRUE(client.ok());
    nlohmann::json body = {{"token", *token_text}, {"csr", key->csr_pem}, {"hostname", hostname}, {"addr", "127.0.0.2"}};
    auto reply = (*client)->post("/v1/join", body.dump());
    EXPECT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, 200) << reply->body;
    auto answer = nlohmann::json::parse(reply->body);
    *node_id = answer.value("node_id", "");
    return {*ca_pem, answer.value("cert", ""), key->key_pem};
  }

  nlohmann::json call(const ca::NodeCredentials& node, const std::string& path, const nlohmann::json& body,
                      int* status = nullptr) {
    auto client = api::TlsClient::create("127.0.0.1", manager_->port(), node);
    EXPECT_TRUE(client.ok());
    auto reply = (*client)->post(path, body.dump());
    EXPECT_TRUE(reply.ok()) << reply.error().what();
    if (status) *status = reply->status;
    return nlohmann::json::parse(reply->body);
  }

  template <class F>
  bool eventually(F condition, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
  }

  std::string dir_;
  std::unique_ptr<Manager> manager_;
};

TEST_F(ManagerProtocol, JoinedNodeGetsTheTaskAndReportsItRunning) {
  // Keep tasks off the manager's own node: it has no agent here.
  auto drained = local("POST", "/v1/nodes/manager-1/update", {{"availability", "drain"}});
  ASSERT_TRUE(drained);
  ASSERT_EQ(drained->status, 200) << drained->body;

  std::string node_id;
  auto node = join("worker-1", &node_id);
  ASSERT_FALSE(node_id.empty());
  HeartbeatRequest beat;
  beat.hostname = "worker-1";
  beat.total = {2'000'000'000, 1LL << 30};
  beat.arch = "x86_64";
  call(node, "/v1/dispatcher/heartbeat", beat);

  ServiceSpec spec;
  spec.name = "web";
  spec.container.image = "busybox";
  spec.replicas = 1;
  auto created = local("POST", "/v1/services", spec);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;

  AssignmentsResponse assigned;
  ASSERT_TRUE(eventually([&] {
    call(node, "/v1/dispatcher/heartbeat", beat);
    AssignmentsRequest request;
    assigned = call(node, "/v1/dispatcher/assignments", request).get<AssignmentsResponse>();
    return assigned.tasks.size() == 1;
  }));
  const Task& task = assigned.tasks[0];
  EXPECT_EQ(task.node_id, node_id);
  EXPECT_EQ(task.status.state, TaskState::kAssigned);

  HeartbeatRequest report = beat;
  report.reports.push_back({task.id, TaskState::kRunning, "started", "", 0, "c1", 0});
  auto reply = call(node, "/v1/dispatcher/heartbeat", report).get<HeartbeatResponse>();
  EXPECT_TRUE(reply.rejected.empty());
  EXPECT_EQ(reply.period_ms, 100);

  auto services = local("GET", "/v1/services");
  ASSERT_TRUE(services);
  auto list = nlohmann::json::parse(services->body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["running_tasks"], 1);
  EXPECT_EQ(list[0]["desired_tasks"], 1);
}

TEST_F(ManagerProtocol, WrongTokenIsRefusedAndLeavesNoNode) {
  auto token_text = manager_->join_token(NodeRole::kWorker);
  auto token = ca::parse_join_token(*token_text);
  auto ca_pem = api::fetch_ca_with_token("127.0.0.1", manager_->port(), *token);
  ASSERT_TRUE(ca_pem.ok());
  auto key = ca::make_key_and_csr();
  auto client = api::TlsClient::create("127.0.0.1", manager_->port(), {*ca_pem, "", ""});
  ca::JoinToken wrong = *token;
  wrong.secret = ca::new_token_secret();
  nlohmann::json body = {{"token", ca::format_join_token(wrong)}, {"csr", key->csr_pem}};
  auto reply = (*client)->post("/v1/join", body.dump());
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 401);
  auto nodes = manager_->store().nodes();
  EXPECT_EQ(nodes->size(), 1u);  // the manager only
}

TEST_F(ManagerProtocol, RotatedTokenNoLongerJoins) {
  auto old_token = manager_->join_token(NodeRole::kWorker);
  auto rotated = local("GET", "/v1/swarm/join-token/worker?rotate=1");
  ASSERT_TRUE(rotated);
  ASSERT_EQ(rotated->status, 200);
  EXPECT_NE(nlohmann::json::parse(rotated->body)["token"], *old_token);
  auto token = ca::parse_join_token(*old_token);
  auto ca_pem = api::fetch_ca_with_token("127.0.0.1", manager_->port(), *token);
  auto key = ca::make_key_and_csr();
  auto client = api::TlsClient::create("127.0.0.1", manager_->port(), {*ca_pem, "", ""});
  auto reply = (*client)->post("/v1/join", nlohmann::json({{"token", *old_token}, {"csr", key->csr_pem}}).dump());
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 401);
}

TEST_F(ManagerProtocol, WorkerCannotCallManagerRoutes) {
  std::string node_id;
  auto node = join("worker-1", &node_id);
  auto client = api::TlsClient::create("127.0.0.1", manager_->port(), node);
  auto reply = (*client)->get("/v1/nodes");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 403);
}

TEST_F(ManagerProtocol, SilentNodeGoesDownAfterThreePeriods) {
  std::string node_id;
  auto node = join("worker-1", &node_id);
  call(node, "/v1/dispatcher/heartbeat", HeartbeatRequest{});
  auto status_of = [&] {
    auto n = manager_->store().node(node_id);
    return n.ok() && n->has_value() ? (*n)->status : NodeStatus::kUnknown;
  };
  EXPECT_EQ(status_of(), NodeStatus::kReady);
  auto went_silent = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return status_of() == NodeStatus::kDown; }, 3000));
  auto took = std::chrono::steady_clock::now() - went_silent;
  EXPECT_GE(took, std::chrono::milliseconds(250));  // 3 x 100 ms, not before
  call(node, "/v1/dispatcher/heartbeat", HeartbeatRequest{});
  EXPECT_EQ(status_of(), NodeStatus::kReady);
}

TEST_F(ManagerProtocol, BadServiceSpecNamesTheField) {
  ServiceSpec spec;
  spec.name = "web";
  spec.placement.constraints = {"node.labels.zone=a"};
  spec.container.image = "busybox";
  auto reply = local("POST", "/v1/services", spec);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_NE(reply->body.find("constraint"), std::string::npos) << reply->body;
  auto services = manager_->store().services();
  EXPECT_TRUE(services->empty());
}

TEST_F(ManagerProtocol, SecondServiceWithTheSameNameIsAConflict) {
  ServiceSpec spec;
  spec.name = "web";
  spec.container.image = "busybox";
  ASSERT_EQ(local("POST", "/v1/services", spec)->status, 201);
  auto again = local("POST", "/v1/services", spec);
  EXPECT_EQ(again->status, 409) << again->body;
}

TEST_F(ManagerProtocol, InitRefusesAnExistingSwarm) {
  ManagerOptions options;
  options.state_dir = dir_ + "/state";
  options.advertise_addr = "127.0.0.1";
  auto second = Manager::init(options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().what().find("already part of a swarm"), std::string::npos);
}

/// A swarm that gives up on a silent node's tasks 400 ms after its last heartbeat.
class ManagerOrphans : public ManagerProtocol {
 protected:
  void adjust(ManagerOptions& options) override { options.orphan_after_ms = 400; }
};

TEST_F(ManagerOrphans, SilentNodesRunningTaskBecomesOrphanedAfterTheDelayAndNotBefore) {
  auto drained = local("POST", "/v1/nodes/manager-1/update", {{"availability", "drain"}});
  ASSERT_TRUE(drained);
  std::string node_id;
  auto node = join("worker-1", &node_id);
  HeartbeatRequest beat;
  beat.hostname = "worker-1";
  call(node, "/v1/dispatcher/heartbeat", beat);
  ServiceSpec spec;
  spec.name = "web";
  spec.container.image = "busybox";
  spec.replicas = 1;
  auto created = local("POST", "/v1/services", spec);
  ASSERT_TRUE(created);
  AssignmentsResponse assigned;
  ASSERT_TRUE(eventually([&] {
    call(node, "/v1/dispatcher/heartbeat", beat);
    assigned = call(node, "/v1/dispatcher/assignments", AssignmentsRequest{}).get<AssignmentsResponse>();
    return assigned.tasks.size() == 1;
  }));
  const std::string task_id = assigned.tasks[0].id;
  HeartbeatRequest report = beat;
  report.reports.push_back({task_id, TaskState::kRunning, "started", "", 0, "c1", 0});
  call(node, "/v1/dispatcher/heartbeat", report);
  const auto silent_since = std::chrono::steady_clock::now();

  auto state_of = [&] {
    auto t = manager_->store().task(task_id);
    return t.ok() && t->has_value() ? (*t)->status.state : TaskState::kNew;
  };
  ASSERT_TRUE(eventually([&] { return state_of() == TaskState::kOrphaned; }, 5000));
  // Not at the DOWN mark (300 ms): only past the delay (the last beat was a moment before silent_since).
  EXPECT_GE(std::chrono::steady_clock::now() - silent_since, std::chrono::milliseconds(380));
  auto task = manager_->store().task(task_id);
  ASSERT_TRUE(task.ok() && task->has_value());
  EXPECT_NE((*task)->status.message.find("has been down for more than 400ms"), std::string::npos)
      << (*task)->status.message;
  // A node that comes back is not given its orphaned task again.
  call(node, "/v1/dispatcher/heartbeat", beat);
  auto again = call(node, "/v1/dispatcher/assignments", AssignmentsRequest{}).get<AssignmentsResponse>();
  for (const auto& t : again.tasks) EXPECT_NE(t.id, task_id);
}

}  // namespace
}  // namespace miniswarm::manager
