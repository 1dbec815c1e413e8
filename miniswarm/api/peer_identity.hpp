/**
 * @file peer_identity.hpp
 * @brief Who is on the other end of a TLS connection, according to its certificate.
 *
 * The manager's API server asks every client for a certificate but lets the handshake
 * finish without one (tls_server.hpp explains why). So each request carries one of
 * three answers, and this is the one place that tells them apart:
 *
 * - no certificate: a machine that has not joined yet (it may fetch the CA and join);
 * - a certificate that OpenSSL's verification refused during the handshake (another
 *   swarm's, an expired one, a self-made one): treated exactly like no certificate,
 *   with the verifier's reason kept for the 401 message;
 * - a verified certificate: its subject gives the node id, role and cluster
 *   (ca/node_identity.hpp), and the cluster must be this one.
 *
 * The verification itself (chain to the cluster CA, validity window, clientAuth usage)
 * was done by OpenSSL in the handshake; SSL_get_verify_result(3) reports its outcome.
 *
 * Man pages: SSL_get_verify_result(3), SSL_get0_peer_certificate(3).
 */
#pragma once

#include <openssl/ssl.h>

#include <optional>
#include <string>

#include "miniswarm/ca/node_identity.hpp"

namespace miniswarm::api {

/// The identity a connection proved, or why it proved none.
struct PeerCheck {
  std::optional<ca::Identity> identity;
  std::string refusal;  ///< when there is no identity: the reason, for a 401 message
};

/// Reads the verified peer of `ssl` (nullptr: not a TLS connection). `cluster_id` is
/// the server's own cluster; a certificate naming another is refused.
PeerCheck check_peer(const SSL* ssl, const std::string& cluster_id);

}  // namespace miniswarm::api
