/**
 * @file validity.cpp
 * @brief Reading and writing a certificate's validity window.
 *
 * ASN1_TIME_set writes UTCTime up to 2049 and GeneralizedTime after, as RFC 5280 asks;
 * a 20-year CA made today already crosses that line, which is why the writing is left to
 * OpenSSL rather than formatted by hand.
 */
#include "miniswarm/ca/validity.hpp"

#include <time.h>

namespace miniswarm::ca {

int64_t wall_clock_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

minirun::sys::Result<void> set_validity(X509* cert, int64_t not_before_ms, int64_t not_after_ms) {
  if (not_after_ms <= not_before_ms) {
    return minirun::sys::Error("certificate validity: notAfter (" + std::to_string(not_after_ms) +
                               " ms) must be later than notBefore (" +
                               std::to_string(not_before_ms) + " ms)");
  }
  if (!ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before_ms / 1000)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_after_ms / 1000))) {
    return openssl_error("set the certificate's validity window");
  }
  return minirun::sys::ok();
}

minirun::sys::Result<int64_t> not_after_ms(const X509* cert) {
  tm when{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &when) != 1) {
    return openssl_error("read the certificate's notAfter");
  }
  return static_cast<int64_t>(timegm(&when)) * 1000;
}

}  // namespace miniswarm::ca
