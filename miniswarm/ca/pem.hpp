/**
 * @file pem.hpp
 * @brief Certificates, keys and CSRs to and from PEM text, and PEM files only their owner reads.
 *
 * The swarm moves all its key material as PEM: the `-----BEGIN CERTIFICATE-----` text
 * that `openssl x509 -text` reads. It is what the store keeps (Cluster::ca_cert_pem), what
 * GET /v1/ca returns, what a node writes to disk, and what a learner can paste into
 * `openssl` to look inside. Only these functions turn PEM into OpenSSL objects and back,
 * so every "this is not a certificate" error names the input it came from (`what`).
 *
 * Private keys are written unencrypted (PKCS#8, "BEGIN PRIVATE KEY"), with mode 0600:
 * whoever can read the file is the node. Swarm can encrypt manager keys at rest
 * (`docker swarm init --autolock`); the kit leaves that out.
 *
 * Man pages: pem(3) (PEM_read_bio_X509, PEM_write_bio_PrivateKey), openssl-x509(1),
 * open(2) (O_NOFOLLOW), rename(2).
 */
#pragma once

#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/openssl_handles.hpp"

namespace miniswarm::ca {

using minirun::sys::Result;

/// The first certificate in `pem`. `what` names it in the error ("the CA certificate").
Result<X509Ptr> read_certificate_pem(std::string_view pem, std::string_view what);
/// A private key (PKCS#8 or the traditional EC/RSA forms), unencrypted.
Result<EvpPkeyPtr> read_private_key_pem(std::string_view pem, std::string_view what);
/// A certificate signing request ("BEGIN CERTIFICATE REQUEST").
Result<X509ReqPtr> read_csr_pem(std::string_view pem, std::string_view what);

Result<std::string> certificate_to_pem(X509* cert);
Result<std::string> private_key_to_pem(EVP_PKEY* key);
Result<std::string> csr_to_pem(X509_REQ* csr);

/// The certificate's DER bytes (what its digest is taken over).
Result<std::string> certificate_to_der(X509* cert);

/// Writes `pem` to `path` with mode 0600, atomically (a temporary file in the same
/// directory, fsync, rename), so a crash never leaves half a key and a reader never sees
/// one. Refuses to follow a symbolic link at `path`'s temporary name.
Result<void> write_pem_file(const std::string& path, std::string_view pem);

}  // namespace miniswarm::ca
