/**
 * @file peer_identity.cpp
 * @brief The three cases of check_peer: no certificate, a refused one, a verified one.
 */
#include "miniswarm/api/peer_identity.hpp"

#include <openssl/x509_vfy.h>

namespace miniswarm::api {

PeerCheck check_peer(const SSL* ssl, const std::string& cluster_id) {
  PeerCheck check;
  if (ssl == nullptr) {
    check.refusal = "the connection is not TLS";
    return check;
  }
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) {
    check.refusal = "no client certificate was presented";
    return check;
  }
  // The handshake went on despite a failed verification (the server's verify callback
  // lets it, so that bootstrap routes stay reachable); the failure is remembered here.
  long verified = SSL_get_verify_result(ssl);
  if (verified != X509_V_OK) {
    check.refusal = std::string("the client certificate is not valid for this swarm (") +
                    X509_verify_cert_error_string(verified) + ")";
    return check;
  }
  auto identity = ca::identity_from_certificate(cert);
  if (!identity) {
    check.refusal = "the client certificate is not a node certificate: " + identity.error().what();
    return check;
  }
  if (identity->cluster_id != cluster_id) {
    check.refusal = "the client certificate is for cluster `" + identity->cluster_id +
                    "`, this is cluster `" + cluster_id + "`";
    return check;
  }
  check.identity = std::move(*identity);
  return check;
}

}  // namespace miniswarm::api
