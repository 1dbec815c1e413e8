/**
 * @file root_ca.cpp
 * @brief Making the self-signed root CA, and its digest for join tokens.
 */
#include "miniswarm/ca/root_ca.hpp"

#include <openssl/sha.h>

#include <array>

#include "miniswarm/ca/base36.hpp"
#include "miniswarm/ca/certificate_builder.hpp"
#include "miniswarm/ca/pem.hpp"

namespace miniswarm::ca {

Result<RootCa> create_root_ca(const std::string& cluster_id, int64_t now_ms) {
  if (cluster_id.empty()) {
    return minirun::sys::Error("create the root CA: the cluster id is empty (give the Cluster an id first)");
  }
  auto key = generate_p256_key();
  if (!key) return std::move(key.error()).context("create the root CA");
  auto name = make_name({{"O", cluster_id}, {"CN", kRootCaCommonName}});
  if (!name) return std::move(name.error()).context("create the root CA");

  // Self-signed: the CA is its own subject and issuer.
  auto cert = start_certificate(name->get(), name->get(), key->get(), now_ms - kCertBackdateMs,
                                now_ms + kRootCaValidityMs);
  if (!cert) return std::move(cert.error()).context("create the root CA");
  X509* ca = cert->get();
  // pathlen:0 lets the CA sign end-entity certificates only: a node certificate, even a
  // manager's, can never act as a CA (its own basicConstraints say CA:FALSE as well).
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    auto added = add_extension(ca, ca, nid, value);
    if (!added) return std::move(added.error()).context("create the root CA");
  }
  auto signed_ok = sign_certificate(ca, key->get());
  if (!signed_ok) return std::move(signed_ok.error()).context("create the root CA");

  auto cert_pem = certificate_to_pem(ca);
  if (!cert_pem) return std::move(cert_pem.error()).context("create the root CA");
  auto key_pem = private_key_to_pem(key->get());
  if (!key_pem) return std::move(key_pem.error()).context("create the root CA");
  return RootCa{std::move(*cert_pem), std::move(*key_pem)};
}

Result<std::string> ca_digest(const std::string& cert_pem) {
  auto cert = read_certificate_pem(cert_pem, "the CA certificate");
  if (!cert) return std::move(cert.error());
  // The digest is over the DER bytes, not the PEM text: the same certificate can be
  // written with different line endings or headers, its DER encoding is unique.
  auto der = certificate_to_der(cert->get());
  if (!der) return std::move(der.error());
  std::array<unsigned char, SHA256_DIGEST_LENGTH> sha{};
  unsigned int size = 0;
  if (EVP_Digest(der->data(), der->size(), sha.data(), &size, EVP_sha256(), nullptr) != 1) {
    return openssl_error("hash the CA certificate with SHA-256");
  }
  return encode_base36(sha, 50);
}

}  // namespace miniswarm::ca
