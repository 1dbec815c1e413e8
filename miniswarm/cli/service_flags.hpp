/**
 * @file service_flags.hpp
 * @brief From the flags of `service create` and `service update` to what the manager
 *        takes: a ServiceSpec, or an update body.
 *
 * The flags are Docker's (`docker service create --help`), plus the kit's own
 * `--restart-backoff`, `--restart-max-delay` and `--placement-strategy`. They arrive
 * here as text exactly as typed (std::nullopt when not given), and every value is
 * parsed with flag_parsing.hpp so an error names the flag. What is *not* checked here
 * is what the manager checks anyway (service_validation.cpp: the name's characters,
 * reservations within limits, the constraint grammar): one rule, one place, and the
 * manager's message names the field too.
 *
 * Update is read-modify-write on the client, as the docker CLI does it: read the
 * service's spec, change the fields the flags name, send the parts that changed. The
 * manager's update route takes only `replicas`, `restart`, `placement` and `labels`
 * (what can change without a rolling update), so those are the only keys the body may
 * hold. `--constraint-rm` and `--label-rm` of something the service does not have is an
 * error, where Docker ignores it: a typo should not look like success.
 *
 * Docs: `docker service create`, `docker service update`; routes_services.cpp.
 */
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "miniswarm/cli/flag_parsing.hpp"
#include "miniswarm/store/objects.hpp"

namespace miniswarm::cli {

/// `--restart-*`, shared by create and update.
struct RestartFlags {
  std::optional<std::string> condition;     ///< none | on-failure | any
  std::optional<std::string> delay;         ///< duration
  std::optional<std::string> max_attempts;  ///< count
  std::optional<std::string> window;        ///< duration
  std::optional<std::string> max_delay;     ///< duration (with backoff)
  std::optional<bool> backoff;              ///< --restart-backoff / --no-restart-backoff
  bool any() const;
};

/// `--placement-strategy`, `--replicas-max-per-node`, shared by create and update.
struct PlacementFlags {
  std::optional<std::string> strategy;      ///< spread | binpack | round-robin | random
  std::optional<std::string> max_per_node;  ///< count
  bool any() const { return strategy || max_per_node; }
};

struct ServiceCreateFlags {
  std::string name;  ///< empty: a generated name
  std::optional<std::string> replicas;
  std::optional<std::string> mode;       ///< replicated | global
  std::vector<std::string> constraints;  ///< passed through ("node.role==worker")
  std::optional<std::string> reserve_cpu, reserve_memory, limit_cpu, limit_memory;
  std::vector<std::string> env;               ///< -e KEY=value (or KEY: copied from our env)
  std::vector<std::string> labels;            ///< --label: the service's labels
  std::vector<std::string> container_labels;  ///< --container-label: the containers'
  RestartFlags restart;
  PlacementFlags placement;
  std::vector<std::string> image_and_command;  ///< IMAGE [COMMAND] [ARG...]
};

struct ServiceUpdateFlags {
  std::optional<std::string> replicas;
  std::vector<std::string> constraint_add, constraint_rm;
  std::vector<std::string> label_add, label_rm;
  RestartFlags restart;
  PlacementFlags placement;
  bool any() const;
};

/// The spec `service create` posts. Errors name the flag.
Result<ServiceSpec> build_service_spec(const ServiceCreateFlags& flags);

/// The body `service update` posts, given the service's current spec: only the keys
/// that the flags touch, each with its whole new value. Empty object when no flag was
/// given.
Result<nlohmann::json> build_service_update(const ServiceSpec& current,
                                            const ServiceUpdateFlags& flags);

}  // namespace miniswarm::cli
