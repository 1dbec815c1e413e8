/**
 * @file miniswarm.cpp
 * @brief `miniswarm`: the swarm's command line (`docker swarm`, `docker node`,
 *        `docker service` in one program).
 *
 *     miniswarm init [--lab]                      this node becomes a manager
 *     miniswarm join --token T HOST:PORT          this node becomes a worker
 *     miniswarm node ls | inspect | update | ps | promote | demote | rm
 *     miniswarm service create | ls | ps | inspect | scale | update | rm
 *     miniswarm join-token worker|manager, leave
 *     miniswarm lab up | ls | kill | start | partition | heal | down   a cluster on one VM
 *
 * The commands on nodes and services talk to the manager through its local socket
 * (`<state-dir>/manager.sock`), so they work on the manager node, as `docker node` and
 * `docker service` do. The program is also the node's daemon (`miniswarm manager`,
 * `miniswarm agent`), which `init` and `join` start in the background.
 *
 * Docs: docs/design/swarm.md; the docker CLI reference for `swarm`, `node`, `service`.
 * Lab: labs/10-swarm.
 */
#include <CLI/CLI.hpp>

#include <iostream>

#include "miniswarm/cli/cli_context.hpp"
#include "miniswarm/cmd/swarm_commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"miniswarm: a small Docker Swarm: managers and workers that run services as tasks"};
  app.require_subcommand(1);
  miniswarm::cli::CliContext ctx;
  app.add_option("--state-dir", ctx.state_dir, "Where this node keeps its swarm state")
      ->envname("MINISWARM_STATE_DIR")  // `lab up` prints `export MINISWARM_STATE_DIR=ROOT/node-1`
      ->capture_default_str();
  miniswarm::cmd::add_swarm_commands(app, ctx);
  miniswarm::cli::add_node_commands(app, ctx);
  miniswarm::cli::add_service_commands(app, ctx);
  miniswarm::cmd::add_lab_commands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const miniswarm::cli::CliError& e) {
    if (!e.message.empty()) std::cerr << "miniswarm: " << e.message << "\n";
    return e.code;
  }
  return 0;
}
