/**
 * @file cmd_swarm.cpp
 * @brief `miniswarm init`, `join`, `leave`, `join-token`, and the two daemons.
 *
 * What each command does, in Docker's words and ours:
 *  - `init`: creates the swarm (cluster id, CA, tokens, this node as a manager:
 *    manager.hpp), starts the manager daemon, prints the join command;
 *  - `join --token T HOST:PORT`: checks the manager's CA against the token, sends a
 *    certificate request, saves the certificate it gets back, starts the agent daemon
 *    (routes_join.cpp explains the manager's side);
 *  - `leave [--force]`: stops the daemon, removes this node's task containers and its
 *    credentials; a manager needs --force, since the swarm goes with it;
 *  - `join-token worker|manager [--rotate] [-q]`;
 *  - `manager` and `agent`: the daemons themselves, in the foreground (node_daemons.hpp).
 */
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "minirun/engine/engine.hpp"
#include "miniswarm/api/credential_files.hpp"
#include "miniswarm/api/tls_client.hpp"
#include "miniswarm/ca/join_token.hpp"
#include "miniswarm/ca/node_certificate.hpp"
#include "miniswarm/cli/cli_context.hpp"
#include "miniswarm/cmd/daemon.hpp"
#include "miniswarm/cmd/node_daemons.hpp"
#include "miniswarm/cmd/swarm_commands.hpp"
#include "miniswarm/dispatcher/orphaned_tasks.hpp"
#include "miniswarm/manager/manager.hpp"

namespace miniswarm::cmd {

using cli::CliError;

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

/// The local address the kernel would use to reach `host` (connect(2) on a UDP socket
/// sends nothing; it only picks the route), for a default --advertise-addr.
std::string local_address_towards(const std::string& host) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  std::string address;
  if (::inet_pton(AF_INET, host.c_str(), &to.sin_addr) == 1 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    sockaddr_in me{};
    socklen_t len = sizeof me;
    char text[INET_ADDRSTRLEN];
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&me), &len) == 0 &&
        ::inet_ntop(AF_INET, &me.sin_addr, text, sizeof text) != nullptr) {
      address = text;
    }
  }
  ::close(fd);
  return address;
}

/// Waits until the daemon is ready (`ready()` true) or died; on death, shows its log.
void wait_for_daemon(const std::string& state_dir, int pid, const std::function<bool()>& ready,
                     const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return;
    if (::kill(pid, 0) != 0) {
      throw CliError{"the " + what + " stopped at once; its log (" + daemon_log_path(state_dir) + ") ends with:\n" +
                     daemon_log_tail(state_dir)};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw CliError{"the " + what + " did not become ready within 20 s; see " + daemon_log_path(state_dir)};
}

bool manager_socket_answers(const std::string& state_dir) {
  httplib::Client client(state_dir + "/manager.sock");
  client.set_address_family(AF_UNIX);
  client.set_connection_timeout(0, 200'000);
  auto reply = client.Get("/v1/swarm");
  return reply && reply->status == 200;
}

std::vector<std::string> daemon_argv(const std::string& role, const DaemonOptions& o) {
  std::vector<std::string> argv = {"miniswarm", "--state-dir", o.state_dir, role,
                                   "--image-root", o.image_root, "--task-network", o.task_network};
  if (role == "manager") {
    argv.insert(argv.end(), {"--listen-addr", o.listen_host + ":" + std::to_string(o.listen_port)});
    if (!o.run_agent) argv.push_back("--no-agent");
  }
  if (!o.advertise_addr.empty()) argv.insert(argv.end(), {"--advertise-addr", o.advertise_addr});
  return argv;
}

void add_daemon_flags(CLI::App* app, DaemonOptions& o) {
  app->add_option("--image-root", o.image_root, "The image store the node's tasks run images from")
      ->capture_default_str();
  app->add_option("--task-network", o.task_network,
                  "Engine network of task containers: none, bridge, or a network's name")
      ->capture_default_str();
}

void parse_listen_addr(const std::string& text, DaemonOptions& o) {
  auto hp = api::split_host_port(text, manager::kDefaultPort);
  if (!hp.ok()) throw CliError{"--listen-addr: " + hp.error().what()};
  o.listen_host = hp->first;
  o.listen_port = hp->second;
}

}  // namespace

void add_swarm_commands(CLI::App& app, cli::CliContext& ctx) {
  // ---- init
  {
    auto* cmd = app.add_subcommand("init", "Create a swarm: this node becomes its manager");
    auto o = std::make_shared<DaemonOptions>();
    auto listen = std::make_shared<std::string>("0.0.0.0:2377");
    auto period = std::make_shared<std::string>("5s");
    auto lab = std::make_shared<bool>(false);
    auto orphan = std::make_shared<std::string>("24h");
    cmd->add_option("--advertise-addr", o->advertise_addr,
                    "Address other nodes reach this manager at (default: the listen address, "
                    "or 127.0.0.1 when that is 0.0.0.0)");
    cmd->add_option("--listen-addr", *listen, "Address and port to listen on")->capture_default_str();
    cmd->add_option("--heartbeat-period", *period, "How often agents report (Swarm: 5s)")->capture_default_str();
    cmd->add_option("--orphan-after", *orphan,
                    "How long a DOWN node may stay silent before its tasks become ORPHANED (--lab: 1m)")
        ->capture_default_str();
    cmd->add_flag("--lab", *lab, "Lab mode: 1 s heartbeats (unless --heartbeat-period says otherwise), so "
                                 "failures show within seconds");
    cmd->add_flag("!--no-agent", o->run_agent, "Do not run tasks on this manager");
    add_daemon_flags(cmd, *o);
    cmd->callback([&ctx, cmd, o, listen, period, lab, orphan] {
      o->state_dir = ctx.state_dir;
      parse_listen_addr(*listen, *o);
      if (o->advertise_addr.empty()) o->advertise_addr = o->listen_host == "0.0.0.0" ? "127.0.0.1" : o->listen_host;
      manager::ManagerOptions m;
      m.state_dir = o->state_dir;
      m.listen_host = o->listen_host;
      m.listen_port = o->listen_port;
      m.advertise_addr = o->advertise_addr;
      m.hostname = host_name();
      const bool period_given = cmd->count("--heartbeat-period") > 0;
      m.heartbeat_period_ms = *lab && !period_given ? 1000 : cli::parse_duration_ms(*period, "--heartbeat-period");
      if (m.heartbeat_period_ms < 100) throw CliError{"--heartbeat-period: at least 100ms"};
      const bool orphan_given = cmd->count("--orphan-after") > 0;
      m.orphan_after_ms = *lab && !orphan_given ? kLabOrphanAfterMs : cli::parse_duration_ms(*orphan, "--orphan-after");
      if (m.orphan_after_ms < 3 * m.heartbeat_period_ms)
        throw CliError{"--orphan-after: at least three heartbeat periods (a node is only DOWN after three)"};
      auto created = manager::Manager::init(m);
      if (!created.ok()) throw CliError{created.error().what()};
      auto worker = (*created)->join_token(NodeRole::kWorker);
      std::string node_id = (*created)->node_id();
      created->reset();  // close the store before the daemon opens it
      auto pid = start_daemon(o->state_dir, daemon_argv("manager", *o));
      if (!pid.ok()) throw CliError{pid.error().what()};
      wait_for_daemon(o->state_dir, *pid, [&] { return manager_socket_answers(o->state_dir); }, "manager");
      std::cout << "Swarm initialized: current node (" << node_id << ") is now a manager.\n\n"
                << "To add a worker to this swarm, run the following command:\n\n"
                << "    miniswarm join --token " << (worker.ok() ? *worker : "?") << " "
                << o->advertise_addr << ":" << o->listen_port << "\n\n"
                << "To add a manager to this swarm, run 'miniswarm join-token manager' and follow the instructions.\n";
    });
  }
  // ---- join
  {
    auto* cmd = app.add_subcommand("join", "Join a swarm as a worker (or a manager)");
    auto o = std::make_shared<DaemonOptions>();
    auto token = std::make_shared<std::string>();
    auto remote = std::make_shared<std::string>();
    cmd->add_option("--token", *token, "The join token (miniswarm join-token worker)")->required();
    cmd->add_option("--advertise-addr", o->advertise_addr, "Address this node advertises");
    cmd->add_option("HOST:PORT", *remote, "A manager's address")->required();
    add_daemon_flags(cmd, *o);
    cmd->callback([&ctx, o, token, remote] {
      o->state_dir = ctx.state_dir;
      if (api::load_credentials(o->state_dir).ok()) {
        throw CliError{"this node is already part of a swarm (state in `" + o->state_dir +
                       "`): run `miniswarm leave` first"};
      }
      auto parsed = ca::parse_join_token(*token);
      if (!parsed.ok()) throw CliError{"--token: " + parsed.error().what()};
      auto hp = api::split_host_port(*remote, manager::kDefaultPort);
      if (!hp.ok()) throw CliError{hp.error().what()};
      auto [host, port] = *hp;
      auto ca_pem = api::fetch_ca_with_token(host, port, *parsed);
      if (!ca_pem.ok()) throw CliError{ca_pem.error().what()};
      auto key = ca::make_key_and_csr();
      if (!key.ok()) throw CliError{key.error().what()};
      auto client = api::TlsClient::create(host, port, {*ca_pem, "", ""});
      if (!client.ok()) throw CliError{client.error().what()};
      if (o->advertise_addr.empty()) o->advertise_addr = local_address_towards(host);
      nlohmann::json body = {{"token", *token}, {"csr", key->csr_pem}, {"hostname", host_name()},
                             {"addr", o->advertise_addr}};
      auto reply = (*client)->post("/v1/join", body.dump());
      if (!reply.ok()) throw CliError{reply.error().what()};
      nlohmann::json answer = nlohmann::json::parse(reply->body, nullptr, false);
      if (reply->status != 200) {
        std::string message = answer.is_object() ? answer.value("message", reply->body) : reply->body;
        throw CliError{"the manager refused to let this node join: " + message};
      }
      api::StoredCredentials stored;
      stored.credentials = {*ca_pem, answer.value("cert", ""), key->key_pem};
      stored.manager_addr = host + ":" + std::to_string(port);
      if (auto saved = api::save_credentials(o->state_dir, stored); !saved.ok()) throw CliError{saved.error().what()};
      auto pid = start_daemon(o->state_dir, daemon_argv("agent", *o));
      if (!pid.ok()) throw CliError{pid.error().what()};
      // Ready once the agent is up and running (the pid file is its first act).
      wait_for_daemon(o->state_dir, *pid, [&] { return running_daemon(o->state_dir) == *pid; }, "agent");
      std::string role = answer.value("role", "worker");
      std::cout << "This node joined a swarm as a " << role << ".\n";
      if (role == "manager") {
        std::cout << "(It runs an agent only: several managers sharing one store come later.)\n";
      }
    });
  }
  // ---- leave
  {
    auto* cmd = app.add_subcommand("leave", "Leave the swarm: stop the daemon, remove task containers");
    auto force = std::make_shared<bool>(false);
    cmd->add_flag("-f,--force", *force, "Leave even as the manager (the swarm is destroyed)");
    cmd->callback([&ctx, force] {
      bool is_manager = ::access((ctx.state_dir + "/manager/state.db").c_str(), F_OK) == 0;
      bool joined = api::load_credentials(ctx.state_dir).ok();
      if (!is_manager && !joined) throw CliError{"this node is not part of a swarm (no state in `" + ctx.state_dir + "`)"};
      if (is_manager && !*force) {
        throw CliError{"this node is the swarm's manager: leaving destroys the swarm. Use --force to do it anyway"};
      }
      if (auto stopped = stop_daemon(ctx.state_dir); !stopped.ok()) throw CliError{stopped.error().what()};
      remove_node_state(ctx.state_dir);
      std::cout << "Node left the swarm.\n";
    });
  }
  // ---- join-token
  {
    auto* cmd = app.add_subcommand("join-token", "Show (or rotate) the token to join as worker or manager");
    auto role = std::make_shared<std::string>();
    auto rotate = std::make_shared<bool>(false);
    auto quiet = std::make_shared<bool>(false);
    cmd->add_option("ROLE", *role, "worker or manager")->required()->check(CLI::IsMember({"worker", "manager"}));
    cmd->add_flag("--rotate", *rotate, "Make a new token; the old one stops working");
    cmd->add_flag("-q,--quiet", *quiet, "Print the token only");
    cmd->callback([&ctx, role, rotate, quiet] {
      cli::ManagerClient client(ctx.state_dir);
      auto reply = client.get("/v1/swarm/join-token/" + *role + (*rotate ? "?rotate=1" : ""));
      auto creds = api::load_credentials(ctx.state_dir);
      std::string token = reply.value("token", "");
      if (*quiet) {
        std::cout << token << "\n";
        return;
      }
      if (*rotate) std::cout << "Successfully rotated " << *role << " join token.\n\n";
      std::cout << "To add a " << *role << " to this swarm, run the following command:\n\n"
                << "    miniswarm join --token " << token << " " << (creds.ok() ? creds->manager_addr : "HOST:2377")
                << "\n";
    });
  }
  // ---- rebalance
  {
    auto* cmd = app.add_subcommand("rebalance", "Spread a service's tasks again over the nodes that can run them "
                                                "(moves only the surplus; the kit's addition)");
    auto service = std::make_shared<std::string>();
    cmd->add_option("SERVICE", *service, "Service name or id")->required();
    cmd->callback([&ctx, service] {
      cli::ManagerClient client(ctx.state_dir);
      auto reply = client.post("/v1/services/" + cli::encode_uri_component(*service) + "/rebalance",
                               nlohmann::json::object());
      std::cout << reply.value("service", *service) << ": " << reply.value("summary", "") << "\n";
    });
  }
  // ---- the daemons
  for (const std::string role : {"manager", "agent"}) {
    auto* cmd = app.add_subcommand(role, role == "manager"
                                             ? "Run the manager daemon in the foreground (init starts it)"
                                             : "Run the agent daemon in the foreground (join starts it)");
    auto o = std::make_shared<DaemonOptions>();
    auto listen = std::make_shared<std::string>("0.0.0.0:2377");
    add_daemon_flags(cmd, *o);
    cmd->add_option("--advertise-addr", o->advertise_addr, "Address this node advertises");
    if (role == "manager") {
      cmd->add_option("--listen-addr", *listen, "Address and port to listen on")->capture_default_str();
      cmd->add_flag("!--no-agent", o->run_agent, "Do not run tasks on this manager");
    }
    cmd->callback([&ctx, o, listen, role] {
      o->state_dir = ctx.state_dir;
      if (role == "manager") {
        parse_listen_addr(*listen, *o);
        throw CliError{"", run_manager_daemon(*o)};
      }
      throw CliError{"", run_agent_daemon(*o)};
    });
  }
}

void remove_node_state(const std::string& state_dir) {
  // Task containers first (they hold mounts and cgroups), through the engine.
  minirun::engine::EngineOptions engine_options;
  engine_options.data_root = state_dir + "/engine";
  // The image store the daemon used (node_daemons.cpp records it): the engine opens it
  // to release each container's image, and must not create the default one instead.
  if (std::ifstream in(state_dir + "/image-root"); in) {
    std::string root;
    if (std::getline(in, root) && !root.empty()) engine_options.image_root = root;
  }
  if (::access(engine_options.data_root.c_str(), F_OK) == 0) {
    minirun::engine::Engine engine(engine_options);
    for (const auto& view : engine.list(true)) {
      if (!view.config.labels.count("com.docker.swarm.task.id")) continue;
      auto removed = engine.remove(view.config.id, true, true);
      if (!removed.ok()) std::cerr << "miniswarm: leave: " << removed.error().what() << "\n";
    }
  }
  (void)api::remove_credentials(state_dir);
  std::string db = state_dir + "/manager/state.db";
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((db + suffix).c_str());
  ::rmdir((state_dir + "/manager").c_str());
  ::unlink((state_dir + "/manager.sock").c_str());
  ::unlink((state_dir + "/image-root").c_str());
}

}  // namespace miniswarm::cmd
