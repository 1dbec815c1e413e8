/**
 * @file service_table.hpp
 * @brief The table of `service ls`, and a service as the manager lists it (with its
 *        task counts).
 *
 *     ID             NAME      MODE         REPLICAS               IMAGE
 *     k3v9x0q2m8r1   web       replicated   3/3                    busybox
 *     p0z7c5w2n4b8   monitor   global       2/2                    busybox
 *     x1y2z3a4b5c6   api       replicated   1/4 (max 2 per node)   busybox
 *
 * REPLICAS is "running/desired": running counts tasks that should run and do;
 * desired is the replica count (global: the tasks that should run, one per eligible
 * node). The manager counts both (routes_services.cpp) so that every client agrees.
 * With `--replicas-max-per-node` Docker appends "(max N per node)", and so do we: it
 * is often the reason why desired is not reached. Rows come in natural order of name.
 * Docker's PORTS column is left out (no published service ports yet).
 *
 * Docs: docker/cli cli/command/service/formatter.go; `docker service ls`.
 */
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "minirun/sys/error.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// A service as GET /v1/services returns it: the object plus its task counts.
struct ServiceListing {
  Service service;
  uint64_t running_tasks = 0;
  uint64_t desired_tasks = 0;
};

/// Reads one element of the manager's service list; the error names the field.
minirun::sys::Result<ServiceListing> parse_service_listing(const nlohmann::json& j);

/// The REPLICAS cell: "2/3", "2/3 (max 1 per node)".
std::string replicas_cell(const ServiceListing& listing);

/// The table, sorted by name.
std::string render_service_table(std::vector<ServiceListing> services);

/// `-q`: the service ids (12 characters, as Docker's), one per line, in table order.
std::string render_service_ids(std::vector<ServiceListing> services);

}  // namespace miniswarm::cli
