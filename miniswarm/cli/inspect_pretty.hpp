/**
 * @file inspect_pretty.hpp
 * @brief `node inspect --pretty` and `service inspect --pretty`: an object as a
 *        human-readable summary instead of JSON.
 *
 * The layout follows Docker's pretty templates (sections with indented `Key: value`
 * lines: Status, Platform, Resources for a node; Service Mode, Placement,
 * ContainerSpec, Resources for a service), with values in the units a learner typed:
 * `64MiB`, `0.5` CPUs, `5s`. Sections Docker has and the kit does not (UpdateConfig,
 * Endpoint Mode, Engine Version) are left out; the kit's own fields are added where
 * they belong (Placement's Strategy, the restart policy's Backoff).
 *
 * Docs: docker/cli cli/command/node/formatter.go and service/formatter.go (the
 * "pretty" templates).
 */
#pragma once

#include <cstdint>
#include <string>

#include "miniswarm/cli/service_table.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// "2024-05-01 10:00:00 UTC" for milliseconds since the epoch ("" for 0).
std::string format_utc(int64_t ms);

/// The summary of one node; `self_id` decides the Leader line (node_table.hpp).
std::string render_node_pretty(const Node& node, const std::string& self_id);

/// The summary of one service, with its task counts.
std::string render_service_pretty(const ServiceListing& listing);

}  // namespace miniswarm::cli
