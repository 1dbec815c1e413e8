/**
 * @file node_identity.hpp
 * @brief Who a certificate says its holder is (node id, role, cluster), and whether to believe it.
 *
 * In a swarm the certificate *is* the identity. The manager writes three facts into the
 * subject of every node certificate it signs, the way SwarmKit does:
 *
 *  | field | value                              | used for                             |
 *  |-------|------------------------------------|--------------------------------------|
 *  | CN    | the node id (25 base-36 chars)     | which Node row the caller is         |
 *  | OU    | `swarm-manager` or `swarm-worker`  | what the caller may do (api/ routes) |
 *  | O     | the cluster id                     | which swarm it belongs to            |
 *
 * Nothing else is trusted: not the address a request comes from, not a hostname, not a
 * header. Promoting a worker to a manager therefore means a new certificate with a new
 * OU, which is also how Swarm does it.
 *
 * verify_node_cert() is the whole check a manager makes: the chain ends at this
 * cluster's root CA, `now` lies inside the validity window, and the three fields are
 * present and well-formed (an OU other than the two roles is refused, and so is an O
 * that differs from the CA's own O). The TLS server (api/tls_server.hpp) gets the
 * chain and window checked by OpenSSL during the handshake and then reads the fields
 * with identity_from_certificate().
 *
 * Left out: revocation. A removed node's certificate stays cryptographically valid
 * until it expires; the manager refuses it because the node is no longer in the store.
 *
 * Man pages: X509_verify_cert(3), X509_STORE_CTX_set_time(3), X509_NAME_get_index_by_NID(3).
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/openssl_handles.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::ca {

using minirun::sys::Result;

/// What a node certificate asserts.
struct Identity {
  std::string node_id;     ///< CN
  NodeRole role = NodeRole::kWorker;  ///< OU
  std::string cluster_id;  ///< O
  bool operator==(const Identity&) const = default;
};

/// A node's TLS material, all PEM: the cluster CA it trusts, its certificate, its key.
/// An empty cert/key is a node that has not joined yet (it can only call the bootstrap
/// routes).
struct NodeCredentials {
  std::string ca_cert_pem;
  std::string cert_pem;
  std::string key_pem;  ///< secret: never logged
};

/// The OU written for a role: "swarm-manager" / "swarm-worker" (Swarm's names).
std::string_view role_unit(NodeRole role);
/// The role for an OU, or nullopt for anything else.
std::optional<NodeRole> role_from_unit(std::string_view unit);

/// Reads CN, OU and O from the subject. Checks form, not trust: call it on a
/// certificate whose chain was verified (verify_node_cert, or a TLS handshake).
Result<Identity> identity_from_certificate(const X509* cert);

/// Verifies `cert_pem` against the root CA at time `now_ms` and returns what it says.
/// Errors name the reason and the way out ("has expired ... join the swarm again").
Result<Identity> verify_node_cert(const std::string& ca_cert_pem, const std::string& cert_pem,
                                  int64_t now_ms);

/// The certificate's serial number in lower-case hex (Node::cert_serial).
Result<std::string> certificate_serial_hex(const std::string& cert_pem);

}  // namespace miniswarm::ca
