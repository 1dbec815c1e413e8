/**
 * @file manager_client.cpp
 * @brief One HTTP request over the manager's Unix socket (manager_client.hpp).
 *
 * cpp-httplib 0.11 connects to a Unix socket when the client's address family is
 * AF_UNIX; the "host" is then the socket's path and the port is ignored. What httplib
 * does not tell apart is *why* a connection failed (it reports only "Connection"), so
 * the two cases a learner meets are checked first with access(2): no socket at all
 * (no manager on this node, or the wrong --state-dir) and a socket we may not open (not
 * root). A socket that exists but refuses is a manager that was killed and left its
 * socket behind; the message is the same as for a missing one.
 */
#include "miniswarm/cli/manager_client.hpp"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "miniswarm/cli/cli_error.hpp"

namespace miniswarm::cli {

using minirun::sys::Error;

namespace {

constexpr time_t kConnectTimeoutSeconds = 2;
constexpr time_t kReadTimeoutSeconds = 30;

std::string unreachable(const std::string& socket_path) {
  return "cannot reach the manager at " + socket_path +
         ": is this node a manager? (`miniswarm init` starts one)";
}

/// The manager's `{"message": ...}`, or the body text, or the status alone.
std::string error_text(const ManagerClient::Reply& reply) {
  std::string text;
  if (reply.body.is_object() && reply.body.contains("message") &&
      reply.body["message"].is_string()) {
    text = reply.body["message"].get<std::string>();
  } else if (reply.body.is_string()) {
    text = reply.body.get<std::string>();
  }
  if (text.empty()) return "the manager answered HTTP " + std::to_string(reply.status);
  // The manager's 404 names what it looked for ("service `web`"); say what happened.
  if (reply.status == 404 && text.find("not found") == std::string::npos) text += " not found";
  return text;
}

minirun::sys::Result<nlohmann::json> body_if_ok(minirun::sys::Result<ManagerClient::Reply> reply) {
  if (!reply.ok()) return std::move(reply.error());
  if (reply->status >= 200 && reply->status < 300) return std::move(reply->body);
  return Error(error_text(*reply));
}

nlohmann::json or_throw(minirun::sys::Result<nlohmann::json> result) {
  if (!result.ok()) throw CliError{result.error().what()};
  return std::move(*result);
}

}  // namespace

ManagerClient::ManagerClient(std::string state_dir)
    : socket_path_(std::move(state_dir) + "/manager.sock") {}

minirun::sys::Result<ManagerClient::Reply> ManagerClient::request(
    std::string_view method, const std::string& path, const nlohmann::json& body) const {
  if (::access(socket_path_.c_str(), F_OK) != 0) return Error(unreachable(socket_path_));
  if (::access(socket_path_.c_str(), R_OK | W_OK) != 0 && errno == EACCES) {
    return Error("cannot use the manager's socket " + socket_path_ +
                 ": permission denied (it is root's, like /var/run/docker.sock: run as root)");
  }
  httplib::Client client(socket_path_, 80);
  client.set_address_family(AF_UNIX);
  client.set_connection_timeout(kConnectTimeoutSeconds, 0);
  client.set_read_timeout(kReadTimeoutSeconds, 0);
  client.set_write_timeout(kReadTimeoutSeconds, 0);
  const std::string content = body.is_null() ? "" : body.dump();
  httplib::Result result{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    result = client.Get(path);
  } else if (method == "POST") {
    result = client.Post(path, content, "application/json");
  } else if (method == "DELETE") {
    result = client.Delete(path);
  } else {
    return Error("manager request: unknown method " + std::string(method));
  }
  if (!result) {
    if (result.error() == httplib::Error::Connection ||
        result.error() == httplib::Error::ConnectionTimeout) {
      return Error(unreachable(socket_path_));
    }
    return Error(std::string(method) + " " + path + ": the manager did not answer (" +
                 httplib::to_string(result.error()) +
                 "); is it still running? (see <state-dir>/daemon.log)");
  }
  Reply reply;
  reply.status = result->status;
  if (!result->body.empty()) {
    reply.body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
    if (reply.body.is_discarded()) {
      if (reply.status >= 200 && reply.status < 300) {
        return Error(std::string(method) + " " + path +
                     ": the manager's reply is not JSON: " + result->body.substr(0, 200));
      }
      reply.body = result->body;  // an error page that is not JSON: error_text() shows it
    }
  }
  return reply;
}

minirun::sys::Result<nlohmann::json> ManagerClient::try_get(const std::string& path) const {
  return body_if_ok(request("GET", path));
}

minirun::sys::Result<nlohmann::json> ManagerClient::try_post(const std::string& path,
                                                             const nlohmann::json& body) const {
  return body_if_ok(request("POST", path, body.is_null() ? nlohmann::json::object() : body));
}

minirun::sys::Result<nlohmann::json> ManagerClient::try_del(const std::string& path) const {
  return body_if_ok(request("DELETE", path));
}

nlohmann::json ManagerClient::get(const std::string& path) const {
  return or_throw(try_get(path));
}
nlohmann::json ManagerClient::post(const std::string& path, const nlohmann::json& body) const {
  return or_throw(try_post(path, body));
}
nlohmann::json ManagerClient::del(const std::string& path) const {
  return or_throw(try_del(path));
}

std::string encode_uri_component(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace miniswarm::cli
