/**
 * @file root_ca.hpp
 * @brief The cluster's root certificate authority: made once by `miniswarm init`, trusted by every node.
 *
 * A swarm has no passwords. A node is whoever holds a private key whose certificate
 * the cluster's root CA signed; managers and workers prove who they are to each other
 * by mutual TLS, and the certificate says which node (CN), which role (OU) and which
 * cluster (O) it belongs to (node_certificate.hpp). Everything rests on this one key
 * pair, which `swarm init` makes and keeps in the store (Cluster::ca_cert_pem and
 * ca_key_pem; only managers ever read the key).
 *
 * The CA's certificate is self-signed, CN=swarm-ca (Swarm's name), O=<cluster id> (the
 * kit's addition, so a certificate can be matched to a cluster by reading it), ECDSA
 * P-256, valid 20 years (validity.hpp), with `CA:TRUE, pathlen:0`: it may sign node
 * certificates but no intermediate CA.
 *
 * ca_digest() is how a joining node recognises this CA before trusting anything: the
 * SHA-256 of the certificate's DER bytes in base 36, 50 characters, the middle part of
 * every join token (join_token.hpp). A node that fetched a CA whose digest differs from
 * its token's is talking to the wrong cluster, or to a man in the middle.
 *
 * Left out: CA rotation (`docker swarm ca --rotate`, cross-signed intermediates) and
 * external CAs (`--external-ca`).
 *
 * Docs: Docker's "Manage swarm security with public key infrastructure (PKI)"; SwarmKit
 * ca/certificates.go. Man pages: openssl-x509(1), x509v3_config(5).
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/validity.hpp"

namespace miniswarm::ca {

using minirun::sys::Result;

/// The root CA's common name, as Swarm names it.
inline constexpr const char* kRootCaCommonName = "swarm-ca";

/// The CA as the store keeps it: certificate and private key, both PEM.
struct RootCa {
  std::string cert_pem;
  std::string key_pem;  ///< secret: never logged, only managers hold it
};

/// A new self-signed root CA for `cluster_id` (ECDSA P-256, valid 20 years from an hour
/// before `now_ms`).
Result<RootCa> create_root_ca(const std::string& cluster_id, int64_t now_ms = wall_clock_ms());

/// The SHA-256 of the certificate's DER encoding, in base 36, zero-padded to 50
/// characters: the `<digest>` of SWMTKN-1-<digest>-<secret>.
Result<std::string> ca_digest(const std::string& cert_pem);

}  // namespace miniswarm::ca
