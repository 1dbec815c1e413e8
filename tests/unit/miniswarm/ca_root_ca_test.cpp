// The cluster's root CA (root_ca.hpp) and its digest in base 36 (base36.hpp).
#include <gtest/gtest.h>

#include <openssl/core_names.h>

#include <array>

#include "miniswarm/ca/base36.hpp"
#include "miniswarm/ca/pem.hpp"
#include "miniswarm/ca/root_ca.hpp"

namespace miniswarm::ca {
namespace {

// Made once with the openssl command line, not with this code:
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
//     -subj "/O=fixture-cluster/CN=swarm-ca" -days 7300 -out fixture_ca.pem
// and its digest with Python: int(sha256(DER).hexdigest(), 16) in base 36, zfill(50).
constexpr const char* kFixtureCaPem = R"(-----BEGIN CERTIFICATE-----
MIIBrzCCAVWgAwIBAgIUAaPNp/c2W0cygkC5U21/WbSs6ckwCgYIKoZIzj0EAwIw
LTEYMBYGA1UECgwPZml4dHVyZS1jbHVzdGVyMREwDwYDVQQDDAhzd2FybS1jYTAe
Fw0yNjExMjgxMjE0MDRaFw00NjExMjMxMjE0MDRaMC0xGDAWBgNVBAoMD2ZpeHR1
cmUtY2x1c3RlcjERMA8GA1UEAwwIc3dhcm0tY2EwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQfJjt6DaFW9/nRCnUShd6WGmobgY6ox29ADTePZjw2l49JyL2S2jgi
VjxQXGkzWrLs8tJjqlZ5DQiRNBj5SjWJo1MwUTAdBgNVHQ4EFgQUSNLPLeuw8n34
qxtxF3yKI6Bi0kswHwYDVR0jBBgwFoAUSNLPLeuw8n34qxtxF3yKI6Bi0kswDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAzXmeWCk0FTr3UW2jhrXi
kMBsK/wbFa19yRURaOM/tk8CIAaRDX9h5OX6XmENp+lPH6LAMn0j8olVpfnqR92E
32On
-----END CERTIFICATE-----
)";
constexpr const char* kFixtureCaDigest = "17dzwgx4x7tdqps8pr7pjept1kp34g16kqwhgz8svkllm0go6p";

std::string subject_field(X509* cert, int nid) {
  char text[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), nid, text, sizeof text);
  return text;
}

int64_t seconds_of(const ASN1_TIME* t) {
  tm when{};
  ASN1_TIME_to_tm(t, &when);
  return timegm(&when);
}

TEST(Base36, WritesTheBigEndianNumberZeroPadded) {
  std::array<unsigned char, 2> two_fifty_six{0x01, 0x00};  // 256 = 7 * 36 + 4
  EXPECT_EQ(encode_base36(two_fifty_six, 4), "0074");
  std::array<unsigned char, 1> max_byte{0xff};  // 255 = 7 * 36 + 3
  EXPECT_EQ(encode_base36(max_byte, 2), "73");
  std::array<unsigned char, 1> thirty_five{35};
  EXPECT_EQ(encode_base36(thirty_five, 1), "z");
}

TEST(Base36, RefusesANumberWiderThanTheWidth) {
  std::array<unsigned char, 2> two_fifty_six{0x01, 0x00};
  EXPECT_EQ(encode_base36(two_fifty_six, 1), "");
}

TEST(Base36, AcceptsOnlyDigitsAndLowerCaseLetters) {
  EXPECT_TRUE(is_base36("0123456789abcdefghijklmnopqrstuvwxyz"));
  EXPECT_FALSE(is_base36("abcD"));
  EXPECT_FALSE(is_base36("ab-c"));
  EXPECT_FALSE(is_base36(""));
}

TEST(RootCa, IsASelfSignedP256CaNamedAfterItsCluster) {
  auto ca = create_root_ca("cluster-one");
  ASSERT_TRUE(ca.ok()) << ca.error().what();
  auto cert = read_certificate_pem(ca->cert_pem, "ca");
  ASSERT_TRUE(cert.ok()) << cert.error().what();
  EXPECT_EQ(X509_check_issued(cert->get(), cert->get()), X509_V_OK);
  EXPECT_EQ(X509_verify(cert->get(), X509_get0_pubkey(cert->get())), 1);
  EXPECT_GE(X509_check_ca(cert->get()), 1);
  EXPECT_EQ(subject_field(cert->get(), NID_commonName), "swarm-ca");
  EXPECT_EQ(subject_field(cert->get(), NID_organizationName), "cluster-one");
  char group[64] = {};
  EXPECT_EQ(EVP_PKEY_get_utf8_string_param(X509_get0_pubkey(cert->get()),
                                           OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr),
            1);
  EXPECT_STREQ(group, "prime256v1");
}

TEST(RootCa, KeyBelongsToTheCertificate) {
  auto ca = create_root_ca("cluster-one");
  ASSERT_TRUE(ca.ok()) << ca.error().what();
  auto cert = read_certificate_pem(ca->cert_pem, "ca");
  auto key = read_private_key_pem(ca->key_pem, "key");
  ASSERT_TRUE(cert.ok() && key.ok());
  EXPECT_EQ(X509_check_private_key(cert->get(), key->get()), 1);
}

TEST(RootCa, LivesTwentyYearsFromAnHourAgo) {
  const int64_t now_ms = 1'800'000'000'000;
  auto ca = create_root_ca("cluster-one", now_ms);
  ASSERT_TRUE(ca.ok()) << ca.error().what();
  auto cert = read_certificate_pem(ca->cert_pem, "ca");
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(seconds_of(X509_get0_notBefore(cert->get())), now_ms / 1000 - 3600);
  EXPECT_EQ(seconds_of(X509_get0_notAfter(cert->get())), now_ms / 1000 + 20LL * 365 * 86400);
}

TEST(RootCa, EmptyClusterIdIsRefused) {
  auto ca = create_root_ca("");
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(ca.error().what().find("cluster id is empty"), std::string::npos) << ca.error().what();
}

TEST(CaDigest, IsTheSha256OfTheDerInBase36) {
  auto digest = ca_digest(kFixtureCaPem);
  ASSERT_TRUE(digest.ok()) << digest.error().what();
  EXPECT_EQ(*digest, kFixtureCaDigest);
}

TEST(CaDigest, DependsOnTheCertificateNotOnThePemText) {
  // Text before the PEM block and a re-encoded copy are the same certificate.
  std::string with_preamble = "subject=O=fixture-cluster\n";
  with_preamble += kFixtureCaPem;
  auto cert = read_certificate_pem(kFixtureCaPem, "fixture");
  ASSERT_TRUE(cert.ok());
  auto rewritten = certificate_to_pem(cert->get());
  ASSERT_TRUE(rewritten.ok());
  EXPECT_EQ(*ca_digest(with_preamble), kFixtureCaDigest);
  EXPECT_EQ(*ca_digest(*rewritten), kFixtureCaDigest);
}

TEST(CaDigest, IsFiftyBase36CharactersAndDiffersBetweenCas) {
  auto first = create_root_ca("cluster-one");
  auto second = create_root_ca("cluster-one");
  ASSERT_TRUE(first.ok() && second.ok());
  auto a = ca_digest(first->cert_pem);
  auto b = ca_digest(second->cert_pem);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 50u);
  EXPECT_TRUE(is_base36(*a)) << *a;
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*ca_digest(first->cert_pem), *a);
}

TEST(CaDigest, TextThatIsNotACertificateIsRefusedByName) {
  auto digest = ca_digest("hello");
  ASSERT_FALSE(digest.ok());
  EXPECT_NE(digest.error().what().find("the CA certificate is not a PEM certificate"),
            std::string::npos)
      << digest.error().what();
}

}  // namespace
}  // namespace miniswarm::ca
