// Join tokens: SWMTKN-1-<digest>-<secret>, their parse errors, and the manager's check
// (join_token.hpp).
#include <gtest/gtest.h>

#include "miniswarm/ca/base36.hpp"
#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/ca/root_ca.hpp"

namespace miniswarm::ca {
namespace {

const std::string kDigest(50, 'a');
const std::string kSecret = "0123456789abcdefghijklmno";

std::string error_of(std::string_view text) {
  auto token = parse_join_token(text);
  return token.ok() ? std::string("(parsed)") : token.error().what();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

/// A cluster with a real CA and both secrets, made once (key generation is the slow part).
const Cluster& test_cluster() {
  static const Cluster cluster = [] {
    Cluster c;
    c.id = "cluster-one";
    auto ca = create_root_ca(c.id);
    c.ca_cert_pem = ca->cert_pem;
    c.ca_key_pem = ca->key_pem;
    c.worker_token_secret = new_token_secret();
    c.manager_token_secret = new_token_secret();
    return c;
  }();
  return cluster;
}

TEST(JoinToken, FormatIsPrefixVersionDigestSecret) {
  EXPECT_EQ(format_join_token({kDigest, kSecret}), "SWMTKN-1-" + kDigest + "-" + kSecret);
}

TEST(JoinToken, FormatThenParseRoundTrips) {
  JoinToken token{kDigest, new_token_secret()};
  auto back = parse_join_token(format_join_token(token));
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(*back, token);
}

TEST(JoinToken, ParseIgnoresSurroundingWhiteSpace) {
  auto back = parse_join_token("  SWMTKN-1-" + kDigest + "-" + kSecret + "\n");
  ASSERT_TRUE(back.ok()) << back.error().what();
  EXPECT_EQ(back->secret, kSecret);
}

TEST(JoinToken, NewSecretIsTwentyFiveBase36CharactersAndUnique) {
  auto a = new_token_secret();
  auto b = new_token_secret();
  EXPECT_EQ(a.size(), 25u);
  EXPECT_TRUE(is_base36(a)) << a;
  EXPECT_NE(a, b);
}

TEST(JoinTokenParse, WrongPrefixIsNamed) {
  EXPECT_TRUE(contains(error_of("SWMTOK-1-" + kDigest + "-" + kSecret), "does not start with SWMTKN-"));
  EXPECT_TRUE(contains(error_of(""), "does not start with SWMTKN-"));
}

TEST(JoinTokenParse, WrongVersionIsNamed) {
  EXPECT_TRUE(contains(error_of("SWMTKN-2-" + kDigest + "-" + kSecret), "version `2` is not supported"));
}

TEST(JoinTokenParse, WrongNumberOfPartsIsNamed) {
  EXPECT_TRUE(contains(error_of("SWMTKN-1-" + kDigest), "has 3 parts"));
  EXPECT_TRUE(contains(error_of("SWMTKN-1-" + kDigest + "-" + kSecret + "-x"), "has 5 parts"));
}

TEST(JoinTokenParse, DigestOfWrongLengthIsNamed) {
  std::string short_digest(49, 'a');
  EXPECT_TRUE(contains(error_of("SWMTKN-1-" + short_digest + "-" + kSecret),
                       "CA digest (third part) has 49 characters, not 50"));
}

TEST(JoinTokenParse, DigestThatIsNotBase36IsNamed) {
  std::string upper = kDigest;
  upper[7] = 'A';
  EXPECT_TRUE(contains(error_of("SWMTKN-1-" + upper + "-" + kSecret),
                       "CA digest (third part) has characters other than 0-9 and a-z"));
}

TEST(JoinTokenParse, SecretOfWrongLengthIsNamed) {
  EXPECT_TRUE(contains(error_of("SWMTKN-1-" + kDigest + "-" + kSecret + "p"),
                       "secret (last part) has 26 characters, not 25"));
}

TEST(JoinTokenParse, SecretThatIsNotBase36IsNamed) {
  std::string odd = kSecret;
  odd[0] = '_';
  EXPECT_TRUE(contains(error_of("SWMTKN-1-" + kDigest + "-" + odd),
                       "secret (last part) has characters other than 0-9 and a-z"));
}

TEST(SecretsEqual, ComparesTheWholeContent) {
  EXPECT_TRUE(secrets_equal(kSecret, std::string(kSecret)));
  std::string last_differs = kSecret;
  last_differs.back() = 'z';
  EXPECT_FALSE(secrets_equal(kSecret, last_differs));
  EXPECT_FALSE(secrets_equal(kSecret, kSecret.substr(0, 24)));
}

TEST(SecretsEqual, AnEmptySecretMatchesNothing) {
  EXPECT_FALSE(secrets_equal("", ""));
}

TEST(CheckJoinToken, WorkerSecretGivesTheWorkerRole) {
  auto token = join_token_for(test_cluster(), NodeRole::kWorker);
  ASSERT_TRUE(token.ok()) << token.error().what();
  auto role = check_join_token(test_cluster(), *token);
  ASSERT_TRUE(role.ok()) << role.error().what();
  EXPECT_EQ(*role, NodeRole::kWorker);
}

TEST(CheckJoinToken, ManagerSecretGivesTheManagerRole) {
  auto token = join_token_for(test_cluster(), NodeRole::kManager);
  ASSERT_TRUE(token.ok()) << token.error().what();
  auto role = check_join_token(test_cluster(), *token);
  ASSERT_TRUE(role.ok()) << role.error().what();
  EXPECT_EQ(*role, NodeRole::kManager);
}

TEST(CheckJoinToken, WorkerAndManagerTokensShareTheDigest) {
  auto worker = parse_join_token(*join_token_for(test_cluster(), NodeRole::kWorker));
  auto manager = parse_join_token(*join_token_for(test_cluster(), NodeRole::kManager));
  ASSERT_TRUE(worker.ok() && manager.ok());
  EXPECT_EQ(worker->ca_digest, manager->ca_digest);
  EXPECT_EQ(worker->ca_digest, *ca_digest(test_cluster().ca_cert_pem));
  EXPECT_NE(worker->secret, manager->secret);
}

TEST(CheckJoinToken, RotatedSecretRefusesTheOldToken) {
  Cluster cluster = test_cluster();
  auto old_token = join_token_for(cluster, NodeRole::kWorker);
  ASSERT_TRUE(old_token.ok());
  cluster.worker_token_secret = new_token_secret();
  auto role = check_join_token(cluster, *old_token);
  ASSERT_FALSE(role.ok());
  EXPECT_TRUE(contains(role.error().what(), "neither this swarm's worker nor its manager secret"));
  EXPECT_TRUE(check_join_token(cluster, *join_token_for(cluster, NodeRole::kWorker)).ok());
}

TEST(CheckJoinToken, TokenOfAnotherSwarmIsRefused) {
  Cluster other = test_cluster();
  other.ca_cert_pem = create_root_ca("cluster-two")->cert_pem;
  // Same secret, other CA: the digest alone tells the swarms apart.
  auto token = join_token_for(other, NodeRole::kWorker);
  ASSERT_TRUE(token.ok());
  auto role = check_join_token(test_cluster(), *token);
  ASSERT_FALSE(role.ok());
  EXPECT_TRUE(contains(role.error().what(), "belongs to another swarm"));
}

TEST(CheckJoinToken, RefusalNeverContainsTheSecret) {
  JoinToken guess{*ca_digest(test_cluster().ca_cert_pem), new_token_secret()};
  auto role = check_join_token(test_cluster(), format_join_token(guess));
  ASSERT_FALSE(role.ok());
  EXPECT_FALSE(contains(role.error().what(), guess.secret));
  EXPECT_FALSE(contains(role.error().what(), test_cluster().worker_token_secret));
}

TEST(CheckJoinToken, ClusterWithoutSecretsGivesNoToken) {
  Cluster empty = test_cluster();
  empty.worker_token_secret.clear();
  auto token = join_token_for(empty, NodeRole::kWorker);
  ASSERT_FALSE(token.ok());
  EXPECT_TRUE(contains(token.error().what(), "no worker token secret"));
}

}  // namespace
}  // namespace miniswarm::ca
