/**
 * @file node_daemons.cpp
 * @brief The manager and agent processes (node_daemons.hpp).
 */
#include "miniswarm/cmd/node_daemons.hpp"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <mutex>

#include "minirun/engine/engine.hpp"
#include "miniswarm/agent/agent.hpp"
#include "miniswarm/agent/engine_backend.hpp"
#include "miniswarm/agent/engine_task_logs.hpp"
#include "miniswarm/agent/https_log_link.hpp"
#include "miniswarm/agent/https_link.hpp"
#include "miniswarm/api/credential_files.hpp"
#include "miniswarm/ca/node_identity.hpp"
#include "miniswarm/ca/validity.hpp"
#include "miniswarm/cmd/daemon.hpp"
#include "miniswarm/manager/manager.hpp"

namespace miniswarm::cmd {

namespace {

std::mutex g_log_mutex;

/// One line to the daemon log with a timestamp: "2026-11-28T12:40:01Z manager: ...".
void log_line(const std::string& line) {
  char stamp[32];
  time_t now = ::time(nullptr);
  struct tm tm_utc;
  ::gmtime_r(&now, &tm_utc);
  ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  std::lock_guard lock(g_log_mutex);
  std::fprintf(stderr, "%s %s\n", stamp, line.c_str());
  std::fflush(stderr);
}

/// Blocks until SIGTERM or SIGINT (sigwait: no handler runs in a random thread).
void wait_for_termination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  log_line(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping");
}

/// Every thread started after this inherits the blocked set, so only sigwait sees them.
void block_termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a closed connection is an error return, not a death
}

struct RunningAgent {
  std::unique_ptr<agent::HttpsManagerLink> link;
  std::unique_ptr<agent::EngineBackend> backend;
  std::unique_ptr<agent::Agent> agent;
};

/// Remembers the image store the node's containers use, so that `leave` removes them
/// with the same one (an engine opens its image store to release a container's image).
void record_image_root(const DaemonOptions& options) {
  std::FILE* f = std::fopen((options.state_dir + "/image-root").c_str(), "w");
  if (f == nullptr) return;
  std::fprintf(f, "%s\n", options.image_root.c_str());
  std::fclose(f);
}

minirun::sys::Result<RunningAgent> start_agent(const DaemonOptions& options,
                                               const api::StoredCredentials& stored,
                                               const std::string& host, int port,
                                               int64_t period_ms) {
  auto identity = ca::verify_node_cert(stored.credentials.ca_cert_pem, stored.credentials.cert_pem,
                                       ca::wall_clock_ms());
  if (!identity.ok()) return std::move(identity.error()).context("agent: this node's certificate");
  record_image_root(options);
  RunningAgent running;
  auto link = agent::HttpsManagerLink::create(host, port, stored.credentials);
  if (!link.ok()) return std::move(link.error()).context("agent");
  running.link = std::move(*link);

  agent::EngineBackendOptions backend;
  backend.engine.data_root = options.state_dir + "/engine";
  backend.engine.image_root = options.image_root;
  backend.node_id = identity->node_id;
  backend.network_mode = options.task_network;
  // Images the node lacks come from the manager's registry, with this node's certificate.
  backend.puller = std::make_shared<registry::ImagePuller>(host, port, stored.credentials);
  backend.log = [](std::string line) { log_line("agent: " + line); };
  running.backend = std::make_unique<agent::EngineBackend>(backend);

  agent::AgentOptions agent_options;
  agent_options.addr = options.advertise_addr;
  agent_options.heartbeat_period_ms = period_ms;
  // The long poll is kept short enough that a stopping agent is not held long by it.
  agent_options.assignments_wait_ms = 5000;
  // A node that takes over a dead node's tasks starts them four at a time (measured on
  // the 2-core lab VM: swarm_bench, docs/design/performance.md).
  agent_options.parallel_starts = 4;
  agent_options.log = [](std::string line) { log_line("agent: " + line); };
  // `service logs`: the agent answers the manager's log subscriptions with its task
  // containers' json logs (agent/log_publisher.hpp).
  auto log_link = agent::HttpsLogLink::create(host, port, stored.credentials);
  if (!log_link.ok()) return std::move(log_link.error()).context("agent");
  agent_options.log_link = std::move(*log_link);
  agent_options.task_logs = std::make_shared<agent::EngineTaskLogs>(backend.engine, identity->node_id);
  running.agent = std::make_unique<agent::Agent>(*running.link, *running.backend, agent_options);
  MINIRUN_TRY(running.agent->start(), "agent");
  log_line("agent: node " + identity->node_id + " reporting to " + host + ":" + std::to_string(port));
  return running;
}

}  // namespace

int run_manager_daemon(const DaemonOptions& options) {
  block_termination_signals();
  if (auto pid = write_pid_file(options.state_dir); !pid.ok()) {
    log_line("manager: " + pid.error().what());
    return 1;
  }
  manager::ManagerOptions manager_options;
  manager_options.state_dir = options.state_dir;
  manager_options.listen_host = options.listen_host;
  manager_options.listen_port = options.listen_port;
  manager_options.log = [](const std::string& line) { log_line(line); };
  manager_options.image_root = options.image_root;  // served to the nodes as a registry
  auto manager = manager::Manager::open(manager_options);
  if (!manager.ok()) {
    log_line(manager.error().what());
    return 1;
  }
  if (auto served = (*manager)->serve(); !served.ok()) {
    log_line(served.error().what());
    return 1;
  }
  RunningAgent agent;
  if (options.run_agent) {
    auto cluster = (*manager)->store().cluster();
    int64_t period = cluster.ok() && cluster->has_value() ? (*cluster)->heartbeat_period_ms : 5000;
    // The manager's own agent reaches it over loopback, through the same TLS door as
    // every other node.
    auto started = start_agent(options, (*manager)->credentials(), "127.0.0.1", (*manager)->port(), period);
    if (!started.ok()) {
      log_line(started.error().what());
      (*manager)->stop();
      return 1;
    }
    agent = std::move(*started);
  }
  wait_for_termination();
  if (agent.agent) agent.agent->stop();
  (*manager)->stop();
  ::unlink(daemon_pid_path(options.state_dir).c_str());
  log_line("manager: stopped");
  return 0;
}

int run_agent_daemon(const DaemonOptions& options) {
  block_termination_signals();
  if (auto pid = write_pid_file(options.state_dir); !pid.ok()) {
    log_line("agent: " + pid.error().what());
    return 1;
  }
  auto stored = api::load_credentials(options.state_dir);
  if (!stored.ok()) {
    log_line("agent: " + stored.error().what());
    return 1;
  }
  auto address = api::split_host_port(stored->manager_addr, 2377);
  if (!address.ok()) {
    log_line("agent: " + address.error().what());
    return 1;
  }
  auto started = start_agent(options, *stored, address->first, address->second, 5000);
  if (!started.ok()) {
    log_line(started.error().what());
    return 1;
  }
  wait_for_termination();
  started->agent->stop();
  ::unlink(daemon_pid_path(options.state_dir).c_str());
  log_line("agent: stopped");
  return 0;
}

}  // namespace miniswarm::cmd
