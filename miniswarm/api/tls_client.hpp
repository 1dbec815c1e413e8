/**
 * @file tls_client.hpp
 * @brief Talking to a manager: pinned to the cluster CA, as a node; and the one unverified fetch that starts a join.
 *
 * After joining, a node trusts exactly one CA, its cluster's, and no other: not the
 * system's CA bundle, not a certificate that merely names the right host. TlsClient
 * checks the manager's certificate against that CA and, like SwarmKit, asks OpenSSL's
 * host-name check for the name "swarm-manager", which only a manager's certificate
 * carries (ca/node_certificate.hpp). The IP address or name used to reach the manager
 * is not checked: in a lab, nodes are addressed by IP and renumbered freely; identity
 * is the CA plus the certificate's role, not the address. When the node has a
 * certificate it presents it, and the server knows who is calling (tls_server.hpp).
 *
 * Before joining, a node has no CA to pin. fetch_ca_with_token() is the way out of
 * that chicken-and-egg, Swarm's: connect *without* verification, GET /v1/ca, and
 * accept the answer only if its SHA-256 equals the digest inside the join token
 * (ca/join_token.hpp). A man in the middle can answer the request but cannot produce a
 * CA with the token's digest. The node then pins that CA and sends its CSR with the
 * token's secret over a verified connection (TlsClient with no certificate yet).
 *
 * Failures come back as Errors that say what to try: "cannot reach the manager at
 * 10.0.0.1:2377 (Connection refused): is `miniswarm init` running there?". Timeouts:
 * connecting 2 s (a lab network either answers at once or not at all), reading
 * configurable (10 s by default).
 *
 * get_streamed() hands a body to the caller piece by piece as it arrives instead of
 * collecting it: an image layer may be larger than the memory a node can spare, and
 * the registry client (registry/image_puller.hpp) hashes and writes it as it comes.
 *
 * Left out: following several manager addresses (the caller retries with another),
 * connection pooling beyond httplib's keep-alive, proxies.
 *
 * Man pages: SSL_CTX_set_verify(3), X509_VERIFY_PARAM_set1_host(3), connect(2).
 */
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/ca/node_identity.hpp"

namespace miniswarm::api {

using minirun::sys::Result;

struct ClientTimeouts {
  std::chrono::milliseconds connect{2000};
  std::chrono::milliseconds read{10000};
};

/// An HTTP answer: any status (a 4xx is an answer, not a transport error).
struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

/// An answer whose body went to a receiver (get_streamed): the status, the headers,
/// and, for a status other than 200, the body itself (at most 64 KiB, an error's JSON).
struct StreamedReply {
  int status = 0;
  httplib::Headers headers;
  std::string error_body;
};

/// Takes one piece of a body; returning false cancels the transfer.
using BodyReceiver = std::function<bool(const char* data, size_t size)>;

class TlsClient {
 public:
  /// A client for host:port that trusts only `node.ca_cert_pem` and presents
  /// node.cert_pem / node.key_pem when both are set (a node that has not joined yet
  /// leaves them empty).
  static Result<std::unique_ptr<TlsClient>> create(const std::string& host, int port,
                                                   const ca::NodeCredentials& node,
                                                   ClientTimeouts timeouts = {});

  Result<Reply> get(const std::string& path);
  Result<Reply> post(const std::string& path, const std::string& body,
                     const std::string& content_type = "application/json");
  Result<Reply> put(const std::string& path, const std::string& body,
                    const std::string& content_type = "application/json");
  Result<Reply> del(const std::string& path);
  /// GET `path` with `headers`, passing a 200 answer's body to `receiver` as it
  /// arrives (nothing is kept in memory); other answers keep their body in the reply.
  /// A receiver that returns false ends the request with an error.
  Result<StreamedReply> get_streamed(const std::string& path, const BodyReceiver& receiver,
                                     const httplib::Headers& headers = {});

  /// "host:port", as errors name it.
  const std::string& address() const { return address_; }

 private:
  TlsClient() = default;
  Result<Reply> finish(const std::string& what, httplib::Result result);

  std::unique_ptr<httplib::SSLClient> client_;
  std::string host_;
  int port_ = 0;
  std::string address_;
  ClientTimeouts timeouts_;
  /// The first verification failure of the last handshake (X509_V_ERR_*, 0 = none),
  /// written by the verify callback, read to explain a failed handshake.
  std::atomic<int> verify_error_{0};
};

/// The bootstrap: GET /v1/ca from host:port without verifying the server, and return
/// the PEM only if its digest (ca_digest) equals `token.ca_digest`.
Result<std::string> fetch_ca_with_token(const std::string& host, int port,
                                        const ca::JoinToken& token, ClientTimeouts timeouts = {});

}  // namespace miniswarm::api
