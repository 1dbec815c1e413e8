/**
 * @file certificate_builder.hpp
 * @brief The parts every swarm certificate is made of: a P-256 key, a name, a serial,
 *        extensions, a signature.
 *
 * The root CA (root_ca.cpp) and the node certificates (node_certificate.cpp) are built
 * the same way, so the steps live here once, in the order X.509 wants them:
 *
 *  1. a key pair: ECDSA on the NIST P-256 curve, Swarm's choice (small keys, fast
 *     handshakes, supported by every TLS stack since 2010);
 *  2. a subject name, e.g. `O=<cluster id>, OU=swarm-worker, CN=<node id>`;
 *  3. version 3, a random 128-bit serial (RFC 5280 wants serials unique per CA; random
 *     ones need no counter stored anywhere), issuer, public key, validity;
 *  4. extensions (basicConstraints, keyUsage, ...), written in OpenSSL's config syntax
 *     ("critical,CA:TRUE") so they read like `openssl x509 -text` prints them;
 *  5. a signature by the issuer's key, ECDSA with SHA-256.
 *
 * Left out: RSA keys, certificate policies, CRL and OCSP pointers (Swarm has no
 * revocation list; removing a node from the store is what shuts it out).
 *
 * Man pages: EVP_EC_gen(3), X509_NAME_add_entry_by_txt(3), X509V3_EXT_conf_nid(3),
 * X509_sign(3). RFC 5280 §4.1 (certificate fields), §4.2 (extensions).
 */
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/openssl_handles.hpp"

namespace miniswarm::ca {

using minirun::sys::Result;

/// A fresh ECDSA P-256 key pair.
Result<EvpPkeyPtr> generate_p256_key();

/// A distinguished name from (short field name, value) pairs, in order: {{"O", id}, ...}.
Result<X509NamePtr> make_name(const std::vector<std::pair<std::string, std::string>>& fields);

/// A version-3 certificate with a random serial, the names, the public half of
/// `subject_key` and the validity window; not yet extended or signed.
Result<X509Ptr> start_certificate(const X509_NAME* subject, const X509_NAME* issuer,
                                  EVP_PKEY* subject_key, int64_t not_before_ms,
                                  int64_t not_after_ms);

/// Adds one extension in OpenSSL config syntax; `issuer` is the CA certificate (the
/// certificate itself for a self-signed one), needed by authorityKeyIdentifier.
Result<void> add_extension(X509* cert, X509* issuer, int nid, const std::string& value);

/// Signs with the issuer's key (ECDSA with SHA-256).
Result<void> sign_certificate(X509* cert, EVP_PKEY* issuer_key);

}  // namespace miniswarm::ca
