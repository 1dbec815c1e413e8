/**
 * @file certificate_builder.cpp
 * @brief The X.509 building steps of certificate_builder.hpp, one OpenSSL call each.
 */
#include "miniswarm/ca/certificate_builder.hpp"

#include "miniswarm/ca/validity.hpp"

namespace miniswarm::ca {

Result<EvpPkeyPtr> generate_p256_key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return openssl_error("generate an ECDSA P-256 key");
  return key;
}

Result<X509NamePtr> make_name(const std::vector<std::pair<std::string, std::string>>& fields) {
  X509NamePtr name(X509_NAME_new());
  if (!name) return openssl_error("allocate a certificate name");
  for (const auto& [field, value] : fields) {
    // MBSTRING_UTF8: OpenSSL picks the ASN.1 string type that fits the value.
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return openssl_error("set " + field + "=" + value + " in a certificate name");
    }
  }
  return name;
}

Result<X509Ptr> start_certificate(const X509_NAME* subject, const X509_NAME* issuer,
                                  EVP_PKEY* subject_key, int64_t not_before_ms,
                                  int64_t not_after_ms) {
  X509Ptr cert(X509_new());
  if (!cert) return openssl_error("allocate a certificate");
  // The value 2 means version 3 (the field counts from 0); v3 is what allows extensions.
  if (X509_set_version(cert.get(), 2) != 1) return openssl_error("set certificate version 3");

  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return openssl_error("draw a random certificate serial");
  }
  if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return openssl_error("set the certificate serial");
  }
  if (X509_set_subject_name(cert.get(), subject) != 1 ||
      X509_set_issuer_name(cert.get(), issuer) != 1) {
    return openssl_error("set the certificate's subject and issuer");
  }
  if (X509_set_pubkey(cert.get(), subject_key) != 1) {
    return openssl_error("set the certificate's public key");
  }
  auto window = set_validity(cert.get(), not_before_ms, not_after_ms);
  if (!window) return std::move(window.error());
  return cert;
}

Result<void> add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
    return openssl_error(std::string("add the ") + OBJ_nid2sn(nid) + " extension `" + value + "`");
  }
  return minirun::sys::ok();
}

Result<void> sign_certificate(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) return openssl_error("sign the certificate");
  return minirun::sys::ok();
}

}  // namespace miniswarm::ca
