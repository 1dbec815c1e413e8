/**
 * @file tls_client.cpp
 * @brief The client's SSL_CTX (pinned CA, "swarm-manager" name check, our certificate),
 *        the bootstrap fetch, and errors that say what to try.
 *
 * cpp-httplib 0.11 has its own server check, but it verifies the host name against the
 * address dialled and loads the system's CA bundle; both are wrong for a swarm. So that
 * check is switched off and the SSL_CTX is configured directly: OpenSSL itself then
 * fails the handshake when the manager's certificate is not from the pinned CA or is
 * not a manager's, and a verify callback remembers why, for the error message.
 */
#include "miniswarm/api/tls_client.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "minirun/sys/unique_fd.hpp"
#include "miniswarm/api/tls_server.hpp"
#include "miniswarm/ca/pem.hpp"
#include "miniswarm/ca/root_ca.hpp"

namespace miniswarm::api {

using minirun::sys::Error;

namespace {

/// The name only a manager's certificate carries (subjectAltName DNS:swarm-manager).
constexpr const char* kManagerName = "swarm-manager";

// Records the first verification failure of a handshake in the TlsClient's note (the
// SSL_CTX's app data), then gives OpenSSL's own verdict back unchanged.
int record_verify_failure(int ok, X509_STORE_CTX* store) {
  if (!ok) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* note = static_cast<std::atomic<int>*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    int none = 0;
    if (note != nullptr) note->compare_exchange_strong(none, X509_STORE_CTX_get_error(store));
  }
  return ok;
}

/// The common TLS settings of both clients: TLS 1.2+, no compression or renegotiation.
bool configure_protocol(SSL_CTX* ctx) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1;
}

/// Why a TCP connection to host:port fails, found by trying once more with a plain
/// socket: httplib 0.11 reports only "Connection", and "refused" (nothing listens) and
/// "no route" (wrong address, network down) call for different fixes.
std::string connect_failure_reason(const std::string& host, int port,
                                   std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return std::string("cannot resolve the name: ") + gai_strerror(rc);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  minirun::sys::UniqueFd fd(socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return std::strerror(errno);
  if (connect(fd.get(), found->ai_addr, found->ai_addrlen) == 0) return "it answers now; try again";
  if (errno != EINPROGRESS) return std::strerror(errno);
  pollfd waiting{fd.get(), POLLOUT, 0};
  if (poll(&waiting, 1, static_cast<int>(timeout.count())) == 0) return "no answer, timed out";
  int error = 0;
  socklen_t size = sizeof error;
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
  return error == 0 ? "it answers now; try again" : std::strerror(error);
}

/// A failed handshake, explained from the verification failure the callback saw.
std::string handshake_failure(const std::string& address, int verify_error) {
  std::string openssl = ca::drain_openssl_errors();
  switch (verify_error) {
    case X509_V_OK:
      return "the TLS handshake with " + address + " failed" +
             (openssl.empty() ? "" : " (OpenSSL: " + openssl + ")") +
             ": is it a miniswarm manager, speaking TLS 1.2 or later?";
    case X509_V_ERR_HOSTNAME_MISMATCH:
      return "the server at " + address +
             " has a certificate of this swarm, but not a manager's: only managers serve the API";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "the certificate of the manager at " + address + " has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "the certificate of the manager at " + address +
             " is not valid yet: is this machine's clock behind?";
    default:
      return "the server at " + address + " does not have a certificate from this swarm's CA (" +
             X509_verify_cert_error_string(verify_error) +
             "): is it a manager of another swarm? If the swarm was re-created, join it again "
             "with a new token";
  }
}

/// A transport failure (no HTTP answer) as an Error that says what to try.
Error transport_error(const std::string& host, int port, const ClientTimeouts& timeouts,
                      httplib::Error error, int verify_error) {
  const std::string address = host + ":" + std::to_string(port);
  switch (error) {
    case httplib::Error::Connection:
      return Error("cannot reach the manager at " + address + " (" +
                   connect_failure_reason(host, port, timeouts.connect) +
                   "): is `miniswarm init` running there, and is that its address?");
    case httplib::Error::ConnectionTimeout:
      return Error("no answer from the manager at " + address + " within " +
                   std::to_string(timeouts.connect.count()) +
                   " ms: is the address right, and is the port open?");
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
      return Error(handshake_failure(address, verify_error));
    case httplib::Error::Read:
      return Error("the manager at " + address + " closed the connection or sent no answer within " +
                   std::to_string(timeouts.read.count()) + " ms");
    case httplib::Error::Write:
      return Error("could not send the request to the manager at " + address +
                   " (the connection broke)");
    default:
      return Error("request to the manager at " + address + " failed: " + httplib::to_string(error));
  }
}

template <class Client>
void apply_timeouts(Client& client, const ClientTimeouts& timeouts) {
  client.set_connection_timeout(timeouts.connect);
  client.set_read_timeout(timeouts.read);
  // Short exchanges: without it, Nagle's algorithm waits for the server's delayed ACK.
  client.set_tcp_nodelay(true);
  // httplib's own check is off: it would match the dialled address against the
  // certificate and load the system CAs. The SSL_CTX does the checking (file comment).
  client.enable_server_certificate_verification(false);
}

}  // namespace

Result<std::unique_ptr<TlsClient>> TlsClient::create(const std::string& host, int port,
                                                     const ca::NodeCredentials& node,
                                                     ClientTimeouts timeouts) {
  const std::string address = host + ":" + std::to_string(port);
  const std::string doing = "set up the TLS client for " + address;
  auto ca_cert = ca::read_certificate_pem(node.ca_cert_pem, "the cluster CA certificate");
  if (!ca_cert) return std::move(ca_cert.error()).context(doing);

  std::unique_ptr<TlsClient> client(new TlsClient());
  client->host_ = host;
  client->port_ = port;
  client->address_ = address;
  client->timeouts_ = timeouts;
  client->client_ = std::make_unique<httplib::SSLClient>(host, port);
  SSL_CTX* ctx = client->client_->ssl_context();
  if (ctx == nullptr || !configure_protocol(ctx)) return ca::openssl_error("configure TLS").context(doing);

  // Trust: the cluster CA and nothing else (a fresh SSL_CTX's store is empty), and the
  // server must be a manager (the name check looks at subjectAltName, not the address).
  if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca_cert->get()) != 1 ||
      X509_VERIFY_PARAM_set1_host(SSL_CTX_get0_param(ctx), kManagerName, 0) != 1) {
    return ca::openssl_error("pin the cluster CA").context(doing);
  }
  SSL_CTX_set_app_data(ctx, &client->verify_error_);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, record_verify_failure);

  if (!node.cert_pem.empty() || !node.key_pem.empty()) {
    auto cert = ca::read_certificate_pem(node.cert_pem, "the node certificate");
    if (!cert) return std::move(cert.error()).context(doing);
    auto key = ca::read_private_key_pem(node.key_pem, "the node key");
    if (!key) return std::move(key.error()).context(doing);
    if (SSL_CTX_use_certificate(ctx, cert->get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key->get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      return ca::openssl_error("use the node certificate and key (do they belong together?)")
          .context(doing);
    }
  }
  apply_timeouts(*client->client_, timeouts);
  return client;
}

Result<Reply> TlsClient::finish(const std::string& what, httplib::Result result) {
  if (!result) {
    return transport_error(host_, port_, timeouts_, result.error(), verify_error_.load()).context(what);
  }
  return Reply{result->status, result->body, result->get_header_value("Content-Type")};
}

Result<Reply> TlsClient::get(const std::string& path) {
  verify_error_.store(0);
  return finish("GET " + path, client_->Get(path));
}

Result<Reply> TlsClient::post(const std::string& path, const std::string& body,
                              const std::string& content_type) {
  verify_error_.store(0);
  return finish("POST " + path, client_->Post(path, body, content_type.c_str()));
}

Result<Reply> TlsClient::put(const std::string& path, const std::string& body,
                             const std::string& content_type) {
  verify_error_.store(0);
  return finish("PUT " + path, client_->Put(path, body, content_type.c_str()));
}

Result<Reply> TlsClient::del(const std::string& path) {
  verify_error_.store(0);
  return finish("DELETE " + path, client_->Delete(path));
}

Result<StreamedReply> TlsClient::get_streamed(const std::string& path, const BodyReceiver& receiver,
                                             const httplib::Headers& headers) {
  // The largest error body kept: a registry's JSON error is a few hundred bytes.
  constexpr size_t kMaxErrorBody = 64 * 1024;
  verify_error_.store(0);
  StreamedReply reply;
  auto result = client_->Get(
      path, headers,
      [&reply](const httplib::Response& response) {
        // Called once the status line and headers are in, before any of the body.
        reply.status = response.status;
        reply.headers = response.headers;
        return true;
      },
      [&](const char* data, size_t size) {
        if (reply.status == 200) return receiver(data, size);
        size_t room = kMaxErrorBody - std::min(kMaxErrorBody, reply.error_body.size());
        reply.error_body.append(data, std::min(room, size));
        return true;
      });
  if (!result) {
    return transport_error(host_, port_, timeouts_, result.error(), verify_error_.load()).context("GET " + path);
  }
  return reply;
}

Result<std::string> fetch_ca_with_token(const std::string& host, int port,
                                        const ca::JoinToken& token, ClientTimeouts timeouts) {
  const std::string address = host + ":" + std::to_string(port);
  const std::string doing = "fetch the cluster CA from " + address;
  httplib::SSLClient client(host, port);
  SSL_CTX* ctx = client.ssl_context();
  if (ctx == nullptr || !configure_protocol(ctx)) return ca::openssl_error("configure TLS").context(doing);
  // Deliberately unverified: there is nothing to verify against yet. The digest check
  // below is what makes the answer trustworthy.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  apply_timeouts(client, timeouts);

  auto result = client.Get(kCaRoute);
  if (!result) return transport_error(host, port, timeouts, result.error(), 0).context(doing);
  if (result->status != 200) {
    return Error("GET " + std::string(kCaRoute) + " answered HTTP " + std::to_string(result->status) +
                 ": is " + address + " a miniswarm manager?")
        .context(doing);
  }
  auto digest = ca::ca_digest(result->body);
  if (!digest) {
    return Error("the answer is not a certificate: is " + address + " a miniswarm manager?")
        .context(doing);
  }
  if (*digest != token.ca_digest) {
    return Error("the manager's CA does not match the join token: wrong token or a man in the "
                 "middle (the CA at " + address + " has digest " + *digest +
                 ", the token expects " + token.ca_digest + ")")
        .context(doing);
  }
  return std::move(result->body);
}

}  // namespace miniswarm::api
