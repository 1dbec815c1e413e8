/**
 * @file manager_client.hpp
 * @brief How the `miniswarm` command talks to its manager: plain HTTP+JSON over the
 *        manager's local Unix socket, `<state-dir>/manager.sock`.
 *
 * This is the docker CLI's arrangement: `docker service ls` does not speak TLS to a
 * port, it talks to the local daemon through /var/run/docker.sock, and the socket's
 * file mode (0600, root's) is the whole access check. The manager serves its API table
 * (manager/routes.hpp) on that socket too, treating the caller as itself, so a
 * command on the manager node needs no certificate. The price is the same as Docker's:
 * `miniswarm service ...` works on a manager node only.
 *
 * Each call opens a connection, sends one request and reads one reply (a poll every
 * 150 ms while `service create` waits costs nothing on a Unix socket). A reply of 2xx
 * is parsed as JSON; any other status becomes an Error carrying the manager's own
 * `{"message": ...}`, which already names the field and the way out. When nothing
 * answers, the error says what the learner most likely has to do:
 *
 *     cannot reach the manager at /var/lib/miniswarm/manager.sock: is this node a
 *     manager? (`miniswarm init` starts one)
 *
 * Two faces: request()/try_get()/try_post()/try_del() return a Result (for the cli/
 * functions and their tests); get()/post()/del() throw CliError (for command callbacks,
 * where the only thing to do with an error is to print it and exit).
 *
 * Docs: cpp-httplib README ("Unix domain socket"); unix(7); routes.hpp for the routes.
 */
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "minirun/sys/error.hpp"

namespace miniswarm::cli {

class ManagerClient {
 public:
  /// A client for the manager whose state dir is `state_dir` (its socket is
  /// `<state_dir>/manager.sock`).
  explicit ManagerClient(std::string state_dir);

  /// `<state_dir>/manager.sock`.
  const std::string& socket_path() const { return socket_path_; }

  /// The reply of one request: the status and the body parsed as JSON (null if empty).
  struct Reply {
    int status = 0;
    nlohmann::json body;
  };

  /// Sends `method` `path` (with `body` as JSON when not null). Fails only when the
  /// manager cannot be reached or its reply is not JSON; any status is a Reply.
  minirun::sys::Result<Reply> request(std::string_view method, const std::string& path,
                                      const nlohmann::json& body = nullptr) const;

  /// GET/POST/DELETE `path`: the reply's body for a 2xx status; otherwise an Error with
  /// the manager's message.
  minirun::sys::Result<nlohmann::json> try_get(const std::string& path) const;
  minirun::sys::Result<nlohmann::json> try_post(const std::string& path,
                                                const nlohmann::json& body) const;
  minirun::sys::Result<nlohmann::json> try_del(const std::string& path) const;

  /// The same, for command callbacks: an error throws CliError with its message.
  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;
  nlohmann::json del(const std::string& path) const;

 private:
  std::string socket_path_;
};

/// `text` made safe for one path segment or query value (RFC 3986 unreserved kept,
/// everything else %XX), so `/v1/services/` + encode_uri_component(name) is one route.
std::string encode_uri_component(std::string_view text);

}  // namespace miniswarm::cli
