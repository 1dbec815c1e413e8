/**
 * @file validity.hpp
 * @brief How long the swarm's certificates live, and the clock they are measured with.
 *
 * Every X.509 certificate carries a window, notBefore..notAfter; a verifier refuses it
 * outside that window. Swarm's choices, which the kit keeps:
 *
 * - the root CA lives 20 years: replacing it means re-issuing every node's certificate
 *   (`docker swarm ca --rotate`), so it is made to outlive the cluster;
 * - a node certificate lives 90 days (`docker swarm update --cert-expiry`): a stolen
 *   node key stops working on its own, and renewing is routine, not an event;
 * - notBefore is set one hour in the past: a node whose clock is a few minutes behind
 *   the manager's would otherwise reject a certificate that is "not yet valid" in the
 *   first minutes of its life. (SwarmKit backdates the same way.)
 *
 * Times are milliseconds since the Unix epoch like everywhere in miniswarm (objects.hpp);
 * X.509 itself counts in seconds, so the milliseconds are truncated when written.
 *
 * Left out: renewal (SwarmKit renews at a random point in the second half of the
 * window); the kit's certificates are re-issued by joining again.
 *
 * Docs: RFC 5280 §4.1.2.5 (Validity); `docker swarm update --cert-expiry`.
 */
#pragma once

#include <cstdint>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/openssl_handles.hpp"

namespace miniswarm::ca {

inline constexpr int64_t kHourMs = 3600LL * 1000;
inline constexpr int64_t kDayMs = 24 * kHourMs;
inline constexpr int64_t kRootCaValidityMs = 20 * 365 * kDayMs;
inline constexpr int64_t kNodeCertValidityMs = 90 * kDayMs;
inline constexpr int64_t kCertBackdateMs = kHourMs;

/// Now, in milliseconds since the Unix epoch (CLOCK_REALTIME: certificates speak wall time).
int64_t wall_clock_ms();

/// Writes notBefore and notAfter into `cert`.
minirun::sys::Result<void> set_validity(X509* cert, int64_t not_before_ms, int64_t not_after_ms);

/// A certificate's notAfter, in milliseconds since the epoch.
minirun::sys::Result<int64_t> not_after_ms(const X509* cert);

}  // namespace miniswarm::ca
