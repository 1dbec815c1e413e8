/**
 * @file join_token.hpp
 * @brief SWMTKN-1-<digest>-<secret>: the one string that lets a machine join a swarm.
 *
 * `miniswarm join-token worker` prints a token like Docker's:
 *
 *     SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx
 *     ^prefix  ^version ^ CA digest: 50 base-36 chars            ^ secret: 25 base-36 chars
 *
 * The two parts do two different jobs, and the order a joining node uses them in is
 * the whole security story of joining:
 *
 * - the **digest** (root_ca.hpp, ca_digest) lets the *node* trust the *manager*. The node
 *   has no CA yet, so it fetches the CA certificate without verifying anything and
 *   accepts it only if its SHA-256 matches the digest (api/tls_client.hpp,
 *   fetch_ca_with_token). A man in the middle cannot make a CA with a chosen digest.
 *   From then on the node pins that CA;
 * - the **secret** lets the *manager* trust the *node*: it is 128 bits of randomness that
 *   only someone who was given the token knows. Workers and managers get different
 *   secrets (same digest), and which one matched decides the role written into the
 *   node's certificate. The manager compares in constant time (secrets_equal), so the
 *   time a refusal takes says nothing about how many leading characters were right.
 *
 * The secret is sent only over TLS to a manager whose CA matched the digest, never
 * logged, and never part of an error message. `join-token --rotate` replaces a secret
 * (new_token_secret) and the old token stops working; the digest changes only with the CA.
 *
 * Left out: version 2 tokens (SWMTKN-2-<fips>-..., Swarm's FIPS flag).
 *
 * Docs: `docker swarm join-token`; SwarmKit ca/config.go (ParseJoinToken, GenerateJoinToken).
 * Man pages: CRYPTO_memcmp(3).
 */
#pragma once

#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::ca {

using minirun::sys::Result;

inline constexpr std::string_view kJoinTokenPrefix = "SWMTKN";
inline constexpr std::string_view kJoinTokenVersion = "1";
inline constexpr size_t kCaDigestLength = 50;     ///< base-36 digits of a SHA-256
inline constexpr size_t kTokenSecretLength = 25;  ///< base-36 digits of 128 bits

/// The two meaningful parts of a token.
struct JoinToken {
  std::string ca_digest;  ///< ca_digest() of the cluster's root CA
  std::string secret;     ///< the worker's or the manager's secret
  bool operator==(const JoinToken&) const = default;
};

/// A new secret: 128 random bits (getrandom(2)) in 25 base-36 characters.
std::string new_token_secret();

/// "SWMTKN-1-<digest>-<secret>".
std::string format_join_token(const JoinToken& token);

/// Reads a token (surrounding white space, e.g. a pasted newline, is ignored). Each error
/// names the malformed part: prefix, number of parts, version, digest or secret.
Result<JoinToken> parse_join_token(std::string_view text);

/// Constant-time equality (CRYPTO_memcmp); different lengths are unequal. Two empty
/// strings are unequal too: an unset secret must never match an empty one.
bool secrets_equal(std::string_view a, std::string_view b);

/// The token for `role` in `cluster` (what `miniswarm join-token worker` prints).
Result<std::string> join_token_for(const Cluster& cluster, NodeRole role);

/// The manager's check of a presented token: the digest must be this cluster's CA's,
/// and the secret must equal the worker or the manager secret; returns that role.
Result<NodeRole> check_join_token(const Cluster& cluster, std::string_view text);

}  // namespace miniswarm::ca
