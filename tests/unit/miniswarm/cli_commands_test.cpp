// The node and service commands end to end against a fake manager socket: which
// requests they send, what they print, and how they fail.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>

#include "cli_fake_manager.hpp"
#include "miniswarm/cli/node_commands.hpp"
#include "miniswarm/cli/node_table.hpp"
#include "miniswarm/cli/service_commands.hpp"

namespace miniswarm::cli {
namespace {

using testing_support::FakeManager;
using testing_support::make_node;
using testing_support::make_service;
using testing_support::make_task;

const std::string kSelf = "4kq0m8xv2c7b1n3p5r9t0w2y4";

std::vector<Node> nodes() {
  return {make_node(kSelf, "lab-1", NodeRole::kManager),
          make_node("8x7c6v5b4n3m2l1k0j9h8g7f6", "lab-2")};
}

struct Commands : ::testing::Test {
  void start() { ASSERT_TRUE(fake.start()); }
  ManagerClient client() const { return ManagerClient(fake.state_dir()); }
  FakeManager fake;
  std::ostringstream out;
};

TEST_F(Commands, NodeLsPrintsTheTableWithSelfStarred) {
  fake.get("/v1/nodes", FakeManager::reply(nodes()));
  start();
  ASSERT_TRUE(node_ls(client(), kSelf, {}, out).ok());
  EXPECT_EQ(out.str(), render_node_table(nodes(), kSelf));
  EXPECT_NE(out.str().find(kSelf + " *"), std::string::npos);
}

TEST_F(Commands, NodeLsJsonIsOneObjectPerLine) {
  fake.get("/v1/nodes", FakeManager::reply(nodes()));
  start();
  ASSERT_TRUE(node_ls(client(), kSelf, {false, "json"}, out).ok());
  std::istringstream lines(out.str());
  std::string line;
  std::vector<std::string> hostnames;
  while (std::getline(lines, line)) hostnames.push_back(nlohmann::json::parse(line)["hostname"]);
  EXPECT_EQ(hostnames, (std::vector<std::string>{"lab-1", "lab-2"}));
}

TEST_F(Commands, UnknownFormatIsRefusedBeforeAnyRequest) {
  start();
  auto done = node_ls(client(), kSelf, {false, "{{.ID}}"}, out);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().what().find("--format: `{{.ID}}`"), std::string::npos);
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(Commands, NodeUpdateSendsAvailabilityAndLabels) {
  fake.post(R"(/v1/nodes/([^/]+)/update)", FakeManager::reply(nodes()[1]));
  start();
  NodeUpdateFlags flags;
  flags.availability = "drain";
  flags.label_add = {"zone=a"};
  flags.label_rm = {"old"};
  ASSERT_TRUE(node_update(client(), "lab-2", flags, out).ok());
  auto posts = fake.requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, "/v1/nodes/lab-2/update");
  EXPECT_EQ(posts[0].body,
            (nlohmann::json{
                {"availability", "drain"}, {"label_add", {{"zone", "a"}}}, {"label_rm", {"old"}}}));
  EXPECT_EQ(out.str(), "lab-2\n");
}

TEST_F(Commands, NodeUpdateWithoutFlagsSendsNothing) {
  start();
  NodeUpdateFlags flags;
  EXPECT_FALSE(node_update(client(), "lab-2", flags, out).ok());
  flags.availability = "off";
  auto bad = node_update(client(), "lab-2", flags, out);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().what(), "--availability: `off` is not one of active, pause, drain");
  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(Commands, PromoteAndDemotePostTheRoleWithDockersSentence) {
  fake.post(R"(/v1/nodes/([^/]+)/update)", FakeManager::reply(nodes()[1]));
  start();
  ASSERT_TRUE(node_set_role(client(), {"lab-2"}, NodeRole::kManager, out).ok());
  ASSERT_TRUE(node_set_role(client(), {"lab-2"}, NodeRole::kWorker, out).ok());
  auto posts = fake.requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].body, (nlohmann::json{{"role", "manager"}}));
  EXPECT_EQ(posts[1].body, (nlohmann::json{{"role", "worker"}}));
  EXPECT_EQ(
      out.str(),
      "Node lab-2 promoted to a manager in the swarm.\nManager lab-2 demoted in the swarm.\n");
}

TEST_F(Commands, NodeRmGoesOnAfterAFailureAndReportsIt) {
  fake.del(R"(/v1/nodes/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] == "ghost") {
      res.status = 404;
      res.set_content(R"({"message":"node `ghost` not found"})", "application/json");
    } else {
      res.set_content(R"({"id":"x"})", "application/json");
    }
  });
  start();
  auto done = node_rm(client(), {"ghost", "lab-2"}, /*force=*/true, out);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().what(), "node `ghost` not found");
  EXPECT_EQ(out.str(), "lab-2\n");
  auto deletes = fake.requests("DELETE");
  ASSERT_EQ(deletes.size(), 2u);
  EXPECT_EQ(deletes[1].query, "force=1");
}

TEST_F(Commands, NodePsWithoutArgumentListsThisNodesTasks) {
  Service web = make_service("s1", "web");
  fake.get("/v1/tasks",
           FakeManager::reply({make_task("t1", web, 1, TaskState::kRunning, 1, kSelf)}));
  fake.get("/v1/nodes", FakeManager::reply(nodes()));
  start();
  ASSERT_TRUE(node_ps(client(), {}, kSelf, {}, out).ok());
  EXPECT_EQ(fake.requests("GET")[0].query, "node=" + kSelf);
  EXPECT_NE(out.str().find("web.1"), std::string::npos);
  EXPECT_NE(out.str().find("lab-1"), std::string::npos);  // the NODE column names the host
}

TEST_F(Commands, NodePsWithoutSelfAsksForANode) {
  start();
  auto done = node_ps(client(), {}, "", {}, out, "no credentials in /x");
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().what(),
            "node ps: this node's id is unknown (no credentials in /x); name a node: miniswarm "
            "node ps NODE");
}

TEST_F(Commands, ServiceCreatePostsTheSpecAndPrintsTheId) {
  Service created = make_service("k3v9x0q2m8r1z5b7n4c6w2y8a", "web");
  fake.post("/v1/services", FakeManager::reply(created, 201));
  start();
  ServiceSpec spec = created.spec;
  spec.container.args = {"sleep", "30"};
  auto ref = service_create(client(), spec, out);
  ASSERT_TRUE(ref.ok()) << ref.error().what();
  EXPECT_EQ(ref->id, created.id);
  EXPECT_EQ(out.str(), created.id + "\n");
  EXPECT_EQ(fake.requests("POST")[0].body.get<ServiceSpec>(), spec);
}

TEST_F(Commands, ServiceCreateConflictShowsTheManagersMessage) {
  fake.post("/v1/services", FakeManager::reply({{"message", "service name `web` is taken"}}, 409));
  start();
  auto ref = service_create(client(), make_service("", "web").spec, out);
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.error().what(), "service create: service name `web` is taken");
  EXPECT_EQ(out.str(), "");
}

TEST_F(Commands, WaitPrintsProgressUntilConverged) {
  Service web = make_service("s1", "web", "busybox", 2);
  std::atomic<int> polls{0};
  fake.get(R"(/v1/services/([^/]+))", FakeManager::reply(web));
  fake.get("/v1/tasks", [&](const httplib::Request&, httplib::Response& res) {
    int n = polls++;
    std::vector<Task> tasks = {
        make_task("a", web, 1, n >= 1 ? TaskState::kRunning : TaskState::kPending, 1),
        make_task("b", web, 2, n >= 2 ? TaskState::kRunning : TaskState::kPending, 1)};
    res.set_content(nlohmann::json(tasks).dump(), "application/json");
  });
  start();
  WaitOptions options;
  options.poll_ms = 5;
  ASSERT_TRUE(wait_for_convergence(client(), {web.id, "web"}, true, options, out).ok());
  EXPECT_EQ(out.str(),
            "0/2 tasks running; 2 pending\n"
            "1/2 tasks running; 1 pending\n"
            "2/2 tasks running\n"
            "verify: Service converged\n");
}

TEST_F(Commands, WaitOnATerminalRewritesOneLine) {
  Service web = make_service("s1", "web");
  fake.get(R"(/v1/services/([^/]+))", FakeManager::reply(web));
  fake.get("/v1/tasks", FakeManager::reply({make_task("a", web, 1, TaskState::kRunning, 1)}));
  start();
  WaitOptions options;
  options.tty = true;
  ASSERT_TRUE(wait_for_convergence(client(), {web.id, "web"}, true, options, out).ok());
  EXPECT_EQ(out.str(), "\r1/1 tasks running\033[K\nverify: Service converged\n");
}

TEST_F(Commands, WaitTimesOutWithTheSchedulersReason) {
  Service web = make_service("s1", "web");
  Task pending = make_task("a", web, 1, TaskState::kPending, 1);
  pending.pending_reason = "no suitable node (1 node is drained)";
  fake.get(R"(/v1/services/([^/]+))", FakeManager::reply(web));
  fake.get("/v1/tasks", FakeManager::reply({pending}));
  start();
  WaitOptions options;
  options.timeout_ms = 100;
  options.poll_ms = 10;
  options.quiet = true;
  auto done = wait_for_convergence(client(), {web.id, "web"}, true, options, out);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().what().find(
                "verify: 0/1 tasks running after 100ms: tasks are pending: no suitable node "
                "(1 node is drained)"),
            std::string::npos)
      << done.error().what();
  EXPECT_EQ(out.str(), "");  // -q: no progress
}

TEST_F(Commands, WaitEndsWhenTheServiceIsRemoved) {
  fake.get(R"(/v1/services/([^/]+))",
           FakeManager::reply({{"message", "service `web` not found"}}, 404));
  start();
  auto done = wait_for_convergence(client(), {"s1", "web"}, true, {}, out);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().what(), "verify: service `web`: service `web` not found");
}

TEST_F(Commands, ServiceScaleChecksEveryTargetBeforeSendingAny) {
  start();
  std::vector<ServiceRef> scaled;
  auto done = service_scale(client(), {"web=3", "api"}, out, scaled);
  ASSERT_FALSE(done.ok());
  EXPECT_TRUE(fake.requests().empty());
  EXPECT_TRUE(scaled.empty());
}

TEST_F(Commands, ServiceScalePostsReplicasAndSaysSo) {
  fake.post(R"(/v1/services/([^/]+)/update)",
            FakeManager::reply(make_service("s1", "web", "busybox", 3)));
  start();
  std::vector<ServiceRef> scaled;
  ASSERT_TRUE(service_scale(client(), {"web=3"}, out, scaled).ok());
  EXPECT_EQ(fake.requests("POST")[0].body, (nlohmann::json{{"replicas", 3}}));
  EXPECT_EQ(fake.requests("POST")[0].path, "/v1/services/web/update");
  EXPECT_EQ(out.str(), "web scaled to 3\n");
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_EQ(scaled[0].id, "s1");
}

TEST_F(Commands, ServiceUpdateReadsTheSpecAndPostsOnlyChangesToItsId) {
  Service web = make_service("s1", "web");
  web.spec.placement.constraints = {"node.role==worker"};
  fake.get(R"(/v1/services/([^/]+))", FakeManager::reply(web));
  fake.post(R"(/v1/services/([^/]+)/update)", FakeManager::reply(web));
  start();
  ServiceUpdateFlags flags;
  flags.constraint_rm = {"node.role==worker"};
  auto ref = service_update(client(), "web", flags, out);
  ASSERT_TRUE(ref.ok()) << ref.error().what();
  auto post = fake.requests("POST").at(0);
  EXPECT_EQ(post.path, "/v1/services/s1/update");
  ASSERT_EQ(post.body.size(), 1u);
  EXPECT_EQ(post.body["placement"]["constraints"], nlohmann::json::array());
  EXPECT_EQ(out.str(), "web\n");
}

TEST_F(Commands, ServiceLsPrintsReplicaCountsFromTheManager) {
  nlohmann::json web = make_service("k3v9x0q2m8r1z5b7n4c6w2y8a", "web", "busybox", 3);
  web["running_tasks"] = 1;
  web["desired_tasks"] = 3;
  fake.get("/v1/services", FakeManager::reply(nlohmann::json::array({web})));
  start();
  ASSERT_TRUE(service_ls(client(), {}, out).ok());
  EXPECT_EQ(out.str(),
            "ID             NAME      MODE         REPLICAS   IMAGE\n"
            "k3v9x0q2m8r1   web       replicated   1/3        busybox\n");
}

TEST_F(Commands, ServicePsAsksForEachServiceOnce) {
  Service web = make_service("s1", "web");
  fake.get("/v1/tasks", FakeManager::reply({make_task("t1", web, 1, TaskState::kRunning, 1)}));
  fake.get("/v1/nodes", FakeManager::reply(nodes()));
  start();
  ASSERT_TRUE(service_ps(client(), {"web", "s1"}, {true, false, ""}, out).ok());
  EXPECT_EQ(out.str(), "t1\n");  // the same task through two names is listed once
  auto gets = fake.requests("GET");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].query, "service=web");
}

TEST_F(Commands, ServiceInspectPrintsWhatItFoundThenFails) {
  fake.get(R"(/v1/services/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] == "web") {
      res.set_content(nlohmann::json(make_service("s1", "web")).dump(), "application/json");
    } else {
      res.status = 404;
      res.set_content(R"({"message":"service `nope` not found"})", "application/json");
    }
  });
  start();
  auto done = service_inspect(client(), {"web", "nope"}, false, out);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().what(), "service `nope` not found");
  auto printed = nlohmann::json::parse(out.str());
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_EQ(printed[0]["spec"]["name"], "web");
}

TEST_F(Commands, ServiceRmPrintsEachArgument) {
  fake.del(R"(/v1/services/([^/]+))", FakeManager::reply({{"id", "s1"}}));
  start();
  ASSERT_TRUE(service_rm(client(), {"web", "api"}, out).ok());
  EXPECT_EQ(out.str(), "web\napi\n");
  EXPECT_EQ(fake.requests("DELETE").size(), 2u);
}

}  // namespace
}  // namespace miniswarm::cli
