/**
 * @file node_certificate.cpp
 * @brief make_key_and_csr on the node, sign_node_csr on the manager.
 */
#include "miniswarm/ca/node_certificate.hpp"

#include <openssl/core_names.h>

#include <algorithm>

#include "miniswarm/ca/base36.hpp"
#include "miniswarm/ca/certificate_builder.hpp"
#include "miniswarm/ca/pem.hpp"

namespace miniswarm::ca {

using minirun::sys::Error;

namespace {

/// The CSR's public key, after checking that the CSR was signed with the matching
/// private key (proof of possession) and that it is P-256 like every swarm key.
Result<EvpPkeyPtr> checked_csr_key(X509_REQ* csr) {
  EvpPkeyPtr key(X509_REQ_get_pubkey(csr));
  if (!key) return openssl_error("the CSR carries no public key");
  if (X509_REQ_verify(csr, key.get()) != 1) {
    drain_openssl_errors();
    return Error("the CSR's signature does not match its public key: it was not made by the "
                 "holder of that key (make it with make_key_and_csr)");
  }
  char group[64] = {};
  if (!EVP_PKEY_is_a(key.get(), "EC") ||
      EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     nullptr) != 1 ||
      std::string_view(group) != "prime256v1") {
    drain_openssl_errors();
    return Error("the CSR's key is not ECDSA P-256, the only key type a swarm signs "
                 "(make it with make_key_and_csr)");
  }
  return key;
}

/// The O of the CA's subject: the cluster the CA belongs to (root_ca.hpp).
Result<std::string> ca_cluster_of(X509* ca) {
  const X509_NAME* subject = X509_get_subject_name(ca);
  int at = X509_NAME_get_index_by_NID(subject, NID_organizationName, -1);
  if (at < 0) return Error("the CA certificate has no O (cluster id): it was not made by create_root_ca");
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

}  // namespace

Result<KeyAndCsr> make_key_and_csr() {
  auto key = generate_p256_key();
  if (!key) return std::move(key.error()).context("make the node's key");
  X509ReqPtr csr(X509_REQ_new());
  // Version 1 of PKCS#10 is encoded as 0. The subject stays empty: the manager names us.
  if (!csr || X509_REQ_set_version(csr.get(), 0) != 1 ||
      X509_REQ_set_pubkey(csr.get(), key->get()) != 1 ||
      X509_REQ_sign(csr.get(), key->get(), EVP_sha256()) <= 0) {
    return openssl_error("make the node's certificate signing request");
  }
  auto key_pem = private_key_to_pem(key->get());
  if (!key_pem) return std::move(key_pem.error());
  auto csr_pem = csr_to_pem(csr.get());
  if (!csr_pem) return std::move(csr_pem.error());
  return KeyAndCsr{std::move(*key_pem), std::move(*csr_pem)};
}

Result<std::string> sign_node_csr(const RootCa& ca, const std::string& csr_pem,
                                  const Identity& identity, int64_t valid_for_ms,
                                  int64_t now_ms) {
  const std::string doing = "sign the certificate of node `" + identity.node_id + "`";
  // The id goes into a DNS name (subjectAltName) and into OpenSSL's config syntax,
  // where a comma would start a new entry: only ids as new_object_id() makes them.
  if (!is_base36(identity.node_id)) {
    return Error("the node id must be lower-case letters and digits (new_object_id())")
        .context(doing);
  }
  if (valid_for_ms <= 0) {
    return Error("the validity must be positive (got " + std::to_string(valid_for_ms) + " ms)")
        .context(doing);
  }
  auto ca_cert = read_certificate_pem(ca.cert_pem, "the CA certificate");
  if (!ca_cert) return std::move(ca_cert.error()).context(doing);
  auto ca_key = read_private_key_pem(ca.key_pem, "the CA key");
  if (!ca_key) return std::move(ca_key.error()).context(doing);
  if (X509_check_private_key(ca_cert->get(), ca_key->get()) != 1) {
    drain_openssl_errors();
    return Error("the CA key does not belong to the CA certificate (a mixed-up store?)")
        .context(doing);
  }
  auto owner = ca_cluster_of(ca_cert->get());
  if (!owner) return std::move(owner.error()).context(doing);
  if (*owner != identity.cluster_id) {
    return Error("the identity names cluster `" + identity.cluster_id + "` but this CA is cluster `" +
                 *owner + "`")
        .context(doing);
  }
  auto csr = read_csr_pem(csr_pem, "the CSR");
  if (!csr) return std::move(csr.error()).context(doing);
  auto node_key = checked_csr_key(csr->get());
  if (!node_key) return std::move(node_key.error()).context(doing);

  auto ca_not_after = not_after_ms(ca_cert->get());
  if (!ca_not_after) return std::move(ca_not_after.error()).context(doing);
  int64_t not_after = std::min(now_ms + valid_for_ms, *ca_not_after);

  std::string unit(role_unit(identity.role));
  auto subject = make_name({{"O", identity.cluster_id}, {"OU", unit}, {"CN", identity.node_id}});
  if (!subject) return std::move(subject.error()).context(doing);
  auto cert = start_certificate(subject->get(), X509_get_subject_name(ca_cert->get()),
                                node_key->get(), now_ms - kCertBackdateMs, not_after);
  if (!cert) return std::move(cert.error()).context(doing);
  X509* node = cert->get();
  const std::string alt_names = "DNS:" + unit + ",DNS:" + identity.node_id;
  for (auto [nid, value] : {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_ext_key_usage, "serverAuth,clientAuth"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_authority_key_identifier, "keyid:always"},
                            {NID_subject_alt_name, alt_names}}) {
    auto added = add_extension(node, ca_cert->get(), nid, value);
    if (!added) return std::move(added.error()).context(doing);
  }
  auto signed_ok = sign_certificate(node, ca_key->get());
  if (!signed_ok) return std::move(signed_ok.error()).context(doing);
  return certificate_to_pem(node);
}

}  // namespace miniswarm::ca
