/**
 * @file node_daemons.hpp
 * @brief What runs in a node's background process: a manager (with its own agent), or
 *        an agent alone.
 *
 * `miniswarm manager` opens the swarm in the state dir, serves it (manager.hpp), and,
 * unless `--no-agent`, runs an agent that talks to this very manager over mutual TLS
 * like any other node: a manager is a worker too (Docker's default; drain it to keep
 * tasks off it). `miniswarm agent` runs the agent alone, with the credentials `join`
 * saved. Both run until SIGTERM or SIGINT; their containers outlive them (each has its
 * own minirun monitor), and a restarted agent adopts them.
 *
 * The engine the agent drives keeps its containers under `<state-dir>/engine` (its own
 * data root, so `minirun ps` on the host does not mix them up with the learner's own);
 * images come from `--image-root` (the host's minirun image store by default; each node
 * of `miniswarm lab` has its own). The manager serves its node's store to the others
 * over the registry API (miniswarm/registry/), and an agent pulls there what its store
 * lacks when a task is PREPARING.
 */
#pragma once

#include <string>

namespace miniswarm::cmd {

struct DaemonOptions {
  std::string state_dir;
  std::string listen_host = "0.0.0.0";
  int listen_port = 2377;
  std::string advertise_addr;
  std::string image_root = "/var/lib/minirun/images";
  std::string task_network = "none";  ///< the engine network of task containers
  bool run_agent = true;
};

/// `miniswarm manager`: returns the process exit code.
int run_manager_daemon(const DaemonOptions& options);
/// `miniswarm agent`: returns the process exit code.
int run_agent_daemon(const DaemonOptions& options);

}  // namespace miniswarm::cmd
