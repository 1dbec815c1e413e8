/**
 * @file openssl_handles.hpp
 * @brief OpenSSL objects that free themselves, and OpenSSL's error queue as an Error.
 *
 * OpenSSL is a C library: every `X509_new()` wants its `X509_free()`, on every path,
 * including the early returns of a function that checks eight things. The kit holds each
 * such pointer in a `std::unique_ptr` with the matching free function as its deleter
 * (the same habit as UniqueFd for file descriptors), so a certificate, a key or a BIO
 * cannot leak however a function ends.
 *
 * OpenSSL reports failures by pushing entries on a per-thread error queue (ERR_get_error(3)).
 * openssl_error() pops the whole queue into one message after the caller's own words,
 * so the learner reads "sign the node certificate: ... ec_lib.c: invalid private key"
 * instead of a bare "failed", and a stale entry never surfaces in a later, unrelated error.
 *
 * Left out: the SSL and SSL_CTX handles, which only the api/ layer uses (it owns them
 * through cpp-httplib).
 *
 * Man pages: ERR_get_error(3), ERR_error_string(3), X509_free(3), EVP_PKEY_free(3).
 */
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace miniswarm::ca {

/// A deleter that calls OpenSSL's free function for the type (BIO_free's int result is
/// dropped on purpose: a destructor has nobody to tell).
template <auto FreeFunction>
struct OpenSslFree {
  template <class T>
  void operator()(T* p) const noexcept {
    FreeFunction(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OpenSslFree<&BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<&BN_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<&EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslFree<&EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<&X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OpenSslFree<&X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslFree<&X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslFree<&X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslFree<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslFree<&X509_STORE_CTX_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OpenSslFree<&ASN1_INTEGER_free>>;

/// Empties this thread's OpenSSL error queue into one line ("" when it was empty).
inline std::string drain_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(code, line, sizeof line);
    if (!text.empty()) text += "; ";
    text += line;
  }
  return text;
}

/// An Error saying what failed, followed by OpenSSL's own reasons when it gave any.
inline minirun::sys::Error openssl_error(std::string_view what) {
  std::string message(what);
  std::string reasons = drain_openssl_errors();
  if (!reasons.empty()) message += " (OpenSSL: " + reasons + ")";
  return minirun::sys::Error(std::move(message));
}

}  // namespace miniswarm::ca
