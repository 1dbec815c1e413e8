/**
 * @file node_certificate.hpp
 * @brief A node's certificate: key and request made on the node, signed by a manager.
 *
 * Joining a swarm ends with the joining node holding a certificate, and its private key
 * never leaving it. The two halves of that happen on two machines:
 *
 *  1. **on the node**, make_key_and_csr(): a fresh ECDSA P-256 key and a certificate
 *     signing request (CSR, PKCS#10) carrying the public key, signed with the private
 *     key to prove the node holds it. The request asks for no name: the node does not
 *     get to choose who it is;
 *  2. **on the manager**, after the join token's secret matched (join_token.hpp),
 *     sign_node_csr(): a new certificate for the CSR's public key with the subject the
 *     manager decides (node_identity.hpp): CN = a new node id, OU = the role that the
 *     token's secret stands for, O = the cluster id.
 *
 * Besides the subject, the certificate carries what TLS checks:
 *
 * - `basicConstraints CA:FALSE`: it can sign nothing;
 * - `keyUsage digitalSignature` and `extendedKeyUsage serverAuth, clientAuth`: every
 *   node is a TLS client, and a manager is also a server (Swarm gives both to all);
 * - `subjectAltName DNS:<role>, DNS:<node id>`: as SwarmKit does, so a client can ask
 *   OpenSSL's ordinary host-name check for "swarm-manager" and thereby refuse a
 *   worker's certificate presented by something pretending to be a manager
 *   (api/tls_client.hpp);
 * - validity: from an hour ago (validity.hpp) for `valid_for_ms` (90 days by default),
 *   cut at the CA's own notAfter, since no certificate can outlive its issuer.
 *
 * Left out: renewal and promotion (both are "sign a new CSR"), and keys other than P-256
 * (a CSR with another key is refused, naming make_key_and_csr as the way to make one).
 *
 * Docs: RFC 2986 (PKCS#10); Docker's "swarm mode PKI". Man pages: openssl-req(1),
 * X509_REQ_verify(3).
 */
#pragma once

#include <string>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/node_identity.hpp"
#include "miniswarm/ca/root_ca.hpp"
#include "miniswarm/ca/validity.hpp"

namespace miniswarm::ca {

using minirun::sys::Result;

/// The node's half: its private key (stays on the node) and the request it sends.
struct KeyAndCsr {
  std::string key_pem;  ///< secret: write it with write_pem_file (0600), never log it
  std::string csr_pem;
};

/// A fresh ECDSA P-256 key and a CSR for it, signed with it (node side).
Result<KeyAndCsr> make_key_and_csr();

/// Signs the CSR's public key as `identity` (manager side): checks the CSR's own
/// signature, its key type, that `identity` belongs to this CA's cluster and that the
/// CA key matches the CA certificate. `now_ms` is the clock of the signing manager.
Result<std::string> sign_node_csr(const RootCa& ca, const std::string& csr_pem,
                                  const Identity& identity,
                                  int64_t valid_for_ms = kNodeCertValidityMs,
                                  int64_t now_ms = wall_clock_ms());

}  // namespace miniswarm::ca
