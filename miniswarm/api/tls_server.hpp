/**
 * @file tls_server.hpp
 * @brief The manager's HTTPS server: mutual TLS, and a rule per route about who may call it.
 *
 * Every conversation in a swarm (a worker's heartbeat, `miniswarm service create` from
 * another machine, a manager asking a manager) is HTTP+JSON over TLS to a manager, and
 * the caller is identified by the certificate it presents, never by its address. This
 * wraps cpp-httplib's SSLServer to do that:
 *
 * - it serves with the manager's own node certificate (a manager is a node with
 *   OU=swarm-manager; create() refuses a worker's), TLS 1.2 or later only;
 * - it *requests* a client certificate and verifies it against the cluster CA, but does
 *   not *require* one at the TLS layer: SSL_VERIFY_PEER without
 *   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, and a verify callback that lets a failed
 *   verification finish the handshake. A machine that has not joined yet has no
 *   certificate, and it must still reach the two bootstrap routes: GET /v1/ca (served
 *   here, for everyone, see fetch_ca_with_token in tls_client.hpp) and POST /v1/join;
 * - so the decision moves from the handshake to each route (peer_identity.hpp), where
 *   an Access rule is enforced before the handler runs:
 *
 *   | Access    | no / refused certificate | worker's certificate | manager's certificate |
 *   |-----------|--------------------------|----------------------|-----------------------|
 *   | kAnyone   | handler (peer = none)    | handler (peer set)   | handler (peer set)    |
 *   | kNode     | 401                      | handler              | handler               |
 *   | kManager  | 401                      | 403                  | handler               |
 *
 *   with a JSON body {"message": "..."} that says what to do ("this API is for
 *   managers; node x is a worker"). A handler therefore never checks authentication
 *   itself, and reads the caller's node id from `peer` rather than from the request.
 *
 * Routes are added before start(); the server runs its accept loop in a background
 * thread, a pool of 64 threads serves the requests (a handler may block, e.g. a long
 * poll), and the destructor stops it all and joins. Port 0 asks the kernel for a free
 * port; port() says which. The port is bound without SO_REUSEPORT, so a second manager
 * on the same port fails to start instead of sharing the connections.
 *
 * cpp-httplib 0.11.4 (Debian 12) also serves on a Unix domain socket
 * (Server::set_address_family(AF_UNIX), the path as host); that is for the local CLI
 * socket, not this TLS server.
 *
 * Left out: certificate reload without restart, per-node rate limits, HTTP/2 (Swarm
 * speaks gRPC; the kit speaks HTTP/1.1 JSON, which a learner can watch with curl).
 *
 * Man pages: SSL_CTX_set_verify(3), SSL_CTX_set_min_proto_version(3),
 * SSL_CTX_set_session_id_context(3). Docs: cpp-httplib README ("SSL support").
 */
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "minirun/sys/error.hpp"
#include "miniswarm/ca/node_identity.hpp"

namespace miniswarm::api {

using minirun::sys::Result;

/// Where the cluster CA is served to anyone (the first step of joining).
inline constexpr const char* kCaRoute = "/v1/ca";

/// Who may call a route (table in the file comment).
enum class Access { kAnyone, kNode, kManager };

/// A route's handler: the request, the response to fill, and the verified caller (none
/// for a caller without a valid certificate of this cluster; only kAnyone sees that).
using TlsHandler = std::function<void(const httplib::Request&, httplib::Response&,
                                      const std::optional<ca::Identity>& peer)>;

/// Sets `status` and the body {"message": message} (application/json).
void set_error_reply(httplib::Response& response, int status, std::string_view message);

class TlsServer {
 public:
  /// A server for the manager whose credentials these are: the certificate must verify
  /// against the CA and be a manager's; the key must match it.
  static Result<std::unique_ptr<TlsServer>> create(const ca::NodeCredentials& manager);

  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;
  /// Stops and joins (stop()).
  ~TlsServer();

  // Adding routes: before start() (httplib's route tables are not locked).
  void get(const std::string& pattern, Access access, TlsHandler handler);
  void post(const std::string& pattern, Access access, TlsHandler handler);
  void put(const std::string& pattern, Access access, TlsHandler handler);
  void del(const std::string& pattern, Access access, TlsHandler handler);

  /// Binds host:port (0 = any free port), starts serving in a background thread, and
  /// returns once connections are accepted. Returns the bound port.
  Result<int> start(const std::string& host, int port);
  /// The bound port (0 before start()).
  int port() const { return port_; }
  /// Stops accepting, waits for the serving thread. Safe to call twice.
  void stop();

  /// The identity this server presents (its node id; role manager).
  const ca::Identity& identity() const { return identity_; }

 private:
  TlsServer() = default;
  httplib::Server::Handler guarded(Access access, TlsHandler handler) const;
  void wait_until_serving_or_ended() const;

  std::unique_ptr<httplib::SSLServer> server_;
  ca::Identity identity_;
  std::string ca_cert_pem_;
  std::thread thread_;
  std::atomic<bool> loop_ended_{false};  ///< listen_after_bind returned
  int port_ = 0;
};

}  // namespace miniswarm::api
