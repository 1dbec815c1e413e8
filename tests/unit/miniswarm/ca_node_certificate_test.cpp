// Node certificates: key and CSR on the node, signed on the manager, identity read back
// and verified (node_certificate.hpp, node_identity.hpp, pem.hpp).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "miniswarm/ca/certificate_builder.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/ca/pem.hpp"

namespace miniswarm::ca {
namespace {

const RootCa& cluster_ca() {
  static const RootCa ca = *create_root_ca("cluster-one");
  return ca;
}

Identity worker_identity() { return {new_object_id(), NodeRole::kWorker, "cluster-one"}; }

/// A certificate for a fresh key, signed by `ca` as `who`.
std::string issue(const RootCa& ca, const Identity& who, int64_t valid_for_ms = kNodeCertValidityMs,
                  int64_t now_ms = wall_clock_ms()) {
  auto request = make_key_and_csr();
  EXPECT_TRUE(request.ok()) << request.error().what();
  auto cert = sign_node_csr(ca, request->csr_pem, who, valid_for_ms, now_ms);
  EXPECT_TRUE(cert.ok()) << cert.error().what();
  return cert.ok() ? *cert : std::string();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(NodeCsr, CarriesThePublicHalfOfTheNewKey) {
  auto request = make_key_and_csr();
  ASSERT_TRUE(request.ok()) << request.error().what();
  auto key = read_private_key_pem(request->key_pem, "key");
  auto csr = read_csr_pem(request->csr_pem, "csr");
  ASSERT_TRUE(key.ok() && csr.ok());
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(csr->get()), key->get()), 1);
  EXPECT_EQ(X509_REQ_verify(csr->get(), key->get()), 1);
}

TEST(NodeCertificate, SignedCsrReadsBackAsTheIdentity) {
  for (NodeRole role : {NodeRole::kWorker, NodeRole::kManager}) {
    Identity who{new_object_id(), role, "cluster-one"};
    std::string cert = issue(cluster_ca(), who);
    auto back = verify_node_cert(cluster_ca().cert_pem, cert, wall_clock_ms());
    ASSERT_TRUE(back.ok()) << back.error().what();
    EXPECT_EQ(*back, who);
  }
}

TEST(NodeCertificate, SubjectIsClusterRoleAndNodeId) {
  Identity who = worker_identity();
  auto cert = read_certificate_pem(issue(cluster_ca(), who), "cert");
  ASSERT_TRUE(cert.ok());
  char line[512] = {};
  X509_NAME_oneline(X509_get_subject_name(cert->get()), line, sizeof line);
  EXPECT_EQ(std::string(line), "/O=cluster-one/OU=swarm-worker/CN=" + who.node_id);
}

TEST(NodeCertificate, SubjectAltNamesAreTheRoleAndTheNodeId) {
  Identity who = worker_identity();
  auto cert = read_certificate_pem(issue(cluster_ca(), who), "cert");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(X509_check_host(cert->get(), "swarm-worker", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert->get(), who.node_id.c_str(), 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert->get(), "swarm-manager", 0, 0, nullptr), 0);
}

TEST(NodeCertificate, IsNoCa) {
  auto cert = read_certificate_pem(issue(cluster_ca(), worker_identity()), "cert");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(X509_check_ca(cert->get()), 0);
}

TEST(NodeCertificate, FromAForeignCaIsRefused) {
  auto foreign = create_root_ca("cluster-one");  // same cluster name, different key
  ASSERT_TRUE(foreign.ok());
  std::string cert = issue(*foreign, worker_identity());
  auto back = verify_node_cert(cluster_ca().cert_pem, cert, wall_clock_ms());
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(contains(back.error().what(), "not signed by this cluster's CA")) << back.error().what();
}

TEST(NodeCertificate, IsValidForNinetyDays) {
  const int64_t now = wall_clock_ms();
  std::string cert = issue(cluster_ca(), worker_identity(), kNodeCertValidityMs, now);
  EXPECT_TRUE(verify_node_cert(cluster_ca().cert_pem, cert, now + 89 * kDayMs).ok());
  auto later = verify_node_cert(cluster_ca().cert_pem, cert, now + 91 * kDayMs);
  ASSERT_FALSE(later.ok());
  EXPECT_TRUE(contains(later.error().what(), "certificate has expired")) << later.error().what();
}

TEST(NodeCertificate, SignedWithAWindowInThePastIsExpiredNow) {
  const int64_t now = wall_clock_ms();
  std::string cert = issue(cluster_ca(), worker_identity(), kDayMs, now - 3 * kDayMs);
  auto back = verify_node_cert(cluster_ca().cert_pem, cert, now);
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(contains(back.error().what(), "join the swarm again")) << back.error().what();
}

TEST(NodeCertificate, BeforeItsWindowIsNotYetValid) {
  const int64_t now = wall_clock_ms();
  std::string cert = issue(cluster_ca(), worker_identity(), kDayMs, now);
  // Valid from an hour back (clock skew); two hours back it is not valid yet.
  EXPECT_TRUE(verify_node_cert(cluster_ca().cert_pem, cert, now - 30 * 60 * 1000).ok());
  auto back = verify_node_cert(cluster_ca().cert_pem, cert, now - 2 * kHourMs);
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(contains(back.error().what(), "not yet valid")) << back.error().what();
}

TEST(NodeCertificate, CannotOutliveItsCa) {
  std::string cert_pem = issue(cluster_ca(), worker_identity(), 30 * 365 * kDayMs);
  auto cert = read_certificate_pem(cert_pem, "cert");
  auto ca = read_certificate_pem(cluster_ca().cert_pem, "ca");
  ASSERT_TRUE(cert.ok() && ca.ok());
  EXPECT_EQ(*not_after_ms(cert->get()), *not_after_ms(ca->get()));
}

TEST(NodeCertificate, CsrWhoseSignatureDoesNotMatchItsKeyIsRefused) {
  auto request = make_key_and_csr();
  ASSERT_TRUE(request.ok());
  auto csr = read_csr_pem(request->csr_pem, "csr");
  auto other_key = generate_p256_key();
  ASSERT_TRUE(csr.ok() && other_key.ok());
  // Swap in another public key and keep the old signature: a node claiming a key it
  // does not hold.
  ASSERT_EQ(X509_REQ_set_pubkey(csr->get(), other_key->get()), 1);
  auto forged = csr_to_pem(csr->get());
  ASSERT_TRUE(forged.ok());
  auto cert = sign_node_csr(cluster_ca(), *forged, worker_identity());
  ASSERT_FALSE(cert.ok());
  EXPECT_TRUE(contains(cert.error().what(), "signature does not match its public key"))
      << cert.error().what();
}

TEST(NodeCertificate, CsrWithAnRsaKeyIsRefused) {
  EvpPkeyPtr rsa(EVP_RSA_gen(1024));
  ASSERT_TRUE(rsa);
  X509ReqPtr csr(X509_REQ_new());
  ASSERT_EQ(X509_REQ_set_pubkey(csr.get(), rsa.get()), 1);
  ASSERT_GT(X509_REQ_sign(csr.get(), rsa.get(), EVP_sha256()), 0);
  auto cert = sign_node_csr(cluster_ca(), *csr_to_pem(csr.get()), worker_identity());
  ASSERT_FALSE(cert.ok());
  EXPECT_TRUE(contains(cert.error().what(), "not ECDSA P-256")) << cert.error().what();
}

TEST(NodeCertificate, IdentityOfAnotherClusterIsNotSigned) {
  auto request = make_key_and_csr();
  ASSERT_TRUE(request.ok());
  Identity who{new_object_id(), NodeRole::kWorker, "cluster-two"};
  auto cert = sign_node_csr(cluster_ca(), request->csr_pem, who);
  ASSERT_FALSE(cert.ok());
  EXPECT_TRUE(contains(cert.error().what(), "this CA is cluster `cluster-one`")) << cert.error().what();
}

TEST(NodeCertificate, NodeIdOutsideBase36IsRefused) {
  auto request = make_key_and_csr();
  ASSERT_TRUE(request.ok());
  Identity who{"node1,DNS:swarm-manager", NodeRole::kWorker, "cluster-one"};
  auto cert = sign_node_csr(cluster_ca(), request->csr_pem, who);
  ASSERT_FALSE(cert.ok());
  EXPECT_TRUE(contains(cert.error().what(), "lower-case letters and digits")) << cert.error().what();
}

TEST(NodeCertificate, CaKeyOfAnotherCaIsRefused) {
  auto other = create_root_ca("cluster-one");
  ASSERT_TRUE(other.ok());
  RootCa mixed{cluster_ca().cert_pem, other->key_pem};
  auto request = make_key_and_csr();
  ASSERT_TRUE(request.ok());
  auto cert = sign_node_csr(mixed, request->csr_pem, worker_identity());
  ASSERT_FALSE(cert.ok());
  EXPECT_TRUE(contains(cert.error().what(), "CA key does not belong")) << cert.error().what();
}

TEST(NodeCertificate, UnknownRoleInTheOuIsRefused) {
  // A certificate the CA signed, but with an OU no swarm writes.
  auto ca_cert = read_certificate_pem(cluster_ca().cert_pem, "ca");
  auto ca_key = read_private_key_pem(cluster_ca().key_pem, "ca key");
  auto node_key = generate_p256_key();
  auto name = make_name({{"O", "cluster-one"}, {"OU", "swarm-admin"}, {"CN", "abc"}});
  ASSERT_TRUE(ca_cert.ok() && ca_key.ok() && node_key.ok() && name.ok());
  const int64_t now = wall_clock_ms();
  auto cert = start_certificate(name->get(), X509_get_subject_name(ca_cert->get()), node_key->get(),
                                now - kHourMs, now + kDayMs);
  ASSERT_TRUE(cert.ok());
  ASSERT_TRUE(sign_certificate(cert->get(), ca_key->get()).ok());
  auto back = verify_node_cert(cluster_ca().cert_pem, *certificate_to_pem(cert->get()), now);
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(contains(back.error().what(), "OU is `swarm-admin`")) << back.error().what();
}

TEST(NodeCertificate, SerialIsLowerCaseHexAndDiffersPerCertificate) {
  auto a = certificate_serial_hex(issue(cluster_ca(), worker_identity()));
  auto b = certificate_serial_hex(issue(cluster_ca(), worker_identity()));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_GE(a->size(), 16u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos) << *a;
}

class PemFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/miniswarm-ca-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(PemFile, IsWrittenReadableByItsOwnerOnly) {
  std::string path = dir_ + "/node.key";
  {
    std::ofstream loose(path);  // an earlier, world-readable file is replaced
    loose << "old";
  }
  chmod(path.c_str(), 0644);
  auto request = make_key_and_csr();
  ASSERT_TRUE(request.ok());
  auto written = write_pem_file(path, request->key_pem);
  ASSERT_TRUE(written.ok()) << written.error().what();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), request->key_pem);
  // Only the file itself is left: no temporary beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(PemFile, MissingDirectoryIsNamedInTheError) {
  auto written = write_pem_file(dir_ + "/no/such/node.key", "x");
  ASSERT_FALSE(written.ok());
  EXPECT_TRUE(contains(written.error().what(), "/no/such/node.key")) << written.error().what();
}

}  // namespace
}  // namespace miniswarm::ca
