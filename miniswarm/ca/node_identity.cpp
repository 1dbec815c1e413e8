/**
 * @file node_identity.cpp
 * @brief Reading the subject fields, and verifying a chain against the root CA at a given time.
 */
#include "miniswarm/ca/node_identity.hpp"

#include <cctype>

#include "miniswarm/ca/pem.hpp"

namespace miniswarm::ca {

using minirun::sys::Error;

namespace {

/// The one value of field `nid` in `name`. A second value is refused rather than
/// ignored: "which OU counts?" must never depend on the order a parser reads them.
Result<std::string> only_field(const X509_NAME* name, int nid, std::string_view label) {
  int at = X509_NAME_get_index_by_NID(name, nid, -1);
  if (at < 0) return Error("the certificate has no " + std::string(label) + " in its subject");
  if (X509_NAME_get_index_by_NID(name, nid, at) >= 0) {
    return Error("the certificate has more than one " + std::string(label) +
                 " in its subject; a node certificate has exactly one");
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

/// The verifier's reason, with what a learner can do about the common ones.
std::string explain_verify_error(int code) {
  std::string reason = X509_verify_cert_error_string(code);
  switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return reason + ": join the swarm again to get a new certificate";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return reason + ": is this machine's clock behind the manager's?";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return reason + ": it was not signed by this cluster's CA (a certificate from another swarm?)";
    default:
      return reason;
  }
}

}  // namespace

std::string_view role_unit(NodeRole role) {
  return role == NodeRole::kManager ? "swarm-manager" : "swarm-worker";
}

std::optional<NodeRole> role_from_unit(std::string_view unit) {
  if (unit == "swarm-manager") return NodeRole::kManager;
  if (unit == "swarm-worker") return NodeRole::kWorker;
  return std::nullopt;
}

Result<Identity> identity_from_certificate(const X509* cert) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  auto node_id = only_field(subject, NID_commonName, "CN (node id)");
  if (!node_id) return std::move(node_id.error());
  auto unit = only_field(subject, NID_organizationalUnitName, "OU (role)");
  if (!unit) return std::move(unit.error());
  auto cluster_id = only_field(subject, NID_organizationName, "O (cluster id)");
  if (!cluster_id) return std::move(cluster_id.error());

  auto role = role_from_unit(*unit);
  if (!role) {
    return Error("the certificate's OU is `" + *unit +
                 "`; a node certificate says swarm-manager or swarm-worker");
  }
  if (node_id->empty() || cluster_id->empty()) {
    return Error("the certificate's CN (node id) or O (cluster id) is empty");
  }
  return Identity{std::move(*node_id), *role, std::move(*cluster_id)};
}

Result<Identity> verify_node_cert(const std::string& ca_cert_pem, const std::string& cert_pem,
                                  int64_t now_ms) {
  auto ca = read_certificate_pem(ca_cert_pem, "the CA certificate");
  if (!ca) return std::move(ca.error());
  auto cert = read_certificate_pem(cert_pem, "the node certificate");
  if (!cert) return std::move(cert.error());

  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!store || !context || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_CTX_init(context.get(), store.get(), cert->get(), nullptr) != 1) {
    return openssl_error("set up certificate verification");
  }
  // The caller's clock, not the system's: a test can ask "is it valid in 100 days?",
  // and the manager checks with the same `now` it stamps into the store.
  X509_STORE_CTX_set_time(context.get(), 0, static_cast<time_t>(now_ms / 1000));
  // No purpose is set here: node certificates carry both serverAuth and clientAuth,
  // and the TLS layer checks the one that applies to its side of the handshake.
  if (X509_verify_cert(context.get()) != 1) {
    int code = X509_STORE_CTX_get_error(context.get());
    drain_openssl_errors();
    return Error("the node certificate is not valid for this cluster: " + explain_verify_error(code));
  }

  auto identity = identity_from_certificate(cert->get());
  if (!identity) return std::move(identity.error()).context("the node certificate");
  // The CA's O names the cluster (root_ca.hpp); a node certificate must agree with it.
  auto ca_cluster = only_field(X509_get_subject_name(ca->get()), NID_organizationName, "O");
  if (ca_cluster && *ca_cluster != identity->cluster_id) {
    return Error("the node certificate names cluster `" + identity->cluster_id +
                 "` but the CA is cluster `" + *ca_cluster + "`");
  }
  return identity;
}

Result<std::string> certificate_serial_hex(const std::string& cert_pem) {
  auto cert = read_certificate_pem(cert_pem, "the node certificate");
  if (!cert) return std::move(cert.error());
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert->get()), nullptr));
  if (!serial) return openssl_error("read the certificate serial");
  char* hex = BN_bn2hex(serial.get());
  if (!hex) return openssl_error("write the certificate serial as hex");
  std::string text(hex);
  OPENSSL_free(hex);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace miniswarm::ca
