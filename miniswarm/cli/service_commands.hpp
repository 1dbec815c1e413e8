/**
 * @file service_commands.hpp
 * @brief What each `miniswarm service ...` command does, apart from parsing its flags.
 *
 *  | command                       | request                           | prints              |
 *  |-------------------------------|-----------------------------------|---------------------|
 *  | service create [flags] IMAGE  | POST /v1/services (a ServiceSpec) | the id, progress    |
 *  |   [COMMAND] [ARG...]          |                                   |                     |
 *  | service ls [-q] [--format]    | GET /v1/services                  | service_table.hpp   |
 *  | service ps SERVICE...         | GET /v1/tasks?service=...         | task_table.hpp      |
 *  | service inspect SERVICE...    | GET /v1/services/{id}             | JSON array/summary  |
 *  | service scale SERVICE=N...    | POST .../update {"replicas": N}   | "web scaled to 3"   |
 *  | service update [flags] SERVICE| GET, then POST .../update         | SERVICE, progress   |
 *  | service rm SERVICE...         | DELETE /v1/services/{id}          | each SERVICE        |
 *
 * create, scale and update return as soon as the manager has stored the change; unless
 * `-d/--detach`, the command then watches the service converge (convergence.hpp),
 * printing a progress line each time it changes (or one line rewritten in place on a
 * terminal), and ends with Docker's "verify: Service converged" or, after --timeout or
 * when tasks keep failing, an error that says why.
 *
 * Docs: `docker service --help`; routes_services.cpp for the manager's side.
 */
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/cli/list_options.hpp"
#include "miniswarm/cli/manager_client.hpp"
#include "miniswarm/cli/service_flags.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// How to wait for convergence.
struct WaitOptions {
  int64_t timeout_ms = 60'000;  ///< --timeout
  int64_t poll_ms = 150;        ///< between two looks at the tasks
  bool tty = false;             ///< rewrite one line in place instead of printing lines
  bool quiet = false;           ///< -q: no progress output (still waits)
};

/// A service the manager stored: its id and name (what the wait needs).
struct ServiceRef {
  std::string id;
  std::string name;
};

/// Posts `spec`, prints the new service's id (Docker prints the full id).
minirun::sys::Result<ServiceRef> service_create(const ManagerClient& client,
                                                const ServiceSpec& spec, std::ostream& out);

/// Watches `service` until it converges, tasks keep failing, or the timeout passes.
/// `new_service`: every failure counts (create), not just those after the start.
minirun::sys::Result<void> wait_for_convergence(const ManagerClient& client,
                                                const ServiceRef& service, bool new_service,
                                                const WaitOptions& options, std::ostream& out);

minirun::sys::Result<void> service_ls(const ManagerClient& client, const ListOptions& options,
                                      std::ostream& out);
minirun::sys::Result<void> service_ps(const ManagerClient& client,
                                      const std::vector<std::string>& services,
                                      const PsOptions& options, std::ostream& out);
minirun::sys::Result<void> service_inspect(const ManagerClient& client,
                                           const std::vector<std::string>& services, bool pretty,
                                           std::ostream& out);

/// Scales each `SERVICE=N`, adding the services it scaled to `scaled` (for the wait)
/// and going on after a failure; the Error lists the failures. Every target is checked
/// before any is sent.
minirun::sys::Result<void> service_scale(const ManagerClient& client,
                                         const std::vector<std::string>& targets, std::ostream& out,
                                         std::vector<ServiceRef>& scaled);

/// Reads the service, applies `flags`, posts the changed keys; prints the argument.
minirun::sys::Result<ServiceRef> service_update(const ManagerClient& client,
                                                const std::string& service,
                                                const ServiceUpdateFlags& flags, std::ostream& out);

minirun::sys::Result<void> service_rm(const ManagerClient& client,
                                      const std::vector<std::string>& services, std::ostream& out);

}  // namespace miniswarm::cli
