// The manager's mutual-TLS server and the node's client, over 127.0.0.1 only
// (tls_server.hpp, tls_client.hpp, peer_identity.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "miniswarm/api/tls_client.hpp"
#include "miniswarm/api/tls_server.hpp"
#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/ca/pem.hpp"

namespace miniswarm::api {
namespace {

using nlohmann::json;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

/// A node's credentials, signed by `ca` as `role` in cluster-one.
ca::NodeCredentials node_of(const ca::RootCa& ca, NodeRole role,
                            int64_t valid_for_ms = ca::kNodeCertValidityMs,
                            int64_t now_ms = ca::wall_clock_ms()) {
  auto request = ca::make_key_and_csr();
  auto cert = ca::sign_node_csr(ca, request->csr_pem, {new_object_id(), role, "cluster-one"},
                                valid_for_ms, now_ms);
  EXPECT_TRUE(cert.ok()) << cert.error().what();
  return {ca.cert_pem, *cert, request->key_pem};
}

std::string message_of(const Reply& reply) {
  return json::parse(reply.body, nullptr, false).value("message", std::string("(no message)"));
}

/// One cluster, its manager's server on 127.0.0.1, and nodes with various certificates.
class TlsApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto ca = ca::create_root_ca("cluster-one");
    ASSERT_TRUE(ca.ok()) << ca.error().what();
    cluster_ = new Cluster();
    cluster_->id = "cluster-one";
    cluster_->ca_cert_pem = ca->cert_pem;
    cluster_->ca_key_pem = ca->key_pem;
    cluster_->worker_token_secret = ca::new_token_secret();
    cluster_->manager_token_secret = ca::new_token_secret();
    manager_ = new ca::NodeCredentials(node_of(*ca, NodeRole::kManager));
    worker_ = new ca::NodeCredentials(node_of(*ca, NodeRole::kWorker));
    foreign_ca_ = new ca::RootCa(*ca::create_root_ca("cluster-one"));

    auto server = TlsServer::create(*manager_);
    ASSERT_TRUE(server.ok()) << server.error().what();
    server_ = server->release();
    server_->get("/v1/whoami", Access::kNode,
                 [](const httplib::Request&, httplib::Response& response,
                    const std::optional<ca::Identity>& peer) {
                   response.set_content(json{{"node_id", peer->node_id},
                                             {"role", to_string(peer->role)}}.dump(),
                                        "application/json");
                 });
    server_->get("/v1/hello", Access::kAnyone,
                 [](const httplib::Request&, httplib::Response& response,
                    const std::optional<ca::Identity>& peer) {
                   response.set_content(peer ? peer->node_id : "anonymous", "text/plain");
                 });
    server_->post("/v1/managers-only", Access::kManager,
                  [](const httplib::Request&, httplib::Response& response,
                     const std::optional<ca::Identity>&) { response.set_content("{}", "application/json"); });
    // Holds its thread until the test releases it, like an agent's long poll.
    server_->get("/v1/block", Access::kNode,
                 [](const httplib::Request&, httplib::Response& response,
                    const std::optional<ca::Identity>&) {
                   ++blocked_;
                   while (!release_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                   response.set_content("released", "text/plain");
                 });
    // A minimal join: the token's secret picks the role, the manager names the node.
    server_->post("/v1/join", Access::kAnyone,
                  [](const httplib::Request& request, httplib::Response& response,
                     const std::optional<ca::Identity>&) {
                    json body = json::parse(request.body, nullptr, false);
                    auto role = ca::check_join_token(*cluster_, body.value("token", ""));
                    if (!role) return set_error_reply(response, 403, role.error().what());
                    ca::Identity who{new_object_id(), *role, cluster_->id};
                    auto cert = ca::sign_node_csr({cluster_->ca_cert_pem, cluster_->ca_key_pem},
                                                  body.value("csr", ""), who);
                    if (!cert) return set_error_reply(response, 400, cert.error().what());
                    response.set_content(json{{"node_id", who.node_id}, {"cert", *cert}}.dump(),
                                         "application/json");
                  });
    auto port = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().what();
  }

  static void TearDownTestSuite() {
    delete server_;
    delete foreign_ca_;
    delete worker_;
    delete manager_;
    delete cluster_;
  }

  static std::unique_ptr<TlsClient> client_with(const ca::NodeCredentials& node) {
    auto client = TlsClient::create("127.0.0.1", server_->port(), node);
    EXPECT_TRUE(client.ok()) << client.error().what();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static ca::JoinToken token_for(NodeRole role) {
    return *ca::parse_join_token(*ca::join_token_for(*cluster_, role));
  }

  static Cluster* cluster_;
  static ca::NodeCredentials* manager_;
  static ca::NodeCredentials* worker_;
  static ca::RootCa* foreign_ca_;
  static TlsServer* server_;
  static std::atomic<int> blocked_;
  static std::atomic<bool> release_;
};

std::atomic<int> TlsApi::blocked_{0};
std::atomic<bool> TlsApi::release_{false};

Cluster* TlsApi::cluster_ = nullptr;
ca::NodeCredentials* TlsApi::manager_ = nullptr;
ca::NodeCredentials* TlsApi::worker_ = nullptr;
ca::RootCa* TlsApi::foreign_ca_ = nullptr;
TlsServer* TlsApi::server_ = nullptr;

TEST_F(TlsApi, NodeRouteAcceptsANodeCertificateAndSeesItsIdentity) {
  auto reply = client_with(*worker_)->get("/v1/whoami");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  ASSERT_EQ(reply->status, 200) << reply->body;
  auto worker = ca::verify_node_cert(worker_->ca_cert_pem, worker_->cert_pem, ca::wall_clock_ms());
  EXPECT_EQ(json::parse(reply->body)["node_id"], worker->node_id);
  EXPECT_EQ(json::parse(reply->body)["role"], "worker");
}

TEST_F(TlsApi, NodeRouteRefusesAClientWithoutCertificate) {
  auto reply = client_with({cluster_->ca_cert_pem, "", ""})->get("/v1/whoami");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 401);
  EXPECT_EQ(reply->content_type, "application/json");
  EXPECT_TRUE(contains(message_of(*reply), "no client certificate was presented")) << reply->body;
}

TEST_F(TlsApi, NodeRouteRefusesACertificateFromAForeignCa) {
  ca::NodeCredentials impostor = node_of(*foreign_ca_, NodeRole::kManager);
  impostor.ca_cert_pem = cluster_->ca_cert_pem;  // it does trust the right CA
  auto reply = client_with(impostor)->get("/v1/whoami");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 401);
  EXPECT_TRUE(contains(message_of(*reply), "not valid for this swarm")) << reply->body;
}

TEST_F(TlsApi, NodeRouteRefusesAnExpiredCertificate) {
  const int64_t now = ca::wall_clock_ms();
  ca::RootCa ca{cluster_->ca_cert_pem, cluster_->ca_key_pem};
  ca::NodeCredentials expired = node_of(ca, NodeRole::kWorker, ca::kDayMs, now - 3 * ca::kDayMs);
  auto reply = client_with(expired)->get("/v1/whoami");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 401);
  EXPECT_TRUE(contains(message_of(*reply), "certificate has expired")) << reply->body;
}

TEST_F(TlsApi, ManagerRouteGivesAWorker403NamingIt) {
  auto worker = ca::verify_node_cert(worker_->ca_cert_pem, worker_->cert_pem, ca::wall_clock_ms());
  auto reply = client_with(*worker_)->post("/v1/managers-only", "{}");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 403);
  EXPECT_EQ(message_of(*reply), "this API is for managers; node " + worker->node_id + " is a worker");
}

TEST_F(TlsApi, ManagerRouteAcceptsAManager) {
  auto reply = client_with(*manager_)->post("/v1/managers-only", "{}");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 200) << reply->body;
}

TEST_F(TlsApi, ManagerRouteRefusesNoCertificateWith401NotWith403) {
  auto reply = client_with({cluster_->ca_cert_pem, "", ""})->post("/v1/managers-only", "{}");
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 401);
}

TEST_F(TlsApi, OpenRouteSeesAForeignCertificateAsAnonymous) {
  ca::NodeCredentials impostor = node_of(*foreign_ca_, NodeRole::kWorker);
  impostor.ca_cert_pem = cluster_->ca_cert_pem;
  auto as_impostor = client_with(impostor)->get("/v1/hello");
  auto as_worker = client_with(*worker_)->get("/v1/hello");
  ASSERT_TRUE(as_impostor.ok() && as_worker.ok());
  EXPECT_EQ(as_impostor->body, "anonymous");
  EXPECT_NE(as_worker->body, "anonymous");
}

TEST_F(TlsApi, CaRouteServesTheClusterCaToAnyone) {
  auto reply = client_with({cluster_->ca_cert_pem, "", ""})->get(kCaRoute);
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, cluster_->ca_cert_pem);
}

TEST_F(TlsApi, FetchCaWithTokenReturnsTheCaWhenTheDigestMatches) {
  auto pem = fetch_ca_with_token("127.0.0.1", server_->port(), token_for(NodeRole::kWorker));
  ASSERT_TRUE(pem.ok()) << pem.error().what();
  EXPECT_EQ(*pem, cluster_->ca_cert_pem);
}

TEST_F(TlsApi, FetchCaWithTokenRefusesACaWithAnotherDigest) {
  ca::JoinToken other{*ca::ca_digest(foreign_ca_->cert_pem), cluster_->worker_token_secret};
  auto pem = fetch_ca_with_token("127.0.0.1", server_->port(), other);
  ASSERT_FALSE(pem.ok());
  EXPECT_TRUE(contains(pem.error().what(),
                       "the manager's CA does not match the join token: wrong token or a man in the middle"))
      << pem.error().what();
}

TEST_F(TlsApi, JoiningNodeGetsACertificateAndThenPassesNodeRoutes) {
  // The node's whole bootstrap: CA by digest, CSR with the secret over a pinned
  // connection without a certificate, then mutual TLS with the new certificate.
  auto token = token_for(NodeRole::kManager);
  auto ca_pem = fetch_ca_with_token("127.0.0.1", server_->port(), token);
  ASSERT_TRUE(ca_pem.ok()) << ca_pem.error().what();
  auto request = ca::make_key_and_csr();
  ASSERT_TRUE(request.ok());
  json join{{"token", ca::format_join_token(token)}, {"csr", request->csr_pem}};
  auto joined = client_with({*ca_pem, "", ""})->post("/v1/join", join.dump());
  ASSERT_TRUE(joined.ok()) << joined.error().what();
  ASSERT_EQ(joined->status, 200) << joined->body;
  json answer = json::parse(joined->body);

  auto me = client_with({*ca_pem, answer["cert"], request->key_pem})->get("/v1/whoami");
  ASSERT_TRUE(me.ok()) << me.error().what();
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(json::parse(me->body)["node_id"], answer["node_id"]);
  EXPECT_EQ(json::parse(me->body)["role"], "manager");
}

TEST_F(TlsApi, JoinWithARotatedSecretIsRefused) {
  auto request = ca::make_key_and_csr();
  ca::JoinToken stale{*ca::ca_digest(cluster_->ca_cert_pem), ca::new_token_secret()};
  json join{{"token", ca::format_join_token(stale)}, {"csr", request->csr_pem}};
  auto joined = client_with({cluster_->ca_cert_pem, "", ""})->post("/v1/join", join.dump());
  ASSERT_TRUE(joined.ok()) << joined.error().what();
  EXPECT_EQ(joined->status, 403);
}

TEST_F(TlsApi, ClientRefusesAServerWhoseCertificateIsNotFromThePinnedCa) {
  auto foreign_server = TlsServer::create(node_of(*foreign_ca_, NodeRole::kManager));
  ASSERT_TRUE(foreign_server.ok()) << foreign_server.error().what();
  auto port = (*foreign_server)->start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.error().what();
  auto reply = client_with(*worker_)->get("/v1/hello");  // still our server: fine
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  auto client = TlsClient::create("127.0.0.1", *port, *worker_);
  ASSERT_TRUE(client.ok());
  auto refused = (*client)->get("/v1/hello");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().what(), "does not have a certificate from this swarm's CA"))
      << refused.error().what();
}

TEST_F(TlsApi, ClientRefusesAWorkerCertificateServingAsAManager) {
  // TlsServer refuses a worker's certificate, so a bare httplib server plays the impostor.
  auto cert = ca::read_certificate_pem(worker_->cert_pem, "worker cert");
  auto key = ca::read_private_key_pem(worker_->key_pem, "worker key");
  ASSERT_TRUE(cert.ok() && key.ok());
  httplib::SSLServer impostor(cert->get(), key->get());
  impostor.Get("/v1/hello", [](const httplib::Request&, httplib::Response& r) { r.set_content("hi", "text/plain"); });
  int port = impostor.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { impostor.listen_after_bind(); });
  while (!impostor.is_running()) std::this_thread::yield();
  auto refused = (*TlsClient::create("127.0.0.1", port, *worker_))->get("/v1/hello");
  impostor.stop();
  serving.join();
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(contains(refused.error().what(), "not a manager's")) << refused.error().what();
}

TEST_F(TlsApi, HandlersThatWaitDoNotStarveOtherCallers) {
  // More waiting requests than httplib's default pool of 8 threads.
  constexpr int kWaiting = 12;
  std::vector<std::thread> pollers;
  for (int i = 0; i < kWaiting; ++i) {
    pollers.emplace_back([] { (void)client_with(*worker_)->get("/v1/block"); });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (blocked_ < kWaiting && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(blocked_, kWaiting);
  auto reply = client_with(*worker_)->get("/v1/hello");
  release_ = true;
  for (auto& poller : pollers) poller.join();
  ASSERT_TRUE(reply.ok()) << reply.error().what();
  EXPECT_EQ(reply->status, 200);
}

TEST_F(TlsApi, ServerRefusesToServeWithAWorkerCertificate) {
  auto server = TlsServer::create(*worker_);
  ASSERT_FALSE(server.ok());
  EXPECT_TRUE(contains(server.error().what(), "only a manager serves the API")) << server.error().what();
}

TEST(TlsServerLifetime, StopFreesThePortAndASecondBindOnABusyPortFails) {
  auto ca = *ca::create_root_ca("cluster-one");
  auto manager = node_of(ca, NodeRole::kManager);
  auto first = TlsServer::create(manager);
  ASSERT_TRUE(first.ok()) << first.error().what();
  auto port = (*first)->start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.error().what();
  EXPECT_EQ((*first)->port(), *port);

  auto second = TlsServer::create(manager);
  ASSERT_TRUE(second.ok());
  auto busy = (*second)->start("127.0.0.1", *port);
  ASSERT_FALSE(busy.ok());
  EXPECT_TRUE(contains(busy.error().what(), "cannot listen on 127.0.0.1:" + std::to_string(*port)))
      << busy.error().what();

  (*first)->stop();
  (*first)->stop();  // twice is harmless
  auto again = (*second)->start("127.0.0.1", *port);
  EXPECT_TRUE(again.ok()) << again.error().what();
}

TEST(TlsClientErrors, UnreachableManagerIsNamedWithTheReason) {
  auto ca = *ca::create_root_ca("cluster-one");
  int closed_port = 0;
  {
    auto server = TlsServer::create(node_of(ca, NodeRole::kManager));
    ASSERT_TRUE(server.ok());
    closed_port = *(*server)->start("127.0.0.1", 0);
  }  // stopped: nothing listens there now
  auto client = TlsClient::create("127.0.0.1", closed_port, {ca.cert_pem, "", ""});
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->get("/v1/hello");
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().what(), "cannot reach the manager at 127.0.0.1:" +
                                                 std::to_string(closed_port) + " (Connection refused)"))
      << reply.error().what();
  EXPECT_TRUE(contains(reply.error().what(), "is `miniswarm init` running there")) << reply.error().what();
}

}  // namespace
}  // namespace miniswarm::api
