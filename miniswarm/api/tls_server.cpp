/**
 * @file tls_server.cpp
 * @brief The SSL_CTX set-up (one place, in order, with reasons), the per-route guard, the thread.
 */
#include "miniswarm/api/tls_server.hpp"

#include <nlohmann/json.hpp>

#include <chrono>

#include "miniswarm/api/peer_identity.hpp"
#include "miniswarm/ca/pem.hpp"
#include "miniswarm/ca/validity.hpp"

namespace miniswarm::api {

using minirun::sys::Error;

namespace {

/// Requests served at once (each waiting long poll is one); see create().
constexpr size_t kServerThreads = 64;

// Called by OpenSSL for each step of verifying the client's chain. Returning 1 even for
// a failed step lets the handshake finish; the failure stays in SSL_get_verify_result,
// which check_peer() reads for every request. Returning `ok` instead would make a
// foreign or expired certificate a handshake failure: no HTTP reply, no explanation.
int finish_handshake_anyway(int /*ok*/, X509_STORE_CTX* /*store*/) { return 1; }

/// The TLS settings of the manager's server; false (and OpenSSL's errors queued) on failure.
bool configure_server_context(SSL_CTX& context, X509* ca, X509* cert, EVP_PKEY* key) {
  SSL_CTX* ctx = &context;
  // 1. TLS 1.2 or later: older versions have known attacks and nothing in a swarm
  //    needs them.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return false;
  // 2. No compression (CRIME) and no renegotiation (nothing here uses it; it has a
  //    history of bugs).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // 3. Our identity: the manager's node certificate and its key.
  if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return false;
  }
  // 4. Whom we trust for client certificates: the cluster CA, and only it (the
  //    context's store starts empty; the system's CAs are never loaded). The CA's name
  //    is also sent to clients, telling them which certificate to present.
  if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca) != 1 ||
      SSL_CTX_add_client_CA(ctx, ca) != 1) {
    return false;
  }
  // 5. Ask for a client certificate but do not insist (file comment, and the callback).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, finish_handshake_anyway);
  // 6. A server that verifies clients must name its session cache, or a client that
  //    tries to resume a session gets a handshake failure ("session id context
  //    uninitialized").
  static const unsigned char kSessionContext[] = "miniswarm-manager";
  return SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1) == 1;
}

}  // namespace

void set_error_reply(httplib::Response& response, int status, std::string_view message) {
  response.status = status;
  response.set_content(nlohmann::json{{"message", message}}.dump(), "application/json");
}

Result<std::unique_ptr<TlsServer>> TlsServer::create(const ca::NodeCredentials& manager) {
  const char* doing = "set up the manager's TLS server";
  auto identity = ca::verify_node_cert(manager.ca_cert_pem, manager.cert_pem, ca::wall_clock_ms());
  if (!identity) return std::move(identity.error()).context(doing);
  if (identity->role != NodeRole::kManager) {
    return Error("the certificate is a worker's (node " + identity->node_id +
                 "); only a manager serves the API")
        .context(doing);
  }
  auto ca = ca::read_certificate_pem(manager.ca_cert_pem, "the CA certificate");
  auto cert = ca::read_certificate_pem(manager.cert_pem, "the manager certificate");
  auto key = ca::read_private_key_pem(manager.key_pem, "the manager key");
  if (!ca) return std::move(ca.error()).context(doing);
  if (!cert) return std::move(cert.error()).context(doing);
  if (!key) return std::move(key.error()).context(doing);

  std::unique_ptr<TlsServer> server(new TlsServer());
  // The callback runs inside the constructor; SSL_CTX_use_* take their own references,
  // so the parsed objects may go when this function returns.
  server->server_ = std::make_unique<httplib::SSLServer>([&](SSL_CTX& context) {
    return configure_server_context(context, ca->get(), cert->get(), key->get());
  });
  if (!server->server_->is_valid()) {
    return ca::openssl_error("configure TLS (certificate, key, client verification)").context(doing);
  }
  // httplib's default socket options add SO_REUSEPORT, which lets a second manager bind
  // the same port and silently receive half the connections. SO_REUSEADDR alone still
  // allows a restart while old connections sit in TIME_WAIT.
  server->server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Small request/answer exchanges: without TCP_NODELAY, Nagle's algorithm holds the
  // last TLS record back until the peer's delayed ACK, tens of milliseconds per call.
  server->server_->set_tcp_nodelay(true);
  // One thread per request in progress. httplib's default pool has 8 (on 2 cores), and
  // an agent's long poll for assignments holds one for up to 30 s: nine agents would
  // leave heartbeats queued until nodes were marked down. Idle threads cost only stack.
  server->server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server->identity_ = std::move(*identity);
  server->ca_cert_pem_ = manager.ca_cert_pem;

  // GET /v1/ca: the CA certificate, to anyone. It is public (every node holds it); the
  // joining node decides whether to believe it by its digest, not by this channel.
  server->get(kCaRoute, Access::kAnyone,
              [pem = server->ca_cert_pem_](const httplib::Request&, httplib::Response& response,
                                           const std::optional<ca::Identity>&) {
                response.set_content(pem, "application/x-pem-file");
              });
  server->server_->set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr failure) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        set_error_reply(response, 500, "internal error in " + request.method + " " + request.path +
                                           ": " + what + " (a bug: please report it)");
      });
  return server;
}

TlsServer::~TlsServer() { stop(); }

httplib::Server::Handler TlsServer::guarded(Access access, TlsHandler handler) const {
  return [this, access, handler = std::move(handler)](const httplib::Request& request,
                                                      httplib::Response& response) {
    PeerCheck peer = check_peer(request.ssl, identity_.cluster_id);
    if (access != Access::kAnyone && !peer.identity) {
      set_error_reply(response, 401,
                      "this API needs the certificate of a node of this swarm: " + peer.refusal +
                          " (join the swarm first with `miniswarm join --token ...`)");
      return;
    }
    if (access == Access::kManager && peer.identity->role != NodeRole::kManager) {
      set_error_reply(response, 403,
                      "this API is for managers; node " + peer.identity->node_id + " is a worker");
      return;
    }
    handler(request, response, peer.identity);
  };
}

void TlsServer::get(const std::string& pattern, Access access, TlsHandler handler) {
  server_->Get(pattern, guarded(access, std::move(handler)));
}
void TlsServer::post(const std::string& pattern, Access access, TlsHandler handler) {
  server_->Post(pattern, guarded(access, std::move(handler)));
}
void TlsServer::put(const std::string& pattern, Access access, TlsHandler handler) {
  server_->Put(pattern, guarded(access, std::move(handler)));
}
void TlsServer::del(const std::string& pattern, Access access, TlsHandler handler) {
  server_->Delete(pattern, guarded(access, std::move(handler)));
}

Result<int> TlsServer::start(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  if (thread_.joinable()) return Error("the API server is already running on port " + std::to_string(port_));
  int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Error("cannot listen on " + where +
                 ": the port is in use (another manager running?) or the address is not one of "
                 "this machine's");
  }
  loop_ended_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    loop_ended_ = true;
  });
  // Wait for the accept loop: httplib's stop() does nothing until the server runs, so
  // returning earlier would let a quick stop() miss it and the join hang. The socket is
  // already listening, so this takes microseconds.
  wait_until_serving_or_ended();
  if (!server_->is_running()) {
    thread_.join();
    return Error("the API server on " + where + " stopped as soon as it started");
  }
  port_ = bound;
  return bound;
}

void TlsServer::wait_until_serving_or_ended() const {
  while (!server_->is_running() && !loop_ended_) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

void TlsServer::stop() {
  if (!thread_.joinable()) return;
  wait_until_serving_or_ended();
  // Once only: httplib 0.11's stop() asserts that the listening socket is still open.
  if (server_->is_running()) server_->stop();
  thread_.join();
}

}  // namespace miniswarm::api
