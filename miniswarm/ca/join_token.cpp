/**
 * @file join_token.cpp
 * @brief Making, printing, reading and checking join tokens.
 */
#include "miniswarm/ca/join_token.hpp"

#include <openssl/crypto.h>

#include <vector>

#include "miniswarm/ca/base36.hpp"
#include "miniswarm/ca/root_ca.hpp"

namespace miniswarm::ca {

using minirun::sys::Error;

std::string new_token_secret() {
  // A token secret and an object id are the same thing: 128 bits from getrandom(2) in
  // 25 base-36 digits (SwarmKit draws both from crypto/rand the same way). One
  // generator, written once, in objects.cpp.
  return new_object_id();
}

std::string format_join_token(const JoinToken& token) {
  std::string text(kJoinTokenPrefix);
  text += '-';
  text += kJoinTokenVersion;
  text += '-';
  text += token.ca_digest;
  text += '-';
  text += token.secret;
  return text;
}

Result<JoinToken> parse_join_token(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = text.find_first_not_of(kSpace);
  text = first == std::string_view::npos ? std::string_view{} : text.substr(first);
  text = text.substr(0, text.find_last_not_of(kSpace) + 1);

  const std::string shape = "a join token looks like SWMTKN-1-<50 characters>-<25 characters>";
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t dash = text.find('-', start);
    parts.push_back(text.substr(start, dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts[0] != kJoinTokenPrefix) {
    return Error("the join token does not start with SWMTKN-: " + shape +
                 " (copy the whole line `miniswarm join-token worker` prints)");
  }
  if (parts.size() != 4) {
    return Error("the join token has " + std::to_string(parts.size()) +
                 " parts separated by '-', not 4: " + shape);
  }
  if (parts[1] != kJoinTokenVersion) {
    return Error("join token version `" + std::string(parts[1]) +
                 "` is not supported; this kit reads version 1 (SWMTKN-1-...)");
  }
  if (parts[2].size() != kCaDigestLength) {
    return Error("the join token's CA digest (third part) has " + std::to_string(parts[2].size()) +
                 " characters, not 50: " + shape);
  }
  if (!is_base36(parts[2])) {
    return Error("the join token's CA digest (third part) has characters other than 0-9 and a-z");
  }
  if (parts[3].size() != kTokenSecretLength) {
    return Error("the join token's secret (last part) has " + std::to_string(parts[3].size()) +
                 " characters, not 25: " + shape);
  }
  if (!is_base36(parts[3])) {
    return Error("the join token's secret (last part) has characters other than 0-9 and a-z");
  }
  return JoinToken{std::string(parts[2]), std::string(parts[3])};
}

bool secrets_equal(std::string_view a, std::string_view b) {
  // The length is not secret (every secret has 25 characters); the content is, so only
  // the content is compared in constant time.
  if (a.size() != b.size() || a.empty()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> join_token_for(const Cluster& cluster, NodeRole role) {
  const std::string& secret =
      role == NodeRole::kManager ? cluster.manager_token_secret : cluster.worker_token_secret;
  if (secret.empty()) {
    return Error("the cluster has no " + std::string(to_string(role)) +
                 " token secret (was `miniswarm init` completed?)");
  }
  auto digest = ca_digest(cluster.ca_cert_pem);
  if (!digest) return std::move(digest.error()).context("make the join token");
  return format_join_token(JoinToken{std::move(*digest), secret});
}

Result<NodeRole> check_join_token(const Cluster& cluster, std::string_view text) {
  auto token = parse_join_token(text);
  if (!token) return std::move(token.error());
  auto digest = ca_digest(cluster.ca_cert_pem);
  if (!digest) return std::move(digest.error()).context("check the join token");
  if (token->ca_digest != *digest) {
    return Error("the join token belongs to another swarm (its CA digest is not this "
                 "cluster's): ask this swarm's manager for `miniswarm join-token worker`");
  }
  // Both comparisons always run, so the time taken does not tell which one matched.
  bool manager = secrets_equal(token->secret, cluster.manager_token_secret);
  bool worker = secrets_equal(token->secret, cluster.worker_token_secret);
  if (manager) return NodeRole::kManager;
  if (worker) return NodeRole::kWorker;
  return Error("the join token's secret is neither this swarm's worker nor its manager "
               "secret (rotated with `join-token --rotate`?): ask a manager for the current token");
}

}  // namespace miniswarm::ca
