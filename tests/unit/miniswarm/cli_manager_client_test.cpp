// The client of the manager's Unix socket: replies, the manager's error messages, and
// what a learner reads when no manager answers.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli_fake_manager.hpp"
#include "miniswarm/cli/cli_error.hpp"
#include "miniswarm/cli/manager_client.hpp"

namespace miniswarm::cli {
namespace {

using testing_support::FakeManager;

TEST(ManagerClient, SocketIsInTheStateDir) {
  EXPECT_EQ(ManagerClient("/var/lib/miniswarm").socket_path(), "/var/lib/miniswarm/manager.sock");
}

TEST(ManagerClient, MissingSocketSaysHowToStartAManager) {
  FakeManager fake;  // not started: no socket
  auto reply = ManagerClient(fake.state_dir()).try_get("/v1/nodes");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().what(),
            "cannot reach the manager at " + fake.state_dir() +
                "/manager.sock: is this node a manager? (`miniswarm init` starts one)");
}

TEST(ManagerClient, StaleSocketOfAKilledManagerIsUnreachable) {
  FakeManager fake;
  std::string path = fake.state_dir() + "/manager.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);  // the file stays, nothing listens: connect(2) is refused
  auto reply = ManagerClient(fake.state_dir()).try_get("/v1/nodes");
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.error().what().find("cannot reach the manager at " + path), std::string::npos);
}

TEST(ManagerClient, SuccessfulReplyIsParsedJson) {
  FakeManager fake;
  fake.get("/v1/swarm", FakeManager::reply({{"id", "c1"}, {"nodes", 2}}));
  ASSERT_TRUE(fake.start());
  auto reply = ManagerClient(fake.state_dir()).try_get("/v1/swarm");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ((*reply)["nodes"], 2);
}

TEST(ManagerClient, ManagersMessageBecomesTheError) {
  FakeManager fake;
  fake.get(R"(/v1/services/([^/]+))",
           FakeManager::reply({{"message", "service `nope` not found"}}, 404));
  ASSERT_TRUE(fake.start());
  ManagerClient client(fake.state_dir());
  auto reply = client.try_get("/v1/services/nope");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().what(), "service `nope` not found");
  auto raw = client.request("GET", "/v1/services/nope");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->status, 404);
}

TEST(ManagerClient, ErrorPageThatIsNotJsonIsShownAsText) {
  FakeManager fake;
  fake.get("/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("database is locked", "text/plain");
  });
  ASSERT_TRUE(fake.start());
  auto reply = ManagerClient(fake.state_dir()).try_get("/v1/nodes");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().what(), "database is locked");
}

TEST(ManagerClient, PostSendsTheBodyAsJson) {
  FakeManager fake;
  fake.post("/v1/services", FakeManager::reply({{"id", "s1"}}, 201));
  ASSERT_TRUE(fake.start());
  auto reply = ManagerClient(fake.state_dir()).try_post("/v1/services", {{"name", "web"}});
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  ASSERT_EQ(fake.requests("POST").size(), 1u);
  EXPECT_EQ(fake.requests("POST")[0].body, (nlohmann::json{{"name", "web"}}));
}

TEST(ManagerClient, DeleteUsesTheDeleteMethod) {
  FakeManager fake;
  fake.del(R"(/v1/services/([^/]+))", FakeManager::reply({{"id", "s1"}}));
  ASSERT_TRUE(fake.start());
  ASSERT_TRUE(ManagerClient(fake.state_dir()).try_del("/v1/services/web").ok());
  EXPECT_EQ(fake.requests("DELETE").size(), 1u);
}

TEST(ManagerClient, ThrowingGetThrowsCliErrorWithTheMessage) {
  FakeManager fake;
  fake.get("/v1/swarm/join-token/worker",
           FakeManager::reply({{"message", "this manager has no swarm"}}, 500));
  ASSERT_TRUE(fake.start());
  ManagerClient client(fake.state_dir());
  try {
    client.get("/v1/swarm/join-token/worker");
    FAIL() << "no CliError";
  } catch (const CliError& e) {
    EXPECT_EQ(e.message, "this manager has no swarm");
    EXPECT_EQ(e.code, 1);
  }
}

TEST(EncodeUriComponent, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(encode_uri_component("web-1_a.b~c"), "web-1_a.b~c");
  EXPECT_EQ(encode_uri_component("a b/c?d&e"), "a%20b%2Fc%3Fd%26e");
}

}  // namespace
}  // namespace miniswarm::cli
